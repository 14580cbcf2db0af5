"""The governors' pack: one termly report (002 "Schedule for Development/Monitoring/Review":
the governing body receives regular reports; impact monitored with logs of incidents and
internet activity; the DfE filtering and monitoring standards' annual review).

Counts only, never a name, a reference or a description. It follows the governors' report
(incidents/report.py): a period of at least a half term, never ending in the future, and every
count under 5 shown as "fewer than 5", whatever the format, and never drawn as a bar. Sections
that other areas own (training, consent, devices, the DfE standards) are read through their
selectors when the area exists, and say "not recorded yet" when it does not.
"""

from __future__ import annotations

import datetime
import importlib
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from esafety.incidents.report import (
    FEWER_THAN,
    SMALL_COUNT,
    GovernorsReport,
    bar_chart_svg,
    build_report,
    shown,
)

log = logging.getLogger(__name__)

NOT_RECORDED = "Not recorded in esafety yet."


@dataclass
class Table:
    title: str
    rows: list[tuple[str, int]]  # raw counts: only shown() values leave this module
    chart: bool = True

    @property
    def shown_rows(self) -> list[tuple[str, int | str]]:
        return [(label, shown(count)) for label, count in self.rows]

    @property
    def svg(self) -> str:
        return bar_chart_svg(self.shown_rows) if self.chart and self.rows else ""


@dataclass
class Section:
    key: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)  # plain statements (no personal data)
    missing: str = ""  # why there is nothing to show
    # The DfE standards by status (how many standards, not people: shown as numbers).
    standards: list[tuple[str, int]] = field(default_factory=list)


@dataclass
class Pack:
    school: Any
    start: datetime.date
    end: datetime.date
    incidents: GovernorsReport
    sections: list[Section]
    made_at: datetime.datetime

    @property
    def small_count_rule(self) -> str:
        return (f"So that nobody can be picked out, any count under {SMALL_COUNT} is shown as "
                f'"{FEWER_THAN}".')


def _window(start: datetime.date, end: datetime.date):
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                      tzinfo=tz)
    return since, until


# --- the sections ----------------------------------------------------------------------------

def _incidents(report: GovernorsReport) -> Section:
    raw = dict(report._raw_sections())
    return Section("incidents", "Incidents and their outcomes",
                   intro="Online-safety incidents reported in the period.",
                   tables=[Table("Summary", [("Incidents reported", report.total),
                                             ("Still open", report.open),
                                             ("Closed", report.closed),
                                             ("Marked for police referral",
                                              report.police_referrals)], chart=False),
                           Table("Incidents by type", [r for r in raw["Incidents by type"]
                                                       if r[1]]),
                           Table("Outcome", raw["Outcome"]),
                           Table("Rating of misuse (004 Appendix I)",
                                 raw["Rating of misuse (004 Appendix I)"])],
                   lines=[f"Median time to first response: {report.median_response_shown}."])


def _concerns(school, since, until) -> Section:
    from esafety.concerns import rules
    from esafety.concerns.models import Concern

    found = list(Concern.objects.filter(school=school, raised_at__gte=since, raised_at__lt=until)
                 .values_list("topic", "state"))
    topics = Counter(t for t, _ in found)
    states = Counter(s for _, s in found)
    return Section("concerns", "Safeguarding concerns and what was done",
                   intro="Concerns esafety raised for the designated safeguarding lead in the "
                         "period (from message checks, filtering alerts, searches and reports).",
                   tables=[Table("Concerns by topic", [(label, topics[code]) for code, label
                                                       in rules.TOPIC_CHOICES if topics[code]]
                                 or [("Concerns raised", 0)]),
                           Table("What was done", [(label, states[code]) for code, label
                                                   in rules.STATE_CHOICES])])


