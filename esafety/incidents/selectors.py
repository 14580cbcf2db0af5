"""Reading the incident log: queries and the plain-words summaries pages and actions share.

Nothing here writes. Who may see what is access.py's; these take what access allowed.
"""

from __future__ import annotations

from django.db.models import OuterRef, QuerySet, Subquery

from esafety.directory.models import Person
from esafety.incidents import rules
from esafety.incidents.models import STATUS_NEW, Incident, IncidentEvent, Rating, as_utc
from esafety.incidents.notifications import NOTIFICATION_FAILED, NOTIFICATION_SENT


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
