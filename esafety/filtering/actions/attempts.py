"""Blocked attempts the Squid helper logged, and alerts for repeated ones (003 §4.4).

The helper never touches the database: it appends its decisions to spool files, and
`ingest_spool` loads them, run by `esafety filter ingest` (cron, or --every) or by the
"Load the latest" button on the attempts and alerts pages. Pages only read what was loaded.
"""

from __future__ import annotations

import datetime
import json
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import cast

from django.db import transaction

from esafety.directory.models import Person, School
from esafety.engine.urls.normalise import parse_target
from esafety.filtering import decision_logs, events, publish
from esafety.filtering.access import require
from esafety.filtering.actions.alerts import repeated_attempts_alerts
from esafety.filtering.actions.settings import settings_for
from esafety.filtering.models import BlockedAttempt, FilteringAlert

logger = logging.getLogger(__name__)


class LoggedRow:
    """One loaded line of the log, as the alerts and the concerns inbox read it (the same
    attributes as a BlockedAttempt, without building a model instance per line)."""

    __slots__ = ("person", "person_id", "username", "at", "url", "host", "category", "group",
                 "rule", "action", "client", "term")

    def __init__(self, person, username, at, url, host, category, group, rule, action,
                 client, term):
        self.person = person
        self.person_id = person.pk if person is not None else None
        self.username, self.at, self.url, self.host = username, at, url, host
        self.category, self.group, self.rule, self.action = category, group, rule, action
        self.client, self.term = client, term


# Why a line of the log was skipped, in words the IT manager can act on.
NOT_JSON = "not JSON"
NOT_AN_ENTRY = "not a log entry"
FIELD_MISSING = "a field missing"
BAD_VALUE = "a value that cannot be read"
FIRST_LINES = 5  # the line numbers kept per reason: enough to find them in the file


@dataclass
class Loaded:
    """What a load brought: lines read, log lines stored, allowed-count lines added, lines
    skipped (unreadable or incomplete: counted, never a crash) with a count per reason and
    where the first few were, alerts raised, files read."""

    rows: int = 0
    counted: int = 0
    skipped: int = 0
    files: int = 0
    read: int = 0
    alerts: list[FilteringAlert] = field(default_factory=list)
    skipped_by_reason: dict[str, int] = field(default_factory=dict)
    skipped_lines: dict[str, list[str]] = field(default_factory=dict)

    def skip(self, reason: str, where: str) -> None:
        self.skipped += 1
        self.skipped_by_reason[reason] = self.skipped_by_reason.get(reason, 0) + 1
        first = self.skipped_lines.setdefault(reason, [])
        if len(first) < FIRST_LINES:
            first.append(where)

    def add(self, other: Loaded) -> None:
        self.files += other.files
        self.read += other.read
        self.rows += other.rows
        self.counted += other.counted
        self.alerts += other.alerts
        self.skipped += other.skipped
        for reason, n in other.skipped_by_reason.items():
            self.skipped_by_reason[reason] = self.skipped_by_reason.get(reason, 0) + n
            first = self.skipped_lines.setdefault(reason, [])
            first += other.skipped_lines.get(reason, [])[:FIRST_LINES - len(first)]


def _text(value, limit: int) -> str:
    return str(value)[:limit] if value else ""


def decisions_ingest(*, school: School,
                     records: list[dict]) -> tuple[int, list[FilteringAlert]]:
    """Store a batch of helper decisions and raise alerts for repeated attempts."""
    loaded = decisions_load(school=school, records=records)
    return loaded.rows, loaded.alerts


