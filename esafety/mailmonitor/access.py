"""Who may see captured mail and the monitoring settings: the same 404 for "missing" and
"not yours" (that a page or a message exists is need-to-know)."""

from __future__ import annotations

from django.http import Http404

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.mailmonitor.models import CapturedMessage


def _school(user: Person, capability: str) -> School:
    permissions.require(user, capability, hide=True)
    school = user.school
    if school is None:
        raise Http404
    return school


def require_reviewer(user: Person) -> School:
    return _school(user, "review_captured_mail")


def require_settings(user: Person) -> School:
    return _school(user, "manage_mail_monitoring")


def get_captured_for_user(user: Person, pk: int) -> CapturedMessage:
    school = require_reviewer(user)
    found = CapturedMessage.objects.filter(school=school, pk=pk).first()
    if found is None:
        raise Http404
    return found
