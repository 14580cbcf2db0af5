"""The governors' report (002: the governing body receives regular reports).

Anonymised: counts only, never a name, a reference or a description. The same figures
feed the screen, the CSV and the PDF. So that nobody can be picked out of it, a report
covers at least a half term, never ends in the future, and every count under 5 is shown
as "fewer than 5" (the raw numbers stay inside this module and never reach a page or file).
"""

import datetime
import io
import statistics
from dataclasses import dataclass, field

from django.utils import timezone

from esafety.incidents import rules
from esafety.incidents.models import Incident
from esafety.web import csvsafe

RATING_ORDER = [rules.GROSS, rules.SERIOUS, rules.MILD]
# A half term is about six weeks: a shorter window could describe one child's incident.
MIN_PERIOD_DAYS = 42
EARLIEST_START = datetime.date(2000, 1, 1)
# Counts below this are shown as FEWER_THAN, whatever the format.
SMALL_COUNT = 5
FEWER_THAN = f"fewer than {SMALL_COUNT}"


def shown(count: int) -> int | str:
    """What a governor sees for a count: the number, or "fewer than 5"."""
    return FEWER_THAN if count < SMALL_COUNT else count


def period_problem(start: datetime.date, end: datetime.date,
                   today: datetime.date | None = None) -> str | None:
    """Why this period cannot be reported on, in plain words; None when it can."""
    today = today or timezone.localdate()
    if end < start:
        return "The end date is before the start date."
    if end > today:
        return f"The report cannot end after today ({today:%d %B %Y})."
    if start < EARLIEST_START:
        return f"The start date is too long ago: choose {EARLIEST_START:%d %B %Y} or later."
    if (end - start).days + 1 < MIN_PERIOD_DAYS:
        latest = end - datetime.timedelta(days=MIN_PERIOD_DAYS - 1)
        return (f"A governors' report covers at least a half term ({MIN_PERIOD_DAYS // 7} "
                "weeks), so that no child or member of staff can be picked out of it. Choose a "
                f"start date on or before {latest:%d %B %Y}, or a later end date.")
    return None
RESPONSE_BUCKETS = [
    ("within 1 hour", 1), ("1 to 24 hours", 24), ("1 to 3 days", 72), ("over 3 days", None)]


@dataclass
class GovernorsReport:
    school: object
    start: datetime.date
    end: datetime.date
    total: int = 0
    open: int = 0
    closed: int = 0
    police_referrals: int = 0
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_month: list[tuple[str, int]] = field(default_factory=list)
    by_outcome: list[tuple[str, int]] = field(default_factory=list)
    by_rating: list[tuple[str, int]] = field(default_factory=list)
    by_response: list[tuple[str, int]] = field(default_factory=list)
    median_response_hours: float | None = None
    mean_response_hours: float | None = None

    @property
    def median_response_text(self) -> str:
        if self.median_response_hours is None:
            return "no responses yet"
        if self.median_response_hours < 1:
            return f"{round(self.median_response_hours * 60)} minutes"
        return f"{self.median_response_hours} hours"

    @property
    def median_response_shown(self) -> str:
        if self.total < SMALL_COUNT and self.median_response_hours is not None:
            return f"not shown ({FEWER_THAN} incidents)"
        return self.median_response_text

    def summary(self) -> list[tuple[str, int | str]]:
        """The headline figures as a governor sees them."""
        return [("Incidents reported", shown(self.total)), ("Still open", shown(self.open)),
                ("Closed", shown(self.closed)),
                ("Marked for police referral", shown(self.police_referrals))]

    def sections(self):
        """Each section's rows as a governor sees them (small counts not shown)."""
        return [(title, [(label, shown(count)) for label, count in rows])
                for title, rows in self._raw_sections()]

    def _raw_sections(self):
        return [("Incidents by type", self.by_type), ("Incidents by month", self.by_month),
                ("Outcome", self.by_outcome), ("Rating of misuse (004 Appendix I)", self.by_rating),
                ("Time to first response", self.by_response)]