def _filtering(school, since, until) -> Section:
    from esafety.filtering.models import DecisionCount, FilteringAlert, UnblockRequest

    blocked = (DecisionCount.objects.filter(school=school, action="block",
                                            day__gte=since.date(), day__lt=until.date())
               .values("category").annotate(n=Sum("count")).order_by("-n"))
    by_category = [(row["category"] or "uncategorised", int(row["n"] or 0)) for row in blocked]
    unblocks = Counter(UnblockRequest.objects.filter(
        school=school, created_at__gte=since, created_at__lt=until)
        .values_list("status", flat=True))
    alerts = FilteringAlert.objects.filter(school=school, created_at__gte=since,
                                           created_at__lt=until)
    section = Section("filtering", "Filtering and monitoring",
                      intro="What the filter blocked, what staff asked to unblock, and the "
                            "alerts it raised (DfE filtering and monitoring standards).",
                      tables=[Table("Blocked requests by category",
                                    by_category[:15] or [("Blocked requests", 0)]),
                              Table("Unblock requests", [(label, unblocks[code]) for code, label
                                                         in UnblockRequest.STATUSES]),
                              Table("Alerts", [("Alerts raised", alerts.count()),
                                               ("Acknowledged", alerts.filter(
                                                   acknowledged_at__isnull=False).count())],
                                    chart=False)])
    checks = _optional("esafety.governance.pack", "_checks_in", school, since, until)
    if isinstance(checks, list):
        section.tables.append(Table("Filtering and monitoring checks", checks))
    else:
        section.lines.append(f"Filtering and monitoring checks: {NOT_RECORDED}")
    return section


def _checks_in(school, since, until) -> list[tuple[str, int]]:
    """The DfE standards' check log in the period (esafety/standards): checks by kind, and
    those that found something."""
    from esafety.standards.models import CHECK_KINDS
    from esafety.standards.selectors import checks

    found = checks(school).filter(at__gte=since, at__lt=until)
    kinds = Counter(found.values_list("kind", flat=True))
    return ([(str(label), kinds[code]) for code, label in CHECK_KINDS]
            + [("Checks that found a problem", found.filter(passed=False).count())])


def _aup(school) -> Section:
    from esafety.directory import roles
    from esafety.policies import status

    rows = []
    for line in status.summary(school):
        label = roles.AUDIENCE_LABELS.get(line["document"].audience, line["document"].audience)
        rows.append((label, line))
    section = Section("aup", "Acceptable use agreements by audience",
                      intro="Who has accepted the current acceptable use agreement for them.")
    if not rows:
        section.missing = "No acceptable use agreement is published yet."
        return section
    section.tables.append(Table("Accepted", [(label, line["accepted"]) for label, line in rows]))
    section.tables.append(Table("Not yet answered", [(label, line["pending"])
                                                     for label, line in rows], chart=False))
    section.tables.append(Table("Declined", [(label, line["declined"])
                                             for label, line in rows], chart=False))
    for label, line in rows:
        # A percentage could give away a small count ("83% of 6": one did not accept), so it
        # is shown only when both sides are large enough, or nobody is missing.
        missing = line["total"] - line["accepted"]
        if line["accepted"] >= SMALL_COUNT and (missing == 0 or missing >= SMALL_COUNT):
            section.lines.append(f"{label}: {line['percent']}% accepted.")
    return section


def _reviews(school) -> Section:
    from esafety.policies import status

    today = timezone.localdate()
    section = Section("reviews", "Reviews due",
                      intro="Policies whose review is overdue or due within 30 days.")
    for version in status.reviews_due(school):
        when = "overdue since" if version.review_due < today else "due"
        section.lines.append(f"{version.document.title}: {when} {version.review_due:%d %B %Y}.")
    if not section.lines:
        section.lines.append("No policy review is due in the next 30 days.")
    extra = _optional("esafety.governance.pack", "_standards_reviews", school, today)
    if isinstance(extra, list):
        section.lines.extend(extra)
    return section


def _standards_reviews(school, today: datetime.date) -> list[str]:
    """The annual filtering and monitoring review (esafety/standards): when it was last held
    and how many of its actions are overdue (counts, never who owns them)."""
    from esafety.standards.models import Review
    from esafety.standards.selectors import REVIEW_FRESH, open_actions

    last = Review.objects.filter(school=school).order_by("-held_on").first()
    lines = []
    if last is None:
        lines.append("Annual filtering and monitoring review: none recorded yet.")
    else:
        due = last.held_on + REVIEW_FRESH
        lines.append(f"Annual filtering and monitoring review: last held {last.held_on:%d %B %Y}"
                     f", next due by {due:%d %B %Y}.")
    overdue = open_actions(school).filter(due_on__lt=today).count()
    lines.append(f"Review actions overdue: {shown(overdue)}.")
    return lines


