"""Reads for the filtering screens. Nothing here writes: not a row, not a file."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet, Sum
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.models import Person, School, UnknownSchool
from esafety.engine.urls.normalise import Target
from esafety.engine.urls.policy import Decision, Policy
from esafety.filtering import publish
from esafety.filtering.models import (
    GROUP_LABELS,
    GROUPS,
    BlockedAttempt,
    Category,
    DecisionCount,
    FilteringAlert,
    FilteringSettings,
    GroupRule,
    GroupSetting,
    InternetSuspension,
    ListImport,
    SchoolEntry,
    UnblockRequest,
    WorkingTime,
    WrongBlockReport,
)
from esafety.filtering.rules import defaults

# How far back the filtering pages look for emails that could not be sent.
FAILED_EMAILS_DAYS = 30


def settings_for(school: School) -> FilteringSettings:
    """The school's filtering settings; the defaults (unsaved) until an action first saves
    them."""
    config = FilteringSettings.objects.filter(school=school).first()
    if config is None:
        spec = defaults()
        config = FilteringSettings(
            school=school, approver_roles=list(spec.get("approver_roles", [])),
            max_suspension_days=spec["max_suspension_days"],
            staff_social_networks=spec["staff_social_networks"]["default"])
    return config


def approver_roles(school: School) -> set[str]:
    return set(settings_for(school).approver_roles or [roles.IT_MANAGER])


def failed_emails(school: School) -> QuerySet[AuditEvent]:
    """Alert and wrong-block emails that could not be sent lately (notifications.py)."""
    since = timezone.now() - datetime.timedelta(days=FAILED_EMAILS_DAYS)
    return AuditEvent.objects.filter(school=school, event_type="filtering_email_failed",
                                     at__gte=since).order_by("-at")


def waiting_decision_files(school: School) -> int:
    """Completed files of the helper's decisions not loaded yet."""
    folder = publish.snapshot_dir(school) / "decisions"
    return sum(1 for _ in folder.glob("*.jsonl")) if folder.is_dir() else 0


def home(user, *, approver: bool, can_logs: bool, can_manage: bool,
         can_suspend: bool) -> dict[str, Any]:
    """The filtering home page; what the viewer may do decides what it counts."""
    school = user.school
    now = timezone.now()
    week = now - datetime.timedelta(days=7)
    return {
        "config": settings_for(school), "now": now,
        "mine": UnblockRequest.objects.filter(school=school, requested_by=user)[:10],
        "pending": (UnblockRequest.objects.filter(school=school,
                                                  status=UnblockRequest.PENDING)
                    if approver else UnblockRequest.objects.none()),
        "can_manage": can_manage, "can_logs": can_logs,
        "is_approver": approver, "can_suspend": can_suspend,
        "blocked_week": DecisionCount.objects.filter(
            school=school, day__gte=_utc_day(week), action="block")
        .aggregate(n=Sum("count"))["n"] or 0 if can_logs else None,
        "open_alerts": FilteringAlert.objects.filter(school=school,
                                                     acknowledged_at__isnull=True).count(),
        "open_reports": WrongBlockReport.objects.filter(school=school,
                                                        status=WrongBlockReport.OPEN).count(),
        "last_import": ListImport.objects.filter(school=school).first(),
        "categories": Category.objects.filter(school=school).count(),
        "active_unblocks": UnblockRequest.objects.filter(
            school=school, status=UnblockRequest.APPROVED, starts_at__lte=now,
            ends_at__gt=now).count(),
        "failed_emails": failed_emails(school).count() if can_logs or can_manage else 0,
    }


@dataclass
class BlockedContext:
    school: School | None
    category: Category | None
    working: bool


def blocked_context(slug: str, category_name: str, group: str, rule: str) -> BlockedContext:
    """The school, its category, and whether the block is for working time only."""
    try:
        school: School | None = School.objects.by_slug(slug)
    except UnknownSchool:
        school = None  # the page still explains the block without the school
    category = None
    if school is not None and category_name:
        category = Category.objects.filter(school=school, name=category_name).first()
    working = rule == "group-policy" and school is not None and category is not None and \
        GroupRule.objects.filter(school=school, group=group, category=category,
                                 action=GroupRule.WORKING_TIME).exists()
    return BlockedContext(school, category, working)


