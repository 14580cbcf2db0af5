"""Requests to take content down, and what came of them."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person
from esafety.errors import InvalidInput
from esafety.incidents import events, rules
from esafety.incidents.actions.guards import require_team, responded, save
from esafety.incidents.history import append, lock
from esafety.incidents.models import Incident, TakedownRequest


def takedown_request(*, actor: Person, incident: Incident, target: str, target_name: str,
                     sent_on: datetime.date, url: str = "", notes: str = "") -> TakedownRequest:
    if target not in dict(rules.TAKEDOWN_TARGETS):
        raise InvalidInput("choose who the request went to", code="unknown-target")
    if not (target_name or "").strip():
        raise InvalidInput("name the site, provider or person", code="missing-target")
    if sent_on > timezone.localdate():
        raise InvalidInput("the date sent is in the future", code="future-date")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        request = TakedownRequest.objects.create(
            incident=incident, target=target, target_name=target_name.strip(), url=url.strip(),
            sent_on=sent_on, notes=notes.strip(), recorded_by=actor)
        save(incident, responded(incident, actor))
        append(incident, actor=actor, kind="takedown_requested",
                data={"takedown": request.pk, "target": target, "target_name": request.target_name,
                      "url": request.url, "sent_on": sent_on.isoformat()})
        events.incident_takedown_requested(actor=actor, incident=incident)
    return request


def takedown_update(*, actor: Person, request: TakedownRequest, outcome: str,
                    outcome_on: datetime.date, notes: str = "") -> TakedownRequest:
    if outcome not in dict(rules.TAKEDOWN_OUTCOMES):
        raise InvalidInput("choose an outcome", code="unknown-outcome")
    if outcome_on > timezone.localdate():
        raise InvalidInput("the date of the outcome is in the future", code="future-date")
    if outcome_on < request.sent_on:
        raise InvalidInput("the outcome cannot come before the request was sent", code="bad-dates")
    with transaction.atomic():
        incident = lock(request.incident)
        require_team(actor, incident)
        request = TakedownRequest.objects.select_for_update().get(pk=request.pk)
        request.outcome = outcome
        request.outcome_on = outcome_on
        if notes.strip():
            request.notes = (request.notes + "\n" + notes.strip()).strip()
        request.save(update_fields=["outcome", "outcome_on", "notes"])
        append(incident, actor=actor, kind="takedown_updated",
                data={"takedown": request.pk, "outcome": outcome,
                      "outcome_on": outcome_on.isoformat(), "notes": notes.strip()})
        events.incident_takedown_updated(actor=actor, incident=incident, outcome=outcome)
    return request
