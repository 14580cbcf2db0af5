"""Fetching an authorisation for someone: the same 404 for "missing" and "not yours"
(and for the subject while the request is open)."""

from __future__ import annotations

from django.http import Http404

from esafety.authorisations import selectors
from esafety.authorisations.models import Authorisation
from esafety.directory.models import Person


def authorisation_for(person: Person, pk: int) -> Authorisation:
    if person.school is None:
        raise Http404("not found")
    found = selectors.visible_to(person, person.school).filter(pk=pk).first()
    if found is None:
        raise Http404("not found")
    return found


def may_use_register(person: Person) -> bool:
    """The register page: those who may ask, and deciders (the nominee included)."""
    from esafety.directory import permissions

    if person.school is None:
        return False
    return (permissions.allowed(person, "request_access", person.school)
            or selectors.is_decider(person, person.school))
