"""Telling people about authorisations, after the change commits, through notices' `tell`.
The lines say where to look, never the reason (need-to-know); the subject is never told of
a request while it is open."""

from __future__ import annotations

from django.urls import reverse

from esafety.authorisations import selectors
from esafety.authorisations.models import Authorisation
from esafety.notices import kinds
from esafety.notices.notifications import tell

REQUESTED = kinds.ACCESS_REQUESTED
DECIDED = kinds.ACCESS_DECIDED
ENDED = kinds.ACCESS_ENDED


def _path(auth: Authorisation) -> str:
    return reverse("authorisations:detail", args=[auth.pk])


def request_waiting(auth: Authorisation) -> None:
    people = [p for p in selectors.deciders(auth.school)
              if p.pk not in (auth.requested_by_id, auth.subject_id, auth.reader_id)]
    tell(people, kind=REQUESTED, school=auth.school,
         title="A request for access waits for your decision",
         lines=[f"{auth.requested_by.display_name} asked: {auth.get_kind_display().lower()}."],
         path=_path(auth), about=("authorisation", auth.pk), key=f"access-requested-{auth.pk}")


def decided(auth: Authorisation) -> None:
    tell([auth.requested_by, auth.reader], kind=DECIDED, school=auth.school,
         title=f"Your request for access was {auth.get_status_display().lower()}",
         lines=[f"{auth.get_kind_display()}, for {auth.subject.display_name}."],
         path=_path(auth), about=("authorisation", auth.pk),
         key=f"access-decided-{auth.pk}")


def ended_one(auth: Authorisation) -> None:
    tell([auth.requested_by, auth.reader], kind=ENDED, school=auth.school,
         title="An access you were given has ended",
         lines=[f"{auth.get_kind_display()}, for {auth.subject.display_name}: "
                f"{auth.get_status_display().lower()}."],
         path=_path(auth), about=("authorisation", auth.pk), key=f"access-ended-{auth.pk}")


def each_ended(ended: list[Authorisation]) -> None:
    for auth in ended:
        ended_one(auth)
