"""Blocked attempts the Squid helper logged, and alerts for repeated ones (003 §4.4).

The helper never touches the database: it appends its decisions to spool files, and
`ingest_spool` loads them, run by `esafety filter ingest` (cron, or --every) or by the
"Load the latest" button on the attempts and alerts pages. Pages only read what was loaded.
"""

from __future__ import annotations

import datetime
import json
import os

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.engine.urls.normalise import parse_target
from esafety.errors import Conflict
from esafety.filtering import events, notifications, publish
from esafety.filtering.access import require
from esafety.filtering.actions.settings import settings_for
from esafety.filtering.models import BlockedAttempt, FilteringAlert, FilteringSettings
from esafety.filtering.rules import category_label

# The rules under which a block counts towards an alert: the policy blocked it, not a
# suspension or an unknown user.
ALERTING_RULES = ("group-policy", "statutory", "school-block", "approved-only")


def decisions_ingest(*, school: School,
                     records: list[dict]) -> tuple[int, list[FilteringAlert]]:
    """Store a batch of helper decisions and raise alerts for repeated attempts.

    One bulk insert per batch, never one write per request.
    """
    # (Imported here: the concerns app reaches the incident log, which reaches filtering.)
    from esafety.concerns import sources as concern_sources

    if not records:
        return 0, []
    config = settings_for(school)
    names = {r.get("user", "") for r in records if r.get("user")}
    people = {p.username.lower(): p for p in Person.objects.filter(school=school,
                                                                   username__in=names)}
    rows = []
    for r in records:
        try:
            at = datetime.datetime.fromtimestamp(float(r["t"]), tz=datetime.UTC)
        except (KeyError, TypeError, ValueError):
            continue
        url = str(r.get("url", ""))[:2000]
        target = parse_target(url)
        person = people.get(str(r.get("user", "")).lower())
        rows.append(BlockedAttempt(
            school=school, person=person, username=str(r.get("user", ""))[:150], at=at,
            url=url, host=target.host[:253] if target else "",
            category=str(r.get("category") or "")[:64], group=str(r.get("group") or "")[:16],
            rule=str(r.get("rule") or "")[:32], action=str(r.get("action") or "block")[:8],
            client=str(r.get("client") or "")[:64],
            policy_version=str(r.get("policy") or "")[:32]))
    with transaction.atomic():
        BlockedAttempt.objects.bulk_create(rows, batch_size=1000)
        alerts = _raise_alerts(school, config, rows)
        # The safeguarding lead's inbox: requests in a safeguarding category, worrying
        # search terms, and each alert, in the same transaction as the rows they came from.
        concern_sources.from_filtering_requests(school, rows)
        concern_sources.from_filtering_alerts(school, alerts)
    return len(rows), alerts


def _raise_alerts(school: School, config: FilteringSettings,
                  rows: list[BlockedAttempt]) -> list[FilteringAlert]:
    window = datetime.timedelta(minutes=config.alert_window_minutes)
    touched = {(r.person_id, r.category) for r in rows
               if r.person_id and r.action == "block" and r.category
               and r.rule in ALERTING_RULES}
    alerts = []
    for person_id, category in touched:
        latest = max(r.at for r in rows if r.person_id == person_id and r.category == category)
        attempts = BlockedAttempt.objects.filter(
            school=school, person_id=person_id, category=category, action="block",
            at__gt=latest - window, at__lte=latest)
        count = attempts.count()
        if count < config.alert_threshold:
            continue
        if FilteringAlert.objects.filter(school=school, person_id=person_id, category=category,
                                         last_at__gt=latest - window).exists():
            continue
        first = attempts.order_by("at").values_list("at", flat=True).first()
        if first is None:  # (cannot happen: count is at least the threshold)
            continue
        alert = FilteringAlert.objects.create(school=school, person_id=person_id,
                                              category=category, attempts=count,
                                              first_at=first, last_at=latest)
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


def ingest_spool(*, school: School) -> tuple[int, int, list[FilteringAlert]]:
    """Load the helper's completed spool files for a school; returns (files, rows, alerts)."""
    folder = publish.snapshot_dir(school) / "decisions"
    files = rows = 0
    alerts: list[FilteringAlert] = []
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        # Claim the file first: the ingest command and someone pressing "Load the latest"
        # may run at once, and each file must be loaded exactly once.
        claimed = path.with_name(path.name + f".{os.getpid()}.ingesting")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue
        records = []
        for line in claimed.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(json.loads(line))
            except ValueError:
                continue
        try:
            count, raised = decisions_ingest(school=school, records=records)
        except BaseException:
            os.rename(claimed, path)  # leave it for the next run
            raise
        claimed.unlink()
        files += 1
        rows += count
        alerts += raised
    return files, rows, alerts


def attempts_load(*, actor: Person, school: School) -> tuple[int, int, list[FilteringAlert]]:
    """Someone who may see the logs asks for what the helper logged up to this moment."""
    require(actor, "view_filtering_logs", "load the filter's logs", school)
    return ingest_spool(school=school)
