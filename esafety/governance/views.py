"""The governors' pack: on screen, and as a PDF (a POST, because each download is recorded)."""

from __future__ import annotations

import datetime
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.errors import EsafetyError
from esafety.governance import actions
from esafety.governance.pack import build_pack
from esafety.incidents import forms as incident_forms
from esafety.incidents.report import MIN_PERIOD_DAYS
from esafety.web.requests import SignedInRequest

# A term is about 13 weeks.
TERM_DAYS = 91


def _school(request: SignedInRequest):
    permissions.require(request.user, "view_governors_pack", hide=True)
    school = getattr(request.user, "school", None)
    if school is None:
        raise Http404("not available")
    return school


def _form(data) -> incident_forms.ReportRangeForm:
    today = timezone.localdate()
    values: dict[str, object] = {
        "start": (today - datetime.timedelta(days=max(TERM_DAYS, MIN_PERIOD_DAYS) - 1))
        .isoformat(), "end": today.isoformat()}
    values.update({k: v for k, v in data.items() if k in ("start", "end")})
    return incident_forms.ReportRangeForm(values)


@login_required
def pack(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = _form(request.GET)
    found = None
    if form.is_valid():
        found = build_pack(school=school, start=form.cleaned_data["start"],
                           end=form.cleaned_data["end"])
    return render(request, "governance/pack.html", {
        "form": form, "pack": found,
        "query": urlencode({"start": form.data.get("start"), "end": form.data.get("end")}),
    }, status=200 if form.is_valid() else 400)


@login_required
@require_POST
def pack_pdf(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = _form(request.POST)
    if not form.is_valid():
        return render(request, "governance/pack.html", {"form": form, "pack": None},
                      status=400)
    try:
        name, data = actions.pack_download(actor=request.user, school=school,
                                           start=form.cleaned_data["start"],
                                           end=form.cleaned_data["end"])
    except EsafetyError as error:
        form.add_error(None, str(error))
        return render(request, "governance/pack.html", {"form": form, "pack": None},
                      status=400)
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
