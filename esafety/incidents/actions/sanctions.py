"""Rating misuse and recording sanctions (004 Appendix I and II).

An internet suspension is handed to web filtering's own action, so it is enforced and
lifted there like any other suspension.
"""

from __future__ import annotations

import datetime

from django.db import transaction

from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering.actions import internet_suspend
from esafety.incidents import access, events, rules
from esafety.incidents.actions.guards import require_open, require_team, responded, save
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import Incident, Rating, Sanction
from esafety.incidents.selectors import current_rating, sanction_problems


def _require_alleged(incident: Incident, person: Person, doing: str) -> None:
    if person.school_id != incident.school_id:
        raise InvalidInput(f"{person.display_name} is not one of the people in this incident",
                           code="not-involved")
    part = incident.part_of(person)
    if part is None:
        raise InvalidInput(f"{person.display_name} is not one of the people in this incident",
                           code="not-involved")
    if part not in rules.RATED_PARTS:
        raise InvalidInput(f"{person.display_name} is recorded as "
                           f"{rules.PART_LABELS[part].lower()} in this case: only an alleged "
                           f"perpetrator's misuse is {doing}", code="not-alleged")


def misuse_rate(*, actor: Person, incident: Incident, person: Person, rating: str,
                dimensions: dict | None = None, factors: dict | None = None) -> Rating:
    """Rate an alleged perpetrator's misuse (004 App. I), with the App. II factors."""
    if rating not in rules.RATING_BY_CODE:
        raise InvalidInput("choose gross, serious or mild", code="unknown-rating")
    dims = {k: (dimensions or {}).get(k, "").strip() for k, _, _ in rules.DIMENSIONS}
    facts = {k: (factors or {}).get(k, "").strip() for k, _, _ in rules.FACTORS}
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        _require_alleged(incident, person, "rated")
        rated = Rating.objects.create(incident=incident, person=person, rating=rating,
                                      dimensions=dims, factors=facts, rated_by=actor,
                                      rated_at=now())
        save(incident, responded(incident, actor))
        append(incident, actor=actor, kind="rated",
                data={"rating_id": rated.pk, "person": person.pk, "rating": rating,
                      "dimensions": dims, "factors": facts})
        events.incident_misuse_rated(actor=actor, incident=incident, rating=rating)
    return rated


def rating_withdraw(*, actor: Person, rating: Rating, reason: str) -> Rating:
    """A mistaken rating is withdrawn with a reason: kept in the record, never deleted."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this rating is withdrawn", code="missing-reason")
    with transaction.atomic():
        incident = lock(rating.incident)
        require_team(actor, incident)
        row = Rating.objects.select_for_update().get(pk=rating.pk)
        if row.is_withdrawn:
            raise Conflict("this rating was already withdrawn", code="already-withdrawn")
        row.withdrawn_at = now()
        row.withdrawn_by = actor
        row.withdrawn_reason = reason
        row.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawn_reason"])
        append(incident, actor=actor, kind="rating_withdrawn",
                data={"rating_id": row.pk, "person": row.person_id, "rating": row.rating,
                      "reason": reason})
        events.incident_rating_withdrawn(actor=actor, incident=incident, rating=row.pk)
    return row


def _suspend_internet(*, actor: Person, pupil: Person, starts_at: datetime.datetime,
                      ends_at: datetime.datetime, reason: str,
                      incident_reference: str = "") -> str:
    """Through web filtering's suspension, so it is enforced; recorded only if refused."""
    try:
        # With the incident's reference, only the DSL or the head may lift it early.
        internet_suspend(actor=actor, pupil=pupil, starts_at=starts_at, ends_at=ends_at,
                         reason=reason, incident_reference=incident_reference)
    except NotAllowed as exc:
        # The decision stands even if this person may not change filtering themselves.
        return f"Recorded only: web filtering refused it ({exc}); ask the IT manager to apply it"
    return "Applied through web filtering"


def sanction_record(*, actor: Person, incident: Incident, person: Person, kind: str, reasons: str,
                    starts_at: datetime.datetime | None = None,
                    ends_at: datetime.datetime | None = None,
                    override_reason: str = "") -> Sanction:
    """The decision-maker records a sanction for an alleged perpetrator, with reasons.

    Only on an open case judged to have substance, with two investigators, and within the
    range 004 Appendix I gives for the person's current rating. The headteacher may record
    one the rules refuse by giving `override_reason`, kept in the history.
    """
    reasons = (reasons or "").strip()
    override_reason = (override_reason or "").strip()
    if not reasons:
        raise InvalidInput("give the reasons for the sanction", code="missing-reasons")
    allowed = dict(rules.PUPIL_SANCTIONS if person.is_pupil else rules.STAFF_SANCTIONS)
    if kind not in allowed:
        raise InvalidInput(f"{rules.SANCTION_LABELS.get(kind, kind)} is not a sanction the policy "
                           f"gives for {'a pupil' if person.is_pupil else 'staff'}",
                           code="unknown-sanction")
    if kind == rules.INTERNET_SUSPENSION:
        if not starts_at or not ends_at:
            raise InvalidInput("give when the suspension starts and ends", code="missing-dates")
        if ends_at <= starts_at:
            raise InvalidInput("the suspension must end after it starts", code="bad-dates")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        _require_alleged(incident, person, "sanctioned")
        rating = current_rating(incident, person)
        problems = sanction_problems(incident, person, kind, rating)
        if problems and not override_reason:
            raise Conflict("This sanction cannot be recorded: " + " ".join(problems)
                           + " Only the headteacher can record it anyway, giving reasons.",
                           code="sanction-refused")
        if problems and not access.can_override_sanction(actor, incident):
            raise NotAllowed("Only the headteacher can record a sanction the policy's rules "
                             "refuse: " + " ".join(problems), code="not-headteacher")
        enforcement = ""
        # Both dates are given for a suspension (checked above).
        if kind == rules.INTERNET_SUSPENSION and starts_at and ends_at:
            enforcement = _suspend_internet(actor=actor, pupil=person, starts_at=starts_at,
                                            ends_at=ends_at,
                                            reason=f"{incident.reference}: {reasons}"[:500],
                                            incident_reference=incident.reference)
        sanction = Sanction.objects.create(
            incident=incident, person=person, kind=kind, reasons=reasons, starts_at=starts_at,
            ends_at=ends_at, enforcement=enforcement, rating=rating,
            override_reason=override_reason if problems else "", decided_by=actor,
            decided_at=now())
        save(incident, responded(incident, actor))
        data = {"sanction": sanction.pk, "person": person.pk, "sanction_kind": kind,
                "reasons": reasons, "enforcement": enforcement,
                "rating_id": rating.pk if rating else None,
                "starts_at": starts_at.isoformat() if starts_at else None,
                "ends_at": ends_at.isoformat() if ends_at else None}
        if problems:
            data["override"] = {"reason": override_reason, "problems": problems}
        append(incident, actor=actor, kind="sanction_recorded", data=data)
        events.incident_sanction_recorded(actor=actor, incident=incident, sanction=kind,
                                          override=bool(problems))
        if person.is_pupil:
            # 002: parents/carers "will be contacted to explain the reason" (after commit).
            from esafety.incidents import notifications

            transaction.on_commit(lambda: notifications.parents_of_sanction(sanction.pk))
    return sanction
