"""Reading the incident log: queries and the plain-words summaries pages and actions share.

Nothing here writes. Who may see what is access.py's; these take what access allowed.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.incidents import access, rules
from esafety.incidents import evidence as files
from esafety.incidents.models import (
    STATUS_CHOICES,
    STATUS_NEW,
    AllegationViewer,
    Evidence,
    Incident,
    IncidentEvent,
    Investigator,
    Involvement,
    Rating,
    Sanction,
    TakedownRequest,
    as_utc,
)
from esafety.incidents.notifications import NOTIFICATION_FAILED, NOTIFICATION_SENT

if TYPE_CHECKING:
    from esafety.directory.models import School

log = logging.getLogger(__name__)

M = TypeVar("M", bound=models.Model)


def failed_alert(incident: Incident) -> IncidentEvent | None:
    """The failure, when the latest alert about this incident reached nobody who must know."""
    last = (IncidentEvent.objects.filter(incident=incident,
                                         kind__in=[NOTIFICATION_SENT, NOTIFICATION_FAILED])
            .order_by("-seq").first())
    return last if last is not None and last.kind == NOTIFICATION_FAILED else None


def notification_failed(incident: Incident) -> bool:
    return failed_alert(incident) is not None


def unalerted(incidents: QuerySet[Incident]) -> QuerySet[Incident]:
    """Of these incidents, the new ones whose latest alert email reached nobody."""
    latest = (IncidentEvent.objects.filter(incident=OuterRef("pk"),
                                           kind__in=[NOTIFICATION_SENT, NOTIFICATION_FAILED])
              .order_by("-seq").values("kind")[:1])
    return (incidents.filter(status=STATUS_NEW).annotate(alert=Subquery(latest))
            .filter(alert=NOTIFICATION_FAILED))


def judgement_seal(incident: Incident) -> str:
    """What a person saw of the judgement when they started writing theirs."""
    return as_utc(incident.judged_at) if incident.judged_at else "none"


def closing_problems(incident: Incident) -> list[str]:
    """Everything still standing between this incident and closing it, in plain words."""
    problems = []
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        problems.append(f"Name {rules.REQUIRED_INVESTIGATORS} senior investigators "
                        f"({count} named so far).")
    if not incident.outcome:
        problems.append("Record the judgement.")
    investigator_ids = set(incident.investigators.values_list("person_id", flat=True))
    for shot in incident.evidence.filter(kind=rules.EVIDENCE_SCREENSHOT, withdrawn_at__isnull=True):
        signed = set(shot.signoffs.values_list("person_id", flat=True)) & investigator_ids
        if len(signed) < rules.REQUIRED_INVESTIGATORS:
            problems.append(f"Screenshot {shot.original_name} needs both investigators' sign-off.")
    if (incident.police_matters and incident.outcome and incident.outcome != rules.POLICE
            and not incident.police_override_reason):
        problems.append("This content matches the police-reportable list: refer it to the "
                        "police or record why not.")
    return problems


def current_rating(incident: Incident, person: Person) -> Rating | None:
    """The person's latest rating in the case that has not been withdrawn."""
    return (incident.ratings.filter(person=person, withdrawn_at__isnull=True)
            .order_by("-rated_at", "-id").first())


def sanction_problems(incident: Incident, person: Person, kind: str,
                      rating: Rating | None) -> list[str]:
    """What stands between this sanction and the policy, in plain words (empty: none)."""
    problems = []
    if incident.outcome not in rules.SUBSTANTIATED_OUTCOMES:
        problems.append("No judgement that the concern has substance has been recorded "
                        "(004 App. II: a sanction follows only 'if the allegations are "
                        "proven').")
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        problems.append(f"Name {rules.REQUIRED_INVESTIGATORS} senior investigators (002); "
                        f"{count} named so far.")
    if rating is None:
        problems.append(f"Rate {person.display_name}'s misuse first (004 Appendix I).")
    elif not rules.sanction_in_range(kind, rating.rating, for_pupil=person.is_pupil):
        allowed = "; ".join(label for _, label in
                            rules.sanction_range(rating.rating, for_pupil=person.is_pupil))
        problems.append(f"{rules.SANCTION_LABELS.get(kind, kind)} is outside the range the "
                        f"policy gives for a {rating.rating_label.lower()} rating "
                        f"(004 Appendix I): {allowed}.")
    return problems


# --- the incident log and a person's chronology -------------------------------------------

def case_list(user: Person, *, status: str = "", kind: str = "") -> QuerySet[Incident]:
    """The cases this person may see in full, optionally of one status and kind."""
    cases = access.team_incidents(user).select_related("reported_by", "owner")
    if status in dict(STATUS_CHOICES):
        cases = cases.filter(status=status)
    if kind in rules.TYPE_LABELS:
        cases = cases.filter(kind=kind)
    return cases


def chronology(viewer: Person, person: Person) -> tuple[list[Incident], list[dict[str, Any]]]:
    """Everything recorded about `person` that `viewer` may see, newest first, and the
    incidents it came from."""
    visible = access.team_incidents(viewer)
    on_case = Q(involvements__person=person, involvements__removed_at__isnull=True)
    involved = list(visible.filter(on_case | Q(subject_staff=person)
                                   | Q(reported_by=person)).distinct())
    items: list[dict[str, Any]] = []
    for incident in involved:
        part = incident.part_of(person)
        roles_here = []
        if incident.reported_by_id == person.pk:
            roles_here.append("reported it")
        if incident.subject_staff_id == person.pk:
            roles_here.append("the allegation is about them")
        elif part and part != rules.PART_REPORTER:
            roles_here.append(rules.PART_LABELS[part].lower())
        items.append({"at": incident.reported_at, "incident": incident,
                      "what": f"{incident.kind_label}: {incident.summary} "
                              f"({'; '.join(roles_here) or 'involved'})"})
        if incident.judged_at:
            items.append({"at": incident.judged_at, "incident": incident,
                          "what": f"Judgement: {incident.outcome_label}"})
        if part not in rules.RATED_PARTS:
            continue  # a victim, witness or reporter is never shown as rated or sanctioned
        for rating in incident.ratings.filter(person=person, withdrawn_at__isnull=True):
            items.append({"at": rating.rated_at, "incident": incident,
                          "what": f"Misuse rated {rating.rating_label.lower()}"})
        for made in incident.sanctions.filter(person=person):
            items.append({"at": made.decided_at, "incident": incident,
                          "what": f"Sanction: {made.kind_label}. {made.reasons}"})
    items.sort(key=lambda item: item["at"], reverse=True)
    return involved, items


