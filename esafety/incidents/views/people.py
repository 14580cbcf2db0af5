"""The people in a case and their parts, and the ratings and sanctions of those alleged."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect

from esafety.errors import EsafetyError
from esafety.incidents import access, actions, forms, rules, selectors
from esafety.incidents.models import Incident, Rating
from esafety.incidents.views.case import render_detail, team_post
from esafety.incidents.views.common import attempt, done, incident_url, succeeded
from esafety.web.requests import SignedInRequest


@team_post
def rate(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.RatingForm(request.POST, people=selectors.alleged_of(incident))
    if form.is_valid() and succeeded(form, lambda: actions.misuse_rate(
            actor=request.user, incident=incident, person=form.cleaned_data["person"],
            rating=form.cleaned_data["rating"], dimensions=form.dimensions(),
            factors=form.factors())):
        return done(request, incident, "Rating recorded. The policy's sanctions are shown.",
                     "#sanctions")
    return render_detail(request, incident, level, status=400, rating_form=form)


@team_post
def sanction(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.SanctionForm(request.POST, people=selectors.alleged_of(incident),
                              can_override=access.can_override_sanction(request.user, incident))
    if form.is_valid():
        data = form.cleaned_data
        made = attempt(form, lambda: actions.sanction_record(
            actor=request.user, incident=incident, person=data["person"], kind=data["kind"],
            reasons=data["reasons"], starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
            override_reason=data.get("override_reason", "")))
        if made:
            extra = f" {made.enforcement}." if made.enforcement else ""
            if made.override_reason:
                extra += " Recorded as a headteacher's override, with your reasons."
            return done(request, incident, f"Sanction recorded.{extra}", "#sanctions")
    return render_detail(request, incident, level, status=400, sanction_form=form)


@team_post
def rating_withdraw(request: SignedInRequest, incident: Incident, level: str, rating_pk: int) -> HttpResponse:
    chosen = selectors.case_row(Rating, incident, rating_pk)
    form = forms.RatingWithdrawForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.rating_withdraw(
            actor=request.user, rating=chosen, reason=form.cleaned_data["reason"])):
        return done(request, incident, "Rating withdrawn. It is kept in the record.",
                     "#sanctions")
    messages.error(request, form.non_field_errors().as_text().lstrip("* ")
                   or "Say why the rating is withdrawn.")
    return redirect(f"{incident_url(incident)}#sanctions")


@team_post
def involvement(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    """Add someone to the case with a part, or change the part of someone already on it."""
    form = forms.InvolvementForm(request.POST, people=selectors.school_people(
        incident.school))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.involvement_set(actor=request.user, incident=incident, person=data["person"],
                                    part=data["part"], reason=data.get("reason", ""))
            return done(request, incident, f"{data['person'].display_name}: "
                         f"{rules.PART_LABELS[data['part']].lower()}.", "#people")
        except EsafetyError as exc:
            form.add_error(None, str(exc))
    return render_detail(request, incident, level, status=400, part_form=form)


@team_post
def involvement_remove(request: SignedInRequest, incident: Incident, level: str, person_pk: int) -> HttpResponse:
    person = selectors.school_person(incident.school, person_pk)
    form = forms.InvolvementRemoveForm(request.POST)
    if form.is_valid():
        try:
            actions.involvement_remove(actor=request.user, incident=incident, person=person,
                                       reason=form.cleaned_data["reason"])
            return done(request, incident, f"{person.display_name} was taken off the case. "
                         "This is kept in the record.", "#people")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Say why this person is taken off the case.")
    return redirect(f"{incident_url(incident)}#people")
