"""Fetch-for-user helpers: the same 404 for "missing" and "not yours"."""

from __future__ import annotations

from django.http import Http404

from esafety.consent.models import PublishedItem, SchoolChannel
from esafety.directory import permissions, roles
from esafety.directory.models import Person


def _school_id(user: Person) -> int:
    if not user.school_id:
        raise Http404("not available")
    return user.school_id


def pupil_for(user: Person, pk: int) -> Person:
    """A pupil of the user's school whose consents they may see: staff who may look them up,
    or their own parent or carer."""
    try:
        pupil = Person.objects.select_related("school").get(
            pk=pk, school_id=_school_id(user), role=roles.PUPIL)
    except (Person.DoesNotExist, ValueError, TypeError):
        raise Http404("no such pupil") from None
    if permissions.allowed(user, "view_consents", pupil.school_id):
        return pupil
    if permissions.allowed(user, "give_own_child_consent", pupil.school_id) \
            and user.children.filter(pk=pupil.pk).exists():
        return pupil
    raise Http404("no such pupil")


def item_for(user: Person, pk: int) -> PublishedItem:
    permissions.require(user, "view_consents", hide=True)
    try:
        return PublishedItem.objects.get(pk=pk, school_id=_school_id(user))
    except (PublishedItem.DoesNotExist, ValueError, TypeError):
        raise Http404("no such item") from None


def channel_for(user: Person, pk: int) -> SchoolChannel:
    permissions.require(user, "view_consents", hide=True)
    try:
        return SchoolChannel.objects.select_related("run_by", "approved_by").get(
            pk=pk, school_id=_school_id(user))
    except (SchoolChannel.DoesNotExist, ValueError, TypeError):
        raise Http404("no such account") from None
