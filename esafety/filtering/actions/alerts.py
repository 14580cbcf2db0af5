"""Alerts for repeated blocked attempts (003 §4.4): raised as the helper's log is loaded,
acknowledged by those who read the logs."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.errors import Conflict
from esafety.filtering import events, notifications
from esafety.filtering.access import require
from esafety.filtering.models import BlockedAttempt, FilteringAlert, FilteringSettings
from esafety.filtering.rules import category_label

if TYPE_CHECKING:
    from esafety.filtering.actions.attempts import LoggedRow

# The rules under which a block counts towards an alert: the policy blocked it, not a
# suspension or an unknown user.
ALERTING_RULES = ("group-policy", "statutory", "school-block", "approved-only")


def repeated_attempts_alerts(school: School, config: FilteringSettings,
                  rows: Sequence[LoggedRow]) -> list[FilteringAlert]:
    window = datetime.timedelta(minutes=config.alert_window_minutes)
    latest: dict[tuple[int, str], datetime.datetime] = {}
    for r in rows:
        if (r.person_id and r.action == "block" and r.category
                and r.rule in ALERTING_RULES):
            key = (r.person_id, r.category)
            if key not in latest or r.at > latest[key]:
                latest[key] = r.at
    if not latest:
        return []
    # One query first: attempts over the whole span, per person and category (at least the
    # exact count below), so only the few that may reach the threshold are counted exactly.
    rough = {(p, c): n for p, c, n in BlockedAttempt.objects.filter(
        school=school, action="block", person_id__in={p for p, _ in latest},
        category__in={c for _, c in latest}, at__gt=min(latest.values()) - window,
        at__lte=max(latest.values())).values_list("person_id", "category")
        .annotate(n=Count("id")).order_by()}
    alerts = []
    for (person_id, category), last in sorted(latest.items()):
        if rough.get((person_id, category), 0) < config.alert_threshold:
            continue
        attempts = BlockedAttempt.objects.filter(
            school=school, person_id=person_id, category=category, action="block",
            at__gt=last - window, at__lte=last)
        count = attempts.count()
        if count < config.alert_threshold:
            continue
        if FilteringAlert.objects.filter(school=school, person_id=person_id, category=category,
                                         last_at__gt=last - window).exists():
            continue
        first = attempts.order_by("at").values_list("at", flat=True).first()
        if first is None:  # (cannot happen: count is at least the threshold)
            continue
        alert = FilteringAlert.objects.create(school=school, person_id=person_id,
                                              category=category, attempts=count,
                                              first_at=first, last_at=last)
        events.alert_raised(school=school, alert=alert, label=category_label(category))
        alerts.append(alert)
    if alerts:
        transaction.on_commit(lambda: notifications.repeated_attempts(school, alerts))
    return alerts


def alert_acknowledge(*, actor: Person, alert: FilteringAlert) -> FilteringAlert:
    require(actor, "view_filtering_logs", "acknowledge filtering alerts", alert.school)
    with transaction.atomic():
        alert = FilteringAlert.objects.select_for_update().get(pk=alert.pk)
        if alert.acknowledged_at is not None:
            raise Conflict("this alert has already been acknowledged")
        alert.acknowledged_by = actor
        alert.acknowledged_at = timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        events.alert_acknowledged(actor=actor, alert=alert)
    return alert