# --- one case's page ------------------------------------------------------------------------

def alleged_of(incident: Incident) -> QuerySet[Person]:
    """The people rate and sanction forms offer: the case's current alleged perpetrators."""
    ids = incident.involvements.current().filter(part__in=rules.RATED_PARTS).values("person_id")
    return Person.objects.filter(pk__in=ids, school=incident.school).order_by("last_name",
                                                                              "first_name")


def part_choices(incident: Incident) -> QuerySet[Person]:
    """Who may be added to a case: the school's people (not the ones already on it)."""
    on_case = incident.involvements.current().values("person_id")
    return Person.objects.filter(school=incident.school, is_active=True).exclude(
        pk__in=on_case).order_by("last_name", "first_name")


def parts_of(incident: Incident) -> list[tuple[str, str, list[Involvement]]]:
    """The people on the case grouped by part, in the order of rules.PARTS."""
    rows = list(incident.involvements.current().select_related("person", "added_by"))
    return [(code, label, [r for r in rows if r.part == code]) for code, label in rules.PARTS
            if any(r.part == code for r in rows)]


def investigator_choices(incident: Incident) -> QuerySet[Person]:
    """Senior staff who may be named investigators (not the subject, not those named)."""
    named = incident.investigators.values_list("person_id", flat=True)
    return Person.objects.filter(
        school=incident.school, role__in=permissions.roles_with("investigate"),
        is_active=True).exclude(pk__in=[incident.subject_staff_id or 0, *named])


def allegation_subject_choices(incident: Incident) -> QuerySet[Person]:
    """The members of staff a report can be passed on as an allegation about."""
    return Person.objects.filter(school=incident.school, role__in=roles.STAFF_ROLES,
                                 is_active=True).exclude(pk=incident.subject_staff_id or 0)


def ratings_for_page(incident: Incident) -> list[Rating]:
    """The case's ratings, each with the sanctions the policy allows and its factors."""
    ratings = list(incident.ratings.select_related("person", "rated_by", "withdrawn_by"))
    for rating in ratings:
        rating.range = rules.sanction_range(rating.rating, for_pupil=rating.person.is_pupil)
        rating.staff_rating = rules.RATING_BY_CODE[rating.rating]["staff_rating"]
        rating.factor_rows = [(label, rating.factors.get(code, "")) for code, label, _ in
                              rules.FACTORS if rating.factors.get(code)]
        rating.dimension_rows = [(label, rating.dimensions.get(code, "")) for code, label, _ in
                                 rules.DIMENSIONS if rating.dimensions.get(code)]
    return ratings


def evidence_rows(incident: Incident) -> list[dict[str, Any]]:
    rows = []
    removed = files.removed_image_ids(incident)
    for item in incident.evidence.select_related("added_by", "withdrawn_by").prefetch_related(
            "signoffs__person"):
        row: dict[str, Any] = {"item": item, "email": None, "removed": item.pk in removed}
        if item.kind == rules.EVIDENCE_EMAIL and item.file_path and not row["removed"]:
            row["email"] = _email_for_page(item)
        rows.append(row)
    return rows


def _email_for_page(item: Evidence) -> dict[str, Any] | None:
    """What an evidence email shows on the case page; no email can make the page fail."""
    try:
        return files.read_email(item.absolute_path().read_bytes())
    except OSError:
        return None
    except Exception:  # noqa: BLE001 - read_email promises not to raise; belt and braces
        log.exception("evidence %s: the email could not be shown", item.pk)
        return {"headers": [], "received": [], "body": "", "attachments": [],
                "notes": ["This email could not be shown here. Download the original file "
                          "to read it."]}


def case_row(model: type[M], incident: Incident, pk: int) -> M:
    """One row of this case's log (evidence, a rating, a sanction, a takedown): else a 404."""
    return get_object_or_404(model, pk=pk, incident=incident)


def school_people(school: School) -> QuerySet[Person]:
    """Everyone in the school: forms that name a person check it against these."""
    return Person.objects.filter(school=school)


def school_person(school: School, pk: int) -> Person:
    return get_object_or_404(Person, pk=pk, school=school)


def evidence_added_by(incident: Incident, person: Person) -> QuerySet[Evidence]:
    return incident.evidence.filter(added_by=person)


def history(incident: Incident) -> QuerySet[IncidentEvent]:
    """The case's history, newest first."""
    return incident.events.select_related("actor").order_by("-seq")


def investigators(incident: Incident) -> QuerySet[Investigator]:
    return incident.investigators.select_related("person")


def viewers(incident: Incident) -> QuerySet[AllegationViewer]:
    return incident.viewers.select_related("person")


def sanctions(incident: Incident) -> QuerySet[Sanction]:
    return incident.sanctions.select_related("person", "decided_by")


def takedowns(incident: Incident) -> QuerySet[TakedownRequest]:
    return incident.takedowns.all()