def _months(start: datetime.date, end: datetime.date) -> list[str]:
    months, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        months.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def build_report(*, school, start: datetime.date, end: datetime.date) -> GovernorsReport:
    problem = period_problem(start, end)
    if problem:
        from esafety.errors import InvalidInput

        raise InvalidInput(problem, code="bad-period")
    tz = timezone.get_current_timezone()
    since = datetime.datetime.combine(start, datetime.time.min, tzinfo=tz)
    until = datetime.datetime.combine(end + datetime.timedelta(days=1), datetime.time.min,
                                      tzinfo=tz)
    incidents = list(Incident.objects.filter(school=school, reported_at__gte=since,
                                             reported_at__lt=until)
                     .prefetch_related("ratings"))
    report = GovernorsReport(school=school, start=start, end=end, total=len(incidents))
    report.closed = sum(1 for i in incidents if i.is_closed)
    report.open = report.total - report.closed
    report.police_referrals = sum(1 for i in incidents if i.police_referral)
    report.by_type = [(label, sum(1 for i in incidents if i.kind == code))
                      for code, label in rules.TYPE_CHOICES]
    months = {m: 0 for m in _months(start, end)}
    for i in incidents:
        months[timezone.localtime(i.reported_at).strftime("%Y-%m")] += 1
    report.by_month = [(datetime.date(int(m[:4]), int(m[5:]), 1).strftime("%B %Y"), n)
                       for m, n in months.items()]
    report.by_outcome = [(label, sum(1 for i in incidents if i.outcome == code))
                         for code, label in rules.OUTCOME_CHOICES]
    report.by_outcome.append(("Not yet judged", sum(1 for i in incidents if not i.outcome)))
    # The most severe rating recorded in each incident (a withdrawn rating no longer counts).
    worst = []
    for i in incidents:
        given = {r.rating for r in i.ratings.all() if r.withdrawn_at is None}
        worst.append(next((code for code in RATING_ORDER if code in given), None))
    report.by_rating = [(rules.RATING_BY_CODE[c]["label"], worst.count(c)) for c in RATING_ORDER]
    report.by_rating.append(("Not rated", worst.count(None)))
    hours = [(i.first_response_at - i.reported_at).total_seconds() / 3600
             for i in incidents if i.first_response_at]
    counts = []
    lower = 0
    for label, upper in RESPONSE_BUCKETS:
        counts.append((label, sum(1 for h in hours if h >= lower and (upper is None or h < upper))))
        lower = upper or lower
    counts.append(("no response yet", report.total - len(hours)))
    report.by_response = counts
    if hours:
        report.median_response_hours = round(statistics.median(hours), 2)
        report.mean_response_hours = round(statistics.fmean(hours), 1)
    return report


def report_csv(report: GovernorsReport) -> str:
    out = io.StringIO()
    writer = csvsafe.writer(out)  # formula-safe cells
    writer.writerow(["section", "category", "count"])
    writer.writerow(["summary", "total", shown(report.total)])
    writer.writerow(["summary", "open", shown(report.open)])
    writer.writerow(["summary", "closed", shown(report.closed)])
    writer.writerow(["summary", "marked for police referral", shown(report.police_referrals)])
    median: float | str | None = report.median_response_hours
    if median is not None and report.total < SMALL_COUNT:
        median = f"not shown ({FEWER_THAN} incidents)"
    writer.writerow(["summary", "median hours to first response", "" if median is None else median])
    for title, rows in report.sections():
        for label, count in rows:
            writer.writerow([title, label, count])
    return out.getvalue()


def bar_chart_svg(rows: list[tuple[str, int | str]], *, width: int = 720) -> str:
    """A horizontal bar chart as inline SVG: no scripts, no external assets, prints well.

    A count shown as words ("fewer than 5") gets no bar, so its length cannot tell it.
    """
    from django.utils.html import escape

    bar_h, gap, label_w = 18, 6, 360
    height = len(rows) * (bar_h + gap) + gap
    top = max([n for _, n in rows if isinstance(n, int)] + [1])
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-hidden="true" class="chart">']
    for index, (label, count) in enumerate(rows):
        y = gap + index * (bar_h + gap)
        length = int((width - label_w - 50) * count / top) if isinstance(count, int) else 0
        parts.append(f'<text x="{label_w - 8}" y="{y + 13}" text-anchor="end" font-size="11" '
                     f'fill="#1b1f23">{escape(label if len(label) <= 58 else label[:57] + "…")}</text>')
        if isinstance(count, int):
            parts.append(f'<rect x="{label_w}" y="{y}" width="{max(length, 1 if count else 0)}" '
                         f'height="{bar_h}" fill="#0b4f8a"/>')
        parts.append(f'<text x="{label_w + length + 6}" y="{y + 13}" font-size="11" '
                     f'fill="#1b1f23">{escape(count)}</text>')
    parts.append("</svg>")
    return "".join(parts)
