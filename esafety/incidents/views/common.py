"""What every incident page shares: running an action from a form, and the way back."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from esafety.errors import EsafetyError
from esafety.incidents import rules
from esafety.incidents.models import Incident

log = logging.getLogger("esafety.incidents.views")

T = TypeVar("T")


def upload(field: Any) -> tuple[str, bytes] | None:
    if not field:
        return None
    # Never read more than the limit (plus one byte, so the action can say it is too large).
    return field.name, field.read(rules.MAX_EVIDENCE_BYTES + 1)


def datetime_from_date(value: datetime.date | None) -> datetime.datetime | None:
    if value is None:
        return None
    return datetime.datetime.combine(value, datetime.time(12, 0),
                                     tzinfo=timezone.get_current_timezone())


def attempt(form: Any, call: Callable[[], T]) -> T | None:
    """Run an action; its error becomes a message on the form (nothing is saved)."""
    try:
        return call()
    except EsafetyError as exc:
        log.info("incident action refused: %s (%s)", exc, exc.code)
        form.add_error(None, str(exc))
        return None


def succeeded(form: Any, call: Callable[[], object]) -> bool:
    """`attempt` where only success matters: whether the action ran and gave its result."""
    return bool(attempt(form, call))


def incident_url(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


def done(request: HttpRequest, incident: Incident, message: str,
         anchor: str = "") -> HttpResponse:
    messages.success(request, message)
    return redirect(f"{incident_url(incident)}{anchor}")
