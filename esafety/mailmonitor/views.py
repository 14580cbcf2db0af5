"""Captured mail, one captured message, authorising a reviewer to read a private one, and
the monitoring settings. Thin: check, validate, fetch through access, act, render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from esafety.directory import permissions
from esafety.errors import EsafetyError
from esafety.mailmonitor import access, actions, forms, storage
from esafety.mailmonitor.models import CapturedMessage
from esafety.web.requests import SignedInRequest

MAX_SHOWN = 200_000  # bytes of a captured message shown on its page


@login_required
def captured_list(request: SignedInRequest) -> HttpResponse:
    school = access.require_reviewer(request.user)
    page = Paginator(CapturedMessage.objects.filter(school=school), 50).get_page(
        request.GET.get("page"))
    rows = list(page.object_list)
    actions.captured_mail_list_view(actor=request.user, school=school, captured=rows)
    return render(request, "mailmonitor/list.html", {
        "page": page, "rows": [(row, actions.content_visible(row, request.user)) for row in rows],
        "settings": actions.settings_for(school),
        "may_change_settings": permissions.allowed(request.user, "manage_mail_monitoring",
                                                   school)})


@login_required
def captured_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    captured = access.get_captured_for_user(request.user, pk)
    shown = actions.captured_message_view(actor=request.user, captured=captured)
    whole = ""
    if shown and captured.evidence_file:
        raw = storage.read(captured.school.slug, captured.evidence_file, MAX_SHOWN)
        whole = raw.decode("utf-8", "replace") if raw is not None else ""
    return render(request, "mailmonitor/detail.html", {
        "captured": captured, "shown": shown, "whole": whole,
        "may_authorise": actions.may_authorise(request.user, captured.school),
        "authorisations": captured.authorisations.select_related("granted_by"),
        "form": forms.AuthoriseForm()})


@login_required
def authorise(request: SignedInRequest, pk: int) -> HttpResponse:
    user = request.user
    captured = (CapturedMessage.objects.filter(pk=pk, school_id=user.school_id).first()
                if user.school_id is not None else None)
    if captured is None or not captured.private or not actions.may_authorise(user,
                                                                            captured.school):
        raise Http404
    form = forms.AuthoriseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.content_authorise(actor=user, captured=captured,
                                      reasons=form.cleaned_data["reasons"])
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Recorded: reviewers may now read this message.")
            return redirect("mailmonitor:authorise", pk=captured.pk)
    return render(request, "mailmonitor/authorise.html", {
        "captured": captured, "form": form,
        "authorisations": captured.authorisations.select_related("granted_by")},
        status=400 if request.method == "POST" and form.errors else 200)


@login_required
def monitor_settings(request: SignedInRequest) -> HttpResponse:
    school = access.require_settings(request.user)
    current = actions.settings_for(school)
    form = forms.MonitorSettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        try:
            actions.monitor_settings_change(
                actor=request.user, school=school,
                evidence_capture=form.cleaned_data["evidence_capture"],
                retention_days=form.cleaned_data["retention_days"],
                private_markers=form.cleaned_data["private_markers"])
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Mail monitoring settings saved.")
            return redirect("mailmonitor:settings")
    return render(request, "mailmonitor/settings.html", {"form": form, "current": current},
                  status=400 if request.method == "POST" and form.errors else 200)
