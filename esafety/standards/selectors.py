"""Reads for the standards pages: the roles, the decision register from the live filtering
rules, the check log, the reviews, and each standard's status with its evidence."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone

from esafety.directory.models import School
from esafety.filtering import selectors as filtering_selectors
from esafety.standards.models import (
    AUTOMATIC,
    MANUAL,
    MONITORING,
    ROLE_CHOICES,
    Check,
    FilteringDecision,
    ResponsibleRole,
    Review,
    ReviewAction,
)

# How long each kind of evidence stays current.
CHECK_FRESH = datetime.timedelta(days=7)
MANUAL_FRESH = datetime.timedelta(days=120)  # about a term
REVIEW_FRESH = datetime.timedelta(days=365)
REVIEW_DUE_SOON = datetime.timedelta(days=335)


def current_roles(school: School) -> list[dict[str, Any]]:
    """Each DfE role and who holds it now (the latest row), or None."""
    latest: dict[str, ResponsibleRole] = {}
    for row in ResponsibleRole.objects.filter(school=school).select_related("person"):
        latest.setdefault(row.role, row)
    return [{"role": role, "label": label, "holder": latest.get(role)}
            for role, label in ROLE_CHOICES]


def role_history(school: School) -> QuerySet[ResponsibleRole]:
    return ResponsibleRole.objects.filter(school=school).select_related(
        "person", "recorded_by").order_by("-recorded_at", "-pk")


def latest_decisions(school: School) -> dict[tuple[str, str], FilteringDecision]:
    latest: dict[tuple[str, str], FilteringDecision] = {}
    for row in FilteringDecision.objects.filter(school=school).select_related("recorded_by"):
        latest.setdefault((row.group, row.category), row)
    return latest


def latest_reasons(school: School) -> dict[tuple[str, str], FilteringDecision]:
    """The latest row with a reason, for each group and category."""
    latest: dict[tuple[str, str], FilteringDecision] = {}
    for row in FilteringDecision.objects.filter(school=school).exclude(
            reason="").select_related("recorded_by"):
        latest.setdefault((row.group, row.category), row)
    return latest


def register(school: School) -> list[dict[str, Any]]:
    """The decision register: one row per category and group, from the live filtering
    rules, with the latest reason and whether the rule has changed since it was given."""
    reasons = latest_reasons(school)
    rows = []
    for row in filtering_selectors.policy_table(school):
        category = row["category"]
        for cell in row["cells"]:
            key = (cell["group"], category.name)
            reason = reasons.get(key)
            live_key = cell["effective"]
            rows.append({
                "category": category.name, "category_label": category.label,
                "statutory": category.statutory, "group": cell["group"],
                "group_label": cell["group_label"], "answer": live_key,
                "answer_words": cell["effective"], "reason": reason,
                "needs_reason": reason is None or reason.answer != live_key,
            })
    return rows


def decision_history(school: School) -> QuerySet[FilteringDecision]:
    return FilteringDecision.objects.filter(school=school).select_related("recorded_by")


def checks(school: School) -> QuerySet[Check]:
    return Check.objects.filter(school=school).select_related("by")


def reviews(school: School) -> QuerySet[Review]:
    return Review.objects.filter(school=school).select_related(
        "governor", "led_by").prefetch_related("actions__owner")


def open_actions(school: School) -> QuerySet[ReviewAction]:
    return ReviewAction.objects.filter(review__school=school, done_on__isnull=True).select_related(
        "owner", "review")


def _day(value: datetime.date | datetime.datetime) -> str:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return f"{value.day} {value:%B %Y}"


MET, DUE, MISSING = "met", "due", "missing"
STATUS_WORDS = {MET: "Met", DUE: "Due", MISSING: "Missing"}


@dataclass
class StandardStatus:
    title: str
    status: str
    says: str
    evidence: list[tuple[str, str]]

    @property
    def words(self) -> str:
        return STATUS_WORDS[self.status]


def status(school: School, now: datetime.datetime | None = None) -> list[StandardStatus]:
    """Each of the DfE filtering and monitoring standards: met, due or missing, and why."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    out = []

    roles = current_roles(school)
    unnamed = [r["label"].lower() for r in roles if r["holder"] is None]
    out.append(StandardStatus(
        "Roles and responsibilities are named",
        MET if not unnamed else MISSING,
        "Everyone is named." if not unnamed else "Not named yet: " + ", ".join(unnamed) + ".",
        [("The roles", reverse("standards:roles"))]))

    last_review = Review.objects.filter(school=school).order_by("-held_on").first()
    overdue = open_actions(school).filter(due_on__lt=today).count()
    if last_review is None:
        review_status, review_says = MISSING, "No review has been recorded."
    elif today - last_review.held_on > REVIEW_FRESH:
        review_status, review_says = DUE, (f"The last review was on "
                                           f"{_day(last_review.held_on)}: one is due.")
    elif today - last_review.held_on > REVIEW_DUE_SOON or overdue:
        review_status = DUE
        review_says = (f"Reviewed on {_day(last_review.held_on)}"
                       + (f"; {overdue} action{'s' if overdue != 1 else ''} overdue."
                          if overdue else "; the next review is due within a month."))
    else:
        review_status, review_says = MET, f"Reviewed on {_day(last_review.held_on)}."
    out.append(StandardStatus("Filtering and monitoring are reviewed at least every year",
                              review_status, review_says,
                              [("The reviews", reverse("standards:reviews"))]))

    rows = register(school)
    unexplained = sum(1 for r in rows if r["needs_reason"])
    last_auto = checks(school).filter(kind=AUTOMATIC).first()
    last_manual = checks(school).filter(kind=MANUAL).first()
    if not rows or last_auto is None:
        filter_status = MISSING
        filter_says = ("No filtering rules are set yet." if not rows
                       else "esafety has not checked the filter yet.")
    elif unexplained or not last_auto.passed or now - last_auto.at > CHECK_FRESH or (
            last_manual is None or now - last_manual.at > MANUAL_FRESH):
        filter_status = DUE
        parts = []
        if unexplained:
            parts.append(f"{unexplained} blocked or allowed "
                         + ("category needs" if unexplained == 1 else "categories need")
                         + " a reason")
        if not last_auto.passed:
            parts.append("the last check found answers that differ")
        elif now - last_auto.at > CHECK_FRESH:
            parts.append("the last check by esafety is over a week old")
        if last_manual is None or now - last_manual.at > MANUAL_FRESH:
            parts.append("no check by staff this term")
        filter_says = "; ".join(parts).capitalize() + "."
    else:
        filter_status = MET
        filter_says = (f"Every category has a reason; checked by esafety on "
                       f"{_day(last_auto.at)} and by staff on {_day(last_manual.at)}.")
    out.append(StandardStatus(
        "Filtering blocks harmful content without getting in the way of teaching",
        filter_status, filter_says,
        [("The decision register", reverse("standards:register")),
         ("The check log", reverse("standards:checks"))]))

    last_monitoring = checks(school).filter(kind=MONITORING).first()
    if last_monitoring is None:
        mon_status, mon_says = MISSING, "No check of monitoring has been recorded."
    elif now - last_monitoring.at > MANUAL_FRESH:
        mon_status, mon_says = DUE, (f"Monitoring was last checked on "
                                     f"{_day(last_monitoring.at)}: a check is due.")
    else:
        mon_status, mon_says = MET, f"Monitoring checked on {_day(last_monitoring.at)}."
    out.append(StandardStatus("Monitoring meets the school's safeguarding needs",
                              mon_status, mon_says, [("The check log", reverse("standards:checks"))]))
    return out
