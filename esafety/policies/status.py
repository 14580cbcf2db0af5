"""Who must accept which Acceptable Use Policy, and where each person stands.

Read-only queries; the changes are in actions.py.
"""

import datetime
from dataclasses import dataclass

from django.db.models import QuerySet

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.policies.models import Acceptance, PolicyDocument, PolicyVersion

PENDING = "pending"

_PUPIL_YEARS = {
    roles.AUDIENCE_KS1: (0, 2), roles.AUDIENCE_KS2: (3, 6), roles.AUDIENCE_KS3: (7, 9),
    roles.AUDIENCE_KS4: (10, 11), roles.AUDIENCE_KS5: (12, 13),
}


def people_in_audience(school: School, audience: str) -> QuerySet[Person]:
    """The people who can use the school's systems now and must accept this audience's AUP."""
    people = Person.objects.filter(school=school).current()
    if audience == roles.AUDIENCE_STAFF:
        return people.filter(role__in=roles.STAFF_AND_GOVERNOR_ROLES)
    if audience == roles.AUDIENCE_VISITORS:
        return people.filter(role__in=roles.GUEST_ROLES)
    if audience == roles.AUDIENCE_PARENTS:
        return people.filter(role=roles.PARENT)
    if audience in _PUPIL_YEARS:
        low, high = _PUPIL_YEARS[audience]
        return people.filter(role=roles.PUPIL, year_group__gte=low, year_group__lte=high)
    return people.none()


def current_aup(school: School, audience: str | None) -> PolicyVersion | None:
    if not audience:
        return None
    return (PolicyVersion.objects.filter(document__school=school, document__audience=audience,
                                         published_at__isnull=False)
            .select_related("document").order_by("-published_at", "-id").first())


def counts_for_year(person: Person) -> bool:
    """Pupils accept again each school year (004 §3.1); everyone else once per version."""
    return person.role == roles.PUPIL


def acceptance_year(person: Person, on: datetime.date | None = None) -> datetime.date | None:
    if counts_for_year(person) and person.school is not None:
        return person.school.school_year_start(on)
    return None


def latest_answer(person: Person, version: PolicyVersion) -> Acceptance | None:
    """The person's latest answer to this version (this school year's, for pupils)."""
    answers = Acceptance.objects.filter(person=person, version=version)
    year = acceptance_year(person)
    if year is not None:
        answers = answers.filter(school_year_start=year)
    return answers.order_by("-decided_at", "-id").first()


@dataclass
class Standing:
    """Where one person stands with the AUP they must accept."""

    version: PolicyVersion | None
    answer: Acceptance | None

    @property
    def status(self) -> str:
        if self.version is None:
            return "none"
        return self.answer.decision if self.answer else PENDING

    @property
    def may_use_systems(self) -> bool:
        return self.version is None or self.status == Acceptance.ACCEPTED


def standing(person: Person) -> Standing:
    if person.school is None:
        return Standing(None, None)
    version = current_aup(person.school, person.audience)
    if version is None:
        return Standing(None, None)
    return Standing(version, latest_answer(person, version))


@dataclass
class ComplianceRow:
    person: Person
    status: str
    answer: Acceptance | None


def compliance(version: PolicyVersion, people: QuerySet[Person] | None = None) -> list[ComplianceRow]:
    """Every person in the version's audience with their latest answer to it."""
    document = version.document
    if people is None:
        people = people_in_audience(document.school, document.audience)
    answers = Acceptance.objects.filter(version=version).select_related("cosigned_by", "recorded_by")
    if document.audience in roles.PUPIL_AUDIENCES:
        answers = answers.filter(school_year_start=document.school.school_year_start())
    latest: dict[int, Acceptance] = {}
    for found in answers.order_by("decided_at", "id"):
        latest[found.person_id] = found
    rows = []
    for person in people.order_by("last_name", "first_name"):
        answer = latest.get(person.pk)
        rows.append(ComplianceRow(person, answer.decision if answer else PENDING, answer))
    return rows


def summary(school: School | None) -> list[dict]:
    """One line per AUP: audience, current version and how many accepted, declined, pending.
    No school (the service operator): none."""
    lines = []
    for document in PolicyDocument.objects.filter(school=school).exclude(audience=""):
        version = document.current_version()
        if version is None:
            continue
        rows = compliance(version)
        counts = {Acceptance.ACCEPTED: 0, Acceptance.DECLINED: 0, PENDING: 0}
        for row in rows:
            counts[row.status] += 1
        total = len(rows)
        lines.append({"document": document, "version": version, "total": total, **counts,
                      "percent": round(100 * counts[Acceptance.ACCEPTED] / total) if total else 100})
    order = [a for a, _ in roles.AUDIENCE_CHOICES]
    lines.sort(key=lambda line: order.index(line["document"].audience))
    return lines


def reviews_due(school: School | None, person: Person | None = None) -> list[PolicyVersion]:
    """Current versions whose review is due within 30 days or overdue (optionally, one person's).
    No school (the service operator): none."""
    due = []
    documents = PolicyDocument.objects.filter(school=school)
    if person is not None:
        documents = documents.filter(responsible_person=person)
    for document in documents:
        version = document.current_version()
        if version and version.review_state() != "ok":
            due.append(version)
    return sorted(due, key=lambda v: v.review_due)
