"""The investigation on a case: who investigates and who may read it, the allegation's
subject, police matters, the judgement, closing and reopening, and takedown requests."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from esafety.errors import EsafetyError
from esafety.incidents import access, actions, forms, selectors
from esafety.incidents.models import Incident, TakedownRequest
from esafety.incidents.views.case import render_detail, team_post
from esafety.incidents.views.common import done, incident_url, succeeded
from esafety.web.requests import SignedInRequest


@team_post
def investigator_add(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.PersonForm(request.POST, queryset=selectors.school_people(incident.school),
                            label="Name an investigator (senior staff)", prefix="investigator")
    if form.is_valid() and succeeded(form, lambda: actions.investigator_add(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        return done(request, incident, f"{form.cleaned_data['person'].display_name} is now an "
                     "investigator.", "#investigation")
    return render_detail(request, incident, level, status=400, investigator_form=form)


@team_post
def viewer_add(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.PersonForm(request.POST, queryset=selectors.school_people(incident.school),
                            label="Let a senior colleague read it", prefix="viewer")
    if form.is_valid() and succeeded(form, lambda: actions.allegation_viewer_add(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        return done(request, incident, "Access given.", "#access")
    return render_detail(request, incident, level, status=400, viewer_form=form)


@team_post
def subject(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.PersonForm(request.POST, queryset=selectors.school_people(incident.school),
                            prefix="subject", label="Which member of staff is it about?")
    if form.is_valid() and succeeded(form, lambda: actions.allegation_subject_set(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        if access.access_level(request.user, incident) == access.TEAM:
            return done(request, incident, "Recorded as an allegation about a member of staff.")
        messages.success(request, f"{incident.reference} has been passed on as an allegation "
                         "about a member of staff. Only its owner and the people they add can "
                         "see it now.")
        return redirect("incidents:home")
    return render_detail(request, incident, level, status=400, subject_form=form)


@team_post
def police(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.PoliceMattersForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.police_matters_set(
            actor=request.user, incident=incident, matters=form.cleaned_data["matters"])):
        return done(request, incident, "Recorded.", "#investigation")
    return render_detail(request, incident, level, status=400, police_form=form)


@team_post
def judge(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.JudgementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.incident_judge(
                actor=request.user, incident=incident, outcome=data["outcome"],
                reasons=data["reasons"], police_override_reason=data["police_override_reason"],
                seen=data.get("seen") or None)
            return done(request, incident, "Judgement recorded.", "#judgement")
        except EsafetyError as exc:
            incident.refresh_from_db()
            if exc.code == "judgement-conflict":
                # Keep their words; the page now shows the other judgement above them.
                values = request.POST.copy()
                values["judgement-seen"] = selectors.judgement_seal(incident)
                form = forms.JudgementForm(values)
                form.is_valid()
            form.add_error(None, str(exc))
            return render_detail(request, incident, level,
                                  status=409 if exc.code == "judgement-conflict" else 400,
                                  judgement_form=form)
    return render_detail(request, incident, level, status=400, judgement_form=form)


@team_post
def close(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.CloseForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.incident_close(
            actor=request.user, incident=incident)):
        return done(request, incident, f"{incident.reference} is closed.")
    return render_detail(request, incident, level, status=400, close_form=form)


@team_post
def reopen(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.ReopenForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.incident_reopen(
            actor=request.user, incident=incident, reason=form.cleaned_data["reason"])):
        return done(request, incident, f"{incident.reference} is open again.")
    return render_detail(request, incident, level, status=400, reopen_form=form)


@team_post
def takedown_add(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.TakedownForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if succeeded(form, lambda: actions.takedown_request(
                actor=request.user, incident=incident, target=data["target"],
                target_name=data["target_name"], sent_on=data["sent_on"], url=data.get("url", ""),
                notes=data.get("notes", ""))):
            return done(request, incident, "Takedown request recorded.", "#takedowns")
    return render_detail(request, incident, level, status=400, takedown_form=form)


@team_post
def takedown_update(request: SignedInRequest, incident: Incident, level: str, takedown_pk: int) -> HttpResponse:
    request_row = selectors.case_row(TakedownRequest, incident, takedown_pk)
    form = forms.TakedownOutcomeForm(request.POST)
    if form.is_valid():
        try:
            actions.takedown_update(actor=request.user, request=request_row,
                                    outcome=form.cleaned_data["outcome"],
                                    outcome_on=form.cleaned_data["outcome_on"],
                                    notes=form.cleaned_data.get("notes", ""))
            return done(request, incident, "Outcome recorded.", "#takedowns")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose an outcome and a date that is not in the future.")
    return redirect(f"{incident_url(incident)}#takedowns")
