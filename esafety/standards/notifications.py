"""Telling people about the standards records, after the change commits, through notices'
`tell`: a check of the filter that found answers differing from the rules (to those who
look after filtering and the senior leader responsible), and an action from the review (to
its owner). The lines say where to look."""

from __future__ import annotations

from django.urls import reverse

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.notices import kinds
from esafety.notices.notifications import tell
from esafety.standards.models import SLT, Check, ResponsibleRole, ReviewAction

CHECK_FAILED = kinds.FILTERING_CHECK_FAILED
ACTION_OWNED = kinds.REVIEW_ACTION_OWNED


def check_failed_people(check: Check) -> list[Person]:
    people = list(Person.objects.current().filter(
        school=check.school, role__in=permissions.roles_with("manage_filtering")))
    slt = (ResponsibleRole.objects.filter(school=check.school, role=SLT)
           .select_related("person").order_by("-recorded_at", "-pk").first())
    if slt is not None and slt.person is not None and slt.person.can_use_systems():
        people.append(slt.person)
    return people


def check_failed(check: Check) -> None:
    tell(check_failed_people(check), kind=CHECK_FAILED, school=check.school,
         title="The filter's daily check found answers that differ from the rules",
         lines=["Open the check to see which categories and groups."],
         path=reverse("standards:check", args=[check.pk]), about=("check", check.pk),
         key=f"filtering-check-failed-{check.pk}")


def action_owned(action: ReviewAction) -> None:
    tell([action.owner], kind=ACTION_OWNED, school=action.review.school,
         title="An action from the filtering and monitoring review is yours",
         lines=[f"{action.what} (due {action.due_on:%d %b %Y})."],
         path=reverse("standards:reviews"), about=("reviewaction", action.pk),
         key=f"review-action-{action.pk}")
