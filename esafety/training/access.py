"""Fetch-for-user helpers: the same 404 for "missing" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.training.models import Course, Survey


def course_for(user: Person, pk: int) -> Course:
    permissions.require(user, "manage_training", hide=True)
    try:
        return Course.objects.get(pk=pk, school_id=user.school_id or -1)
    except (Course.DoesNotExist, ValueError, TypeError):
        raise Http404("no such course") from None


def survey_for(user: Person, pk: int, capability: str = "take_training") -> Survey:
    permissions.require(user, capability, hide=True)
    try:
        return Survey.objects.get(pk=pk, school_id=user.school_id or -1)
    except (Survey.DoesNotExist, ValueError, TypeError):
        raise Http404("no such survey") from None