def unblocks_for(user, *, see_all: bool, state: str = "") -> list[tuple[UnblockRequest, str]]:
    """The school's requests (`see_all`), or only the viewer's own."""
    qs = UnblockRequest.objects.filter(school=user.school).select_related(
        "category", "requested_by", "decided_by")
    if not see_all:
        qs = qs.filter(requested_by=user)
    now = timezone.now()
    rows = [(u, u.state(now)) for u in qs[:500]]
    return [r for r in rows if r[1] == state] if state else rows


def unblock_history(item: UnblockRequest) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(school=item.school, object_type="unblockrequest",
                                     object_id=str(item.pk)).order_by("at", "id")


def term_start(today: datetime.date) -> datetime.date:
    """The first day of the school term `today` is in, by the usual English terms: autumn
    from 1 September, spring from 1 January, summer from 15 April."""
    starts = [datetime.date(today.year, 1, 1), datetime.date(today.year, 4, 15),
              datetime.date(today.year, 9, 1)]
    return max(d for d in starts if d <= today)


def _utc_day(moment: datetime.datetime) -> datetime.date:
    return moment.astimezone(datetime.UTC).date()


def _day_start(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(), tzinfo=datetime.UTC)


def attempts(school: School, *, days: int, category: str = "", group: str = "",
             person_id: str = "", year: str = "") -> dict[str, Any]:
    """The blocked-attempts screen over the last `days` days (whole days, today
    included): totals from the daily counts, the latest lines from the log."""
    first_day = _utc_day(timezone.now()) - datetime.timedelta(days=days - 1)
    counts = DecisionCount.objects.filter(school=school, action="block", day__gte=first_day)
    recent = BlockedAttempt.objects.filter(school=school, at__gte=_day_start(first_day),
                                           action="block")
    if category:
        counts, recent = counts.filter(category=category), recent.filter(category=category)
    if group:
        counts, recent = counts.filter(group=group), recent.filter(group=group)
    if person_id.isdigit():
        counts = counts.filter(person_id=int(person_id))
        recent = recent.filter(person_id=int(person_id))
    if year.isdigit():
        counts = counts.filter(year_group=int(year))
        recent = recent.filter(year_group=int(year))
    labels = dict(Category.objects.filter(school=school).values_list("name", "label"))
    by_category = [(labels.get(r["category"], r["category"] or "-"), r["category"], r["n"])
                   for r in counts.values("category").annotate(n=Sum("count"))
                   .order_by("-n")[:30]]
    by_group = [(GROUP_LABELS.get(r["group"], r["group"] or "-"), r["group"], r["n"])
                for r in counts.values("group").annotate(n=Sum("count")).order_by("-n")]
    by_person = list(counts.exclude(person=None).values(
        "person", "person__first_name", "person__last_name", "group")
        .annotate(n=Sum("count")).order_by("-n")[:30])
    total = counts.aggregate(n=Sum("count"))["n"] or 0
    return {"by_category": by_category, "by_group": by_group, "by_person": by_person,
            "recent": recent.select_related("person")[:100], "total": total,
            "labels": labels}


def pupil_attempts(school: School, person_id: int, since: datetime.date,
                   limit: int = 100) -> dict[str, Any]:
    """"This pupil's attempts this term": how many blocked requests since `since`, by
    category (daily counts), and the latest `limit` of them (the log, newest first)."""
    counts = DecisionCount.objects.filter(school=school, person_id=person_id,
                                          action="block", day__gte=since)
    by_category = list(counts.values("category").annotate(n=Sum("count")).order_by("-n"))
    recent = list(BlockedAttempt.objects.filter(
        school=school, person_id=person_id, at__gte=_day_start(since), action="block")
        .order_by("-at")[:limit])
    return {"total": sum(r["n"] for r in by_category), "by_category": by_category,
            "recent": recent}


def top_blocked_categories(school: School, year_group: int, since: datetime.date,
                           limit: int = 10) -> list[tuple[str, int]]:
    """"Top blocked categories this week for Year 9": (category, blocked requests), most
    first, for the pupils in that year, from the daily counts."""
    return list(DecisionCount.objects.filter(
        school=school, action="block", year_group=year_group, day__gte=since)
        .values("category").annotate(n=Sum("count")).order_by("-n")
        .values_list("category", "n")[:limit])