LABELS = {
    # training
    "courses": "Courses", "people": "People who need training",
    "required": "Trainings required", "complete": "Complete", "due": "Due soon",
    "overdue": "Overdue",
    # consent
    "pupils": "Pupils on roll", "items_to_remove": "Published items to take down",
    "channels": "School social media accounts and sites",
    "channels_unapproved": "Accounts or sites without SLT approval",
    # devices
    "devices": "Devices in use", "unencrypted": "Not encrypted",
    "antivirus_out_of_date": "Anti-virus out of date",
    "unchecked_for_a_year": "Not checked for a year", "overdue_loans": "Loans overdue",
    "returned_without_data_removed": "Returned without personal data removed",
    "software_waiting": "Software waiting for approval",
    "byod_agreements": "Own-device agreements in force",
}


def _label(key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    if key.startswith("no_consent_"):
        code = key.removeprefix("no_consent_")
        try:
            from esafety.consent.models import PURPOSE_LABELS
        except ImportError:
            PURPOSE_LABELS = {}
        purpose = str(PURPOSE_LABELS.get(code, code.replace("_", " ")))
        return f"Pupils without consent: {purpose[:1].lower()}{purpose[1:]}"
    words = key.replace("_", " ")
    return words[:1].upper() + words[1:]


def _dict_rows(found: dict) -> list[tuple[str, int]]:
    return [(_label(str(k)), int(v)) for k, v in found.items() if isinstance(v, int)]


def _optional(module: str, name: str, *args: Any) -> Any:
    """Another area's summary, or None when that area is not built (yet)."""
    try:
        function: Callable = getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None
    try:
        with transaction.atomic():  # a failure must not spoil the rest of the pack
            return function(*args)
    except (ImportError, AttributeError, LookupError):
        return None  # the area is there but not (yet) what this reads
    except Exception:  # one area's fault leaves its section "could not be read", not a 500
        log.exception("governors' pack: %s.%s failed", module, name)
        return "failed"


def _from_area(key: str, title: str, intro: str, module: str, name: str, school) -> Section:
    found = _optional(module, name, school)
    section = Section(key, title, intro=intro)
    if found == "failed":
        section.missing = "Could not be read: the service operator has been told (logged)."
    elif not isinstance(found, dict):
        section.missing = NOT_RECORDED
    else:
        section.tables.append(Table(title, _dict_rows(found)))
    return section


def _standards(school) -> Section:
    found = _optional("esafety.standards.selectors", "status", school)
    section = Section("standards", "DfE filtering and monitoring standards",
                      intro="Each standard as met, due or missing, as at today, and why.")
    if found == "failed":
        section.missing = "Could not be read: the service operator has been told (logged)."
    elif isinstance(found, list) and found:
        for item in found:
            words = getattr(item, "words", None) or str(getattr(item, "status", ""))
            section.lines.append(f"{getattr(item, 'title', item)}: {words}. "
                                 f"{getattr(item, 'says', '')}".strip())
        statuses = Counter(str(getattr(item, "words", "")) for item in found)
        section.standards = [(words, statuses[words]) for words in ("Met", "Due", "Missing")]
    else:
        section.missing = NOT_RECORDED
    return section


def build_pack(*, school, start: datetime.date, end: datetime.date) -> Pack:
    """The pack for `school` over `start`..`end` (InvalidInput for a period that could
    single someone out: the governors' report's rule)."""
    report = build_report(school=school, start=start, end=end)
    since, until = _window(start, end)
    sections = [
        _incidents(report),
        _concerns(school, since, until),
        _filtering(school, since, until),
        _aup(school),
        _from_area("training", "Training coverage",
                   "Online-safety training required by role, as at today.",
                   "esafety.training.selectors", "coverage_summary", school),
        _reviews(school),
        _from_area("consent", "Consent exceptions",
                   "Pupils who must not appear, items to take down, accounts without "
                   "approval, as at today.", "esafety.consent.selectors",
                   "exceptions_summary", school),
        _from_area("devices", "Device and software exceptions",
                   "School devices and software that need attention, as at today.",
                   "esafety.devices.selectors", "exceptions_summary", school),
        _standards(school),
    ]
    return Pack(school=school, start=report.start, end=report.end, incidents=report,
                sections=sections, made_at=timezone.localtime())