def decisions_load(*, school: School, records: list, signals: bool = True,
                   where: Sequence[str] | None = None) -> Loaded:
    """Store a batch of the helper's spool lines in bulk (COPY on PostgreSQL, into the
    days' partitions; bulk_create on SQLite), add them and the helper's allowed counts to
    the daily counts, and (`signals`) raise alerts for repeated attempts and concerns for
    the safeguarding inbox. Bad lines are skipped and counted by reason; `where` names each
    record's line (its position in the batch when not given)."""
    # (Imported here: the concerns app reaches the incident log, which reaches filtering.)
    from esafety.concerns import sources as concern_sources

    loaded = Loaded(read=len(records))
    if not records:
        return loaded
    config = settings_for(school)
    names = {str(r.get("user")) for r in records if isinstance(r, dict) and r.get("user")}
    people = {p.username.lower(): p for p in Person.objects.filter(school=school,
                                                                   username__in=names)}
    school_id = school.pk
    fromtimestamp, utc = datetime.datetime.fromtimestamp, datetime.UTC
    rows: list[tuple] = []
    logged: list[LoggedRow] = []
    counts: dict[tuple, list] = {}
    days: set[datetime.date] = set()
    for index, r in enumerate(records):
        try:
            user = _text(r.get("user"), 150)
            person = people.get(user.lower()) if user else None
            client = _text(r.get("client"), 64)
            group, category = _text(r.get("group"), 16), _text(r.get("category"), 64)
            if r.get("kind") == "allowed":
                day = datetime.date.fromisoformat(r["day"])
                n = int(r["n"])
                if n <= 0:
                    raise ValueError("not a count")
                action_key = "allow"
            else:
                at = fromtimestamp(float(r["t"]), tz=utc)
                day = at.date()
                n = 1
                url = _text(r.get("url"), 2000)
                host = r.get("host")
                if host is None:
                    target = parse_target(url)
                    host = target.host if target else ""
                host = str(host)[:253]
                rule = _text(r.get("rule"), 32)
                action = _text(r.get("action"), 8) or "block"
                term = _text(r.get("term"), 200)
                year = person.year_group if person is not None else None
                rows.append((school_id, person.pk if person is not None else None, user, at,
                             url, host, category, group, rule, action, client,
                             _text(r.get("policy"), 32), term, year))
                if signals:
                    logged.append(LoggedRow(person, user, at, url, host, category, group,
                                            rule, action, client, term))
                days.add(day)
                action_key = "unblock" if action == "allow" else action
        except (AttributeError, KeyError, TypeError, ValueError, OverflowError,
                OSError) as error:
            reason = (NOT_AN_ENTRY if not isinstance(r, dict) else
                      FIELD_MISSING if isinstance(error, KeyError) else BAD_VALUE)
            loaded.skip(reason, where[index] if where is not None else str(index + 1))
            continue
        key = (school_id, day, user, "" if user else client, group, category, action_key)
        entry = counts.get(key)
        if entry is None:
            counts[key] = [n, person.pk if person is not None else None,
                           person.year_group if person is not None else None]
        else:
            entry[0] += n
        if action_key == "allow":
            loaded.counted += 1
    loaded.rows = len(rows)
    with transaction.atomic():
        decision_logs.ensure_partitions(school_id, days)
        decision_logs.copy_rows(rows)
        decision_logs.add_counts(counts)
        if signals:
            alerts = repeated_attempts_alerts(school, config, logged)
            # The safeguarding lead's inbox: requests in a safeguarding category, worrying
            # search terms, and each alert, in the same transaction as the rows they came
            # from.
            concern_sources.from_filtering_requests(
                school, cast("list[BlockedAttempt]", logged))
            concern_sources.from_filtering_alerts(school, alerts)
            loaded.alerts = alerts
    return loaded


def ingest_spool(*, school: School) -> tuple[int, int, list[FilteringAlert]]:
    """Load the helper's completed spool files for a school; returns (files, rows, alerts)."""
    loaded = spool_load(school=school)
    return loaded.files, loaded.rows, loaded.alerts


def spool_load(*, school: School) -> Loaded:
    """Load the helper's completed spool files for a school, each in one bulk load; lines
    that cannot be read are skipped and counted (and said on the log), never a crash."""
    folder = publish.snapshot_dir(school) / "decisions"
    total = Loaded()
    for path in sorted(folder.glob("*.jsonl")) if folder.is_dir() else []:
        # Claim the file first: the ingest command and someone pressing "Load the latest"
        # may run at once, and each file must be loaded exactly once.
        claimed = path.with_name(path.name + f".{os.getpid()}.ingesting")
        try:
            os.rename(path, claimed)
        except FileNotFoundError:
            continue
        records = []
        where = []
        unreadable = Loaded()
        lines = claimed.read_text(encoding="utf-8", errors="replace").splitlines()
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                records.append(json.loads(line))
            except ValueError:
                unreadable.read += 1
                unreadable.skip(NOT_JSON, f"{path.name}:{number}")
            else:
                where.append(f"{path.name}:{number}")
        try:
            loaded = decisions_load(school=school, records=records, where=where)
        except BaseException:
            os.rename(claimed, path)  # leave it for the next run
            raise
        claimed.unlink()
        unreadable.add(loaded)
        unreadable.files = 1
        if unreadable.skipped:
            logger.warning("filter log %s: %d unreadable lines skipped", path.name,
                           unreadable.skipped)
        total.add(unreadable)
    return total


def log_retention_enforce(*, school: School) -> dict[str, int]:
    """Forget the filter's logs older than the school's retention (FilteringSettings.
    log_retention_days): whole days dropped on PostgreSQL; run daily by the jobs."""
    return decision_logs.enforce_retention(school, settings_for(school).log_retention_days)


def attempts_load(*, actor: Person, school: School) -> tuple[int, int, list[FilteringAlert]]:
    """Someone who may see the logs asks for what the helper logged up to this moment."""
    require(actor, "view_filtering_logs", "load the filter's logs", school)
    return ingest_spool(school=school)


def logs_load(*, actor: Person, school: School) -> Loaded:
    """As attempts_load, with what was skipped and counted."""
    require(actor, "view_filtering_logs", "load the filter's logs", school)
    return spool_load(school=school)


def person_logs_viewed(*, actor: Person, person: Person, since: datetime.date) -> None:
    """Record that `actor` looked at `person`'s filtering log (their attempts and search
    terms): a sensitive record, every view audited."""
    require(actor, "view_filtering_logs", "see the filter's logs", person.school)
    with transaction.atomic():
        events.person_logs_viewed(actor=actor, person=person, since=since.isoformat())
