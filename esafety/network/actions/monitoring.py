"""Keeping the network's view fresh: the helpers' activity, and the stale-snapshot alert.

Run by `esafety filter ingest` (every minute from cron), never on a page view.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import School
from esafety.filtering import publish
from esafety.network import events, notifications, publishing, selectors
from esafety.network.actions.bindings import access_ended, seen, timed_out
from esafety.network.models import NetworkSettings

log = logging.getLogger(__name__)

# What the snapshot's freshness is judged on: the parts that change with people and rules.
COMPARED_KEYS = ("users", "refused", "aup_pending", "unidentified", "web_hosts",
                 "suspensions", "unblocks", "groups", "school_block", "school_allow",
                 "approved_sites", "working_time", "statutory")


@dataclass
class IngestResult:
    activity_files: int = 0
    seen: int = 0
    ended: int = 0
    republished: bool = False
    alert: str = ""


def read_activity(folder: Path) -> tuple[int, dict[str, float]]:
    """The whois helpers' activity files: the latest time each address was seen."""
    latest: dict[str, float] = {}
    files = 0
    for path in sorted((folder / "activity").glob("whois-*.json")):
        data = selectors.read_json(path)
        if data is None or not isinstance(data.get("seen"), dict):
            continue
        files += 1
        for address, moment in data["seen"].items():
            clean = selectors.valid_address(str(address))
            if clean is None or not isinstance(moment, (int, float)):
                continue
            latest[clean] = max(latest.get(clean, 0.0), float(moment))
    return files, latest


# The helpers' files of processes long gone (Squid restarts its helpers): tidied away.
OLD_HELPER_FILE_SECONDS = 24 * 3600


def tidy_helper_files(folder: Path, now: float) -> int:
    """Delete heartbeat and activity files not rewritten for a day. Returns how many."""
    removed = 0
    for path in [*(folder / "heartbeats").glob("*.json"),
                 *(folder / "activity").glob("whois-*.json")]:
        try:
            if now - path.stat().st_mtime > OLD_HELPER_FILE_SECONDS:
                path.unlink()
                removed += 1
        except OSError:
            continue  # gone already, or not ours to delete
    return removed


def _published_differs(school: School, folder: Path) -> bool:
    published = selectors.read_json(folder / "policy.json")
    if published is None:
        return True
    wanted = publish.build_policy(school)
    return any(published.get(key) != wanted.get(key) for key in COMPARED_KEYS)


def ingest_network(*, school: School, now: datetime.datetime | None = None) -> IngestResult:
    """Update bindings from the helpers' activity, end idle and ended ones, republish what
    is out of date, and alert when the snapshot stays out of date beyond the school's limit."""
    now = now or timezone.now()
    folder = publish.snapshot_dir(school)
    result = IngestResult()
    tidy_helper_files(folder, now.timestamp())
    result.activity_files, last_seen = read_activity(folder)
    result.seen = seen(school=school, last_seen=last_seen, now=now)
    result.ended = timed_out(school=school, now=now)
    with transaction.atomic():
        result.ended += access_ended(school=school, now=now)
    if not (folder / publishing.BINDINGS_FILE).exists():
        publishing.bindings_after_commit(school)
    # A guest's access ran out, a leaving date arrived, a new school year began: the
    # published people are out of date although nothing was saved. Publish again.
    error = ""
    out_of_date = True
    try:
        if _published_differs(school, folder):
            publish.publish_policy(school)
            result.republished = True
        out_of_date = False
    except Exception as exc:  # noqa: BLE001 - the failure is what the alert is about
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
        log.warning("publishing %s's policy failed: %s", school.slug, error)
    result.alert = check_snapshot_age(school=school, folder=folder, now=now,
                                      out_of_date=out_of_date, error=error)
    return result


def check_snapshot_age(*, school: School, folder: Path, now: datetime.datetime,
                       out_of_date: bool, error: str = "") -> str:
    """Raise the alert (once per episode) when the published policy has been out of date
    for longer than the school's limit, counted from when an ingest first found it so (a
    policy published hours ago is not stale until something changes). Returns the alert's
    text, or "" when all is well."""
    config, _ = NetworkSettings.objects.get_or_create(school=school)
    if not out_of_date:
        if config.stale_since is not None:
            NetworkSettings.objects.filter(pk=config.pk).update(stale_since=None,
                                                                stale_alert_sent_at=None)
        return ""
    since = config.stale_since
    if since is None:
        since = now
        NetworkSettings.objects.filter(pk=config.pk).update(stale_since=since)
    limit = datetime.timedelta(minutes=config.snapshot_age_limit_minutes)
    if now - since <= limit:
        return ""
    age = selectors.network_status(school, folder, now).policy_age_seconds
    minutes = ("never published" if age is None
               else f"published {age // 60} minutes ago")
    text = (f"The filter's copy of the policy for {school.name} has been out of date since "
            f"{timezone.localtime(since):%H:%M on %d %b} ({minutes}; the limit is "
            f"{config.snapshot_age_limit_minutes} minutes).")
    if error:
        text += f" Publishing failed: {error}"
    if config.stale_alert_sent_at is None:
        with transaction.atomic():
            NetworkSettings.objects.filter(pk=config.pk).update(stale_alert_sent_at=now)
            events.snapshot_stale(school=school, details={
                "since": since.isoformat(), "age_seconds": age,
                "limit_minutes": config.snapshot_age_limit_minutes, "error": error})
            transaction.on_commit(lambda: notifications.snapshot_stale(school, text))
    return text