def search_terms(school: School, person_id: int, since: datetime.date,
                 limit: int = 200) -> list[BlockedAttempt]:
    """What a person searched for since `since` (Google, Bing, DuckDuckGo, YouTube over
    plain HTTP), newest first: when, the words, the site, and what the filter did."""
    return list(BlockedAttempt.objects.filter(
        school=school, person_id=person_id, at__gte=_day_start(since)).exclude(term="")
        .order_by("-at")[:limit])


def alerts_for(school: School) -> QuerySet[FilteringAlert]:
    return FilteringAlert.objects.filter(school=school).select_related(
        "person", "acknowledged_by")[:200]


def reports_for(school: School) -> QuerySet[WrongBlockReport]:
    return WrongBlockReport.objects.filter(school=school).select_related(
        "reported_by", "resolved_by")[:200]


def suspensions_for(school: School) -> QuerySet[InternetSuspension]:
    return InternetSuspension.objects.filter(school=school).select_related(
        "pupil", "created_by", "lifted_by")[:200]


def category_of_school(school: School, pk) -> Category | None:
    try:
        return Category.objects.filter(school=school, pk=int(pk)).first()
    except (TypeError, ValueError):
        return None


# What the filtering table says a group gets for a category, in working and personal time.
_EFFECTIVE = {
    "statutory": ("Blocked for everyone", "bad"),
    "approved-only": ("Approved sites only", "bad"),
    "blocked": ("Blocked", "bad"),
    "working": ("Blocked in working time, allowed outside it", "warn"),
    "allowed": ("Allowed", "ok"),
}


def effective_answer(policy: Policy, group: str, category: str) -> tuple[str, str, str]:
    """(key, words, badge class) for one cell of the filtering table, from the engine's own
    answer in working time and outside it."""
    working, working_rule = policy.category_answer(group, category, working=True)
    personal, personal_rule = policy.category_answer(group, category, working=False)
    if working_rule == "statutory":
        key = "statutory"
    elif working_rule == "approved-only":
        key = "approved-only"
    elif working == "block" and personal == "block":
        key = "blocked"
    elif working == "block":
        key = "working"
    else:
        key = "allowed"
    words, badge = _EFFECTIVE[key]
    return key, words, badge


def policy_table(school: School) -> list[dict[str, Any]]:
    """One row per category, one cell per group: the rule set and what it comes to."""
    categories = list(Category.objects.filter(school=school).order_by("uk_sic", "label"))
    rules = {(r.group, r.category_id): r.action
             for r in GroupRule.objects.filter(school=school)}
    # The engine's answer for each cell (no lists needed: it decides on category names).
    engine = Policy(publish.build_policy(school), None)
    rows = []
    for c in categories:
        cells = []
        for g, group_label in GROUPS:
            _key, words, badge = effective_answer(engine, g, c.name)
            cells.append({"group": g, "group_label": group_label,
                          "action": rules.get((g, c.pk), GroupRule.ALLOW),
                          "effective": words, "badge": badge,
                          "staff_setting": g == "staff" and c.name == "social_networks"})
        rows.append({"category": c, "cells": cells})
    return rows


def working_spans(school: School) -> dict[int, list]:
    spans: dict[int, list] = {}
    for w in WorkingTime.objects.filter(school=school):
        spans.setdefault(w.weekday, []).append((w.starts, w.ends))
    return spans


def group_settings(school: School) -> dict[str, GroupSetting]:
    return {s.group: s for s in GroupSetting.objects.filter(school=school)}


def school_entries(school: School) -> QuerySet[SchoolEntry]:
    return SchoolEntry.objects.filter(school=school)


def recent_imports(school: School) -> QuerySet[ListImport]:
    return ListImport.objects.filter(school=school)[:5]


def person_by_id(school: School, pk: str) -> Person | None:
    return Person.objects.filter(school=school, pk=int(pk)).first() if pk.isdigit() else None


def person_in_school(school: School, username: str) -> Person | None:
    return Person.objects.filter(school=school, username=username).first()


def decide(school: School, target: Target, username: str, at: datetime.datetime,
           url: str) -> Decision:
    """What the filter would do with this address for this person at this time."""
    policy = publish.current_policy(school, publish.lists_for_reading(school))
    return policy.decide(target, username, at.timestamp(), "GET", url)
