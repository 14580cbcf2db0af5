"""The concerns inbox, one concern's page and what can be done with it, and the emails
that could not be sent. Thin: check, validate, fetch through access/selectors, act."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.concerns import access, actions, forms, rules, selectors
from esafety.concerns.models import Concern
from esafety.directory import permissions
from esafety.errors import EsafetyError
from esafety.incidents import rules as incident_rules
from esafety.notices import selectors as notice_selectors
from esafety.web.requests import SignedInRequest


@login_required
def inbox(request: SignedInRequest) -> HttpResponse:
    school = access.require_inbox(request.user)
    form = forms.InboxFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(selectors.inbox(request.user, **filters), 50).get_page(
        request.GET.get("page"))
    concerns = list(page.object_list)
    actions.concern_list_viewed(actor=request.user, school=school, concerns=concerns,
                                filters=dict(filters))
    return render(request, "concerns/inbox.html", {
        "form": form, "concerns": concerns, "page": page,
        "query": urlencode({k: v for k, v in filters.items() if v}),
        "urgent_waiting": selectors.urgent_waiting(request.user),
        "false_positives": selectors.false_positives_by_rule(school),
        "email_failures": selectors.email_failures(school, limit=5),
    })


def _page(request: SignedInRequest, concern: Concern, *, close_form=None, escalate_form=None,
          status: int = 200) -> HttpResponse:
    may_act = access.may_act(request.user, concern.school)
    return render(request, "concerns/detail.html", {
        "concern": concern, "may_act": may_act,
        "close_form": close_form or forms.CloseForm(),
        "escalate_form": escalate_form or forms.EscalateForm(initial={
            "kind": rules.INCIDENT_KIND_BY_TOPIC.get(concern.topic, incident_rules.OTHER)}),
        "findings": concern.details.get("findings", []),
        "told": notice_selectors.about("concern", concern.pk),
        "told_about": ("concern", concern.pk),
    }, status=status)


@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    concern = access.get_concern_for_user(request.user, pk)
    actions.concern_viewed(actor=request.user, concern=concern)
    return _page(request, concern)


def _acting(request: SignedInRequest, pk: int) -> Concern:
    concern = access.get_concern_for_user(request.user, pk)
    if not access.may_act(request.user, concern.school):
        raise Http404("no such concern")
    return concern


@login_required
@require_POST
def mark_seen(request: SignedInRequest, pk: int) -> HttpResponse:
    concern = _acting(request, pk)
    try:
        actions.concern_mark_seen(actor=request.user, concern=concern)
    except EsafetyError as exc:
        messages.error(request, f"Not changed: {exc.message}.")
    else:
        messages.success(request, f"{concern.reference} is marked as seen.")
    return redirect("concerns:detail", pk=concern.pk)


@login_required
@require_POST
def close(request: SignedInRequest, pk: int) -> HttpResponse:
    concern = _acting(request, pk)
    form = forms.CloseForm(request.POST)
    if form.is_valid():
        try:
            actions.concern_close(actor=request.user, concern=concern,
                                  state=form.cleaned_data["state"],
                                  reason=form.cleaned_data["reason"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{concern.reference} is closed.")
            return redirect("concerns:detail", pk=concern.pk)
    return _page(request, concern, close_form=form, status=400)


@login_required
@require_POST
def escalate(request: SignedInRequest, pk: int) -> HttpResponse:
    concern = _acting(request, pk)
    form = forms.EscalateForm(request.POST)
    if form.is_valid():
        try:
            incident = actions.concern_escalate(actor=request.user, concern=concern,
                                                kind=form.cleaned_data["kind"],
                                                summary=form.cleaned_data["summary"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{concern.reference} is now incident "
                                      f"{incident.reference}; its excerpt is the first "
                                      f"evidence.")
            return redirect("incidents:detail", pk=incident.pk)
    return _page(request, concern, escalate_form=form, status=400)


@login_required
def email_problems(request: SignedInRequest) -> HttpResponse:
    """Emails about concerns that could not be sent: who they were for, when and why, never
    what the concern says (the IT manager sees this without seeing any concern)."""
    permissions.require(request.user, "see_concern_email_failures", hide=True)
    school = request.user.school
    if school is None:
        raise Http404("no such page")
    return render(request, "concerns/email_problems.html", {
        "failures": selectors.email_failures(school),
    })
