"""Searching the cases a person may open, and the incident log as a spreadsheet's rows.

Nothing here writes. Every search starts from access.team_incidents, so a case the user
cannot open is never found, shown or counted.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from esafety.directory.models import Person
from esafety.incidents import access, rules
from esafety.incidents.models import (
    STATUS_CHOICES,
    STATUS_CLOSED,
    Incident,
    IncidentEvent,
    Investigator,
    Involvement,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

# A search names a handful of words, not a page of text: more are ignored, so one request
# can never become an unbounded query.
MAX_WORDS = 8


@dataclass(frozen=True)
class Criteria:
    person: str = ""
    kind: str = ""
    status: str = ""
    since: datetime.date | None = None
    until: datetime.date | None = None
    words: str = ""
    overdue: bool = False

    def as_filters(self) -> dict[str, str]:
        """The criteria as plain text (what an export records it was asked for)."""
        return {"person": self.person, "kind": self.kind, "status": self.status,
                "since": self.since.isoformat() if self.since else "",
                "until": self.until.isoformat() if self.until else "",
                "words": self.words, "overdue": "yes" if self.overdue else ""}


def _terms(text: str) -> list[str]:
    return text.split()[:MAX_WORDS]


def _people_named(user: Person, text: str) -> QuerySet[Person]:
    """People in the user's school whose name (or username) has every word of `text`."""
    people = Person.objects.filter(school_id=user.school_id)
    for term in _terms(text):
        people = people.filter(Q(first_name__icontains=term) | Q(last_name__icontains=term)
                               | Q(username__icontains=term))
    return people


def search(user: Person, criteria: Criteria) -> QuerySet[Incident]:
    """The cases `user` may open that match every criterion given, newest first."""
    cases = access.team_incidents(user)
    if criteria.status in dict(STATUS_CHOICES):
        cases = cases.filter(status=criteria.status)
    if criteria.kind in rules.TYPE_LABELS:
        cases = cases.filter(kind=criteria.kind)
    if criteria.since:
        cases = cases.filter(reported_at__date__gte=criteria.since)
    if criteria.until:
        cases = cases.filter(reported_at__date__lte=criteria.until)
    if _terms(criteria.person):
        # Any part in the case: reported it, has a part now, or an allegation is about them.
        named = _people_named(user, criteria.person).values("pk")
        on_case = Involvement.objects.current().filter(person__in=named).values("incident_id")
        cases = cases.filter(Q(pk__in=on_case) | Q(reported_by__in=named)
                             | Q(subject_staff__in=named))
    for term in _terms(criteria.words):
        in_notes = (IncidentEvent.objects.filter(kind="note", data__text__icontains=term)
                    .values("incident_id"))
        cases = cases.filter(Q(summary__icontains=term) | Q(description__icontains=term)
                             | Q(pk__in=in_notes))
    if criteria.overdue:
        cases = overdue(cases)
    return cases.select_related("reported_by", "owner")


def overdue(cases: QuerySet[Incident]) -> QuerySet[Incident]:
    """Of these cases, the open ones whose next action's date has passed."""
    return cases.exclude(status=STATUS_CLOSED).filter(
        next_action_due__lt=timezone.localdate())


LOG_COLUMNS = [
    "Reference", "Reported", "When it happened", "Type", "Status", "Summary", "Where",
    "Reported by", "Allegation about", "People and their parts", "Investigators", "Owner",
    "Next action", "Next action due", "Overdue", "Judgement", "Police referral", "Closed",
]


def _when(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def log_rows(cases: QuerySet[Incident]) -> Iterator[list[str]]:
    """One row per case for the incident log's spreadsheet, in LOG_COLUMNS' order.

    Six queries whatever the number of cases (the people on each case are prefetched).
    """
    status_labels = dict(STATUS_CHOICES)
    listed = cases.select_related("reported_by", "subject_staff", "owner").prefetch_related(
        # The prefetched rows are the current ones only: `.all()` below reads these.
        Prefetch("involvements", queryset=Involvement.objects.current().select_related("person")),
        Prefetch("investigators", queryset=Investigator.objects.select_related("person")))
    for case in listed:
        parts = "; ".join(f"{row.person.display_name}: {row.part_label}"
                          for row in case.involvements.all())
        named = "; ".join(row.person.display_name for row in case.investigators.all())
        yield [
            case.reference, _when(case.reported_at), _when(case.occurred_at), case.kind_label,
            status_labels.get(case.status, case.status), case.summary, case.location,
            case.reported_by.display_name,
            case.subject_staff.display_name if case.subject_staff else "",
            parts, named, case.owner.display_name if case.owner else "", case.next_action,
            case.next_action_due.isoformat() if case.next_action_due else "",
            "yes" if case.is_overdue else "", case.outcome_label,
            "yes" if case.police_referral else "", _when(case.closed_at),
        ]
