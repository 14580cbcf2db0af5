"""The record types esafety already held before the schedule existed, registered here.

Minimums are the shortest a school may choose, with the reason. They follow the Information
and Records Management Society's toolkit for schools (the guidance English schools use) and
the Limitation Act 1980 (six years for a claim); a school may keep records longer, never
shorter. Apps built later register their own types (registry.py).
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from esafety.retention import purging
from esafety.retention.registry import YEAR, RecordType, register

if TYPE_CHECKING:
    from esafety.directory.models import Person, School


def _concerns(school: School, cutoff: datetime.datetime):
    from esafety.concerns import rules
    from esafety.concerns.models import Concern

    # Only concerns that were closed: an open concern is never forgotten.
    return Concern.objects.filter(school=school, raised_at__lt=cutoff).exclude(
        state__in=rules.OPEN_STATES)


def _concerns_count(school: School, cutoff: datetime.datetime) -> int:
    return _concerns(school, cutoff).count()


def _concerns_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    deleted, by_model = _concerns(school, cutoff).delete()
    return by_model.get("concerns.Concern", 0)


def _notices(school: School, cutoff: datetime.datetime):
    from esafety.notices.models import Notice

    return Notice.objects.filter(school=school, created_at__lt=cutoff)


def _notices_count(school: School, cutoff: datetime.datetime) -> int:
    return _notices(school, cutoff).count()


def _notices_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    deleted, by_model = _notices(school, cutoff).delete()
    return by_model.get("notices.Notice", 0)


def _filter_logs_count(school: School, cutoff: datetime.datetime) -> int:
    from esafety.filtering.models import BlockedAttempt

    return BlockedAttempt.objects.filter(school=school, at__lt=cutoff).count()


def _filter_logs_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    # The filter's own retention (whole day partitions dropped on PostgreSQL): the same
    # code the filtering app's daily job runs, with the schedule's period.
    from esafety.filtering import decision_logs

    today = datetime.datetime.now(datetime.UTC).date()
    days = max(1, (today - cutoff.astimezone(datetime.UTC).date()).days)
    before = _filter_logs_count(school, cutoff)
    decision_logs.enforce_retention(school, days, today=today)
    return before - _filter_logs_count(school, cutoff)


def _filter_logs_days(school: School) -> int:
    from esafety.filtering.actions import settings_for

    return settings_for(school).log_retention_days


def _filter_logs_set(school: School, days: int) -> None:
    # One setting, kept where the filter's own daily job reads it (FilteringSettings).
    from esafety.filtering.actions import filtering_settings_update, settings_for

    config = settings_for(school)
    filtering_settings_update(
        actor=None, school=school, approver_roles=list(config.approver_roles),
        alert_threshold=config.alert_threshold,
        alert_window_minutes=config.alert_window_minutes,
        block_page_url=config.block_page_url, max_suspension_days=config.max_suspension_days,
        log_retention_days=days)


CONCERNS = register(RecordType(
    name="concerns", label="Safeguarding concerns (closed)", minimum_days=25 * YEAR,
    default_days=25 * YEAR, order=10,
    minimum_basis="Child protection records are kept until the child is 25 (IRMS toolkit "
                  "for schools; Keeping Children Safe in Education).",
    purpose="To act on signs that a child may be at risk (the DSL's inbox).",
    seen_by="view_concerns", count=_concerns_count, purge=_concerns_purge,
    counted_from="when it was raised"))

INCIDENTS = register(RecordType(
    name="incidents", label="Online-safety incidents (closed)", minimum_days=6 * YEAR,
    default_days=7 * YEAR, order=20,
    minimum_basis="Six years after closing, the time a claim can be brought (Limitation Act "
                  "1980). Images of a child, grooming and radicalisation follow the concerns' "
                  "period; allegations about staff and police referrals are never removed here.",
    purpose="To record, investigate and learn from online-safety incidents (002, 004).",
    seen_by="view_incident_log", count=purging.incidents_count, purge=purging.incidents_purge,
    counted_from="when it was closed"))

FILTER_LOGS = register(RecordType(
    name="filter_logs", label="Filtering logs (blocked and flagged requests, searches)",
    minimum_days=7, default_days=365, order=30,
    minimum_basis="The DfE filtering and monitoring standards expect logs to be reviewed; "
                  "esafety needs at least a week to raise alerts from them.",
    purpose="To show who tried to reach what, when, from which device (DfE filtering and "
            "monitoring standards).",
    seen_by="view_filtering_logs", count=_filter_logs_count, purge=_filter_logs_purge,
    get_days=_filter_logs_days, set_days=_filter_logs_set))

NOTICES = register(RecordType(
    name="notices", label="Notices sent to staff", minimum_days=YEAR, default_days=2 * YEAR,
    order=40,
    minimum_basis="A school year, so that who was told of a handoff can be shown at review.",
    purpose="To tell staff about handoffs (concerns, unblocks, next actions).",
    seen_by="view_concerns", count=_notices_count, purge=_notices_purge))

AUDIT = register(RecordType(
    name="audit", label="Audit trail (who did what)", minimum_days=6 * YEAR,
    default_days=7 * YEAR, order=90,
    minimum_basis="Six years, the time a claim can be brought (Limitation Act 1980); purged "
                  "events keep their place in the sealed chain.",
    purpose="To show who saw or changed each record, and that nothing was altered.",
    seen_by="view_audit_trail", count=purging.audit_count, purge=purging.audit_purge))
