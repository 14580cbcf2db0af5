"""The governors' report: the school year's incidents in numbers, on screen, CSV or PDF."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from esafety.incidents import access, forms
from esafety.incidents.pdf import report_pdf
from esafety.incidents.report import MIN_PERIOD_DAYS, bar_chart_svg, build_report, report_csv
from esafety.web.requests import SignedInRequest


@login_required
def governors_report(request: SignedInRequest) -> HttpResponse:
    if not access.can_read_governors_report(request.user):
        raise Http404("not available")
    today = timezone.localdate()
    school = request.user.school
    if school is None:  # not reached: only someone in a school may read the report
        raise Http404("not available")
    # The school year so far, or the last half term early in the year (no shorter report).
    start = min(school.school_year_start(today),
                today - datetime.timedelta(days=MIN_PERIOD_DAYS - 1))
    values: dict[str, object] = {"start": start.isoformat(), "end": today.isoformat()}
    values.update({k: v for k, v in request.GET.items() if k in ("start", "end")})
    form = forms.ReportRangeForm(values)
    report = None
    if form.is_valid():
        report = build_report(school=school, start=form.cleaned_data["start"],
                              end=form.cleaned_data["end"])
        wanted = request.GET.get("format")
        name = f"incidents-{school.slug}-{report.start}-{report.end}"
        if wanted == "csv":
            response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
            return response
        if wanted == "pdf":
            response = HttpResponse(report_pdf(report), content_type="application/pdf")
            response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
            return response
    charts = [(title, rows, bar_chart_svg(rows)) for title, rows in report.sections()] \
        if report else []
    return render(request, "incidents/governors_report.html",
                  {"form": form, "report": report, "charts": charts,
                   "query": urlencode({"start": values["start"], "end": values["end"]})},
                  status=200 if form.is_valid() else 400)
