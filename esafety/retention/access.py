"""Fetch-for-user helpers: the same 404 for "missing" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.retention.models import PurgeRun


def require_school(user, capability: str) -> School:
    """The signed-in person's school, if they may do `capability` there (else a 404)."""
    permissions.require(user, capability, hide=True)
    school = getattr(user, "school", None)
    if school is None:
        raise Http404("not available")
    return school


def get_run(user, pk: int) -> PurgeRun:
    school = require_school(user, "manage_retention")
    run = PurgeRun.objects.filter(pk=pk, school=school).first()
    if run is None:
        raise Http404("not available")
    return run


def get_subject(user, pk: int) -> Person:
    school = require_school(user, "export_subject_access")
    person = Person.objects.filter(pk=pk, school=school).first()
    if person is None:
        raise Http404("not available")
    return person
