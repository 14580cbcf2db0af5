"""Who owns a case, and its next action with the date it is due."""

from __future__ import annotations

from django.http import HttpResponse

from esafety.incidents import actions, forms, selectors
from esafety.incidents.models import Incident
from esafety.incidents.views.case import render_detail, team_post
from esafety.incidents.views.common import done, succeeded
from esafety.web.requests import SignedInRequest


@team_post
def owner(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.OwnerForm(request.POST, queryset=selectors.school_people(incident.school))
    if form.is_valid() and succeeded(form, lambda: actions.case_owner_set(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        person = form.cleaned_data["person"]
        return done(request, incident, f"{person.display_name} now owns the case."
                    if person is not None else "Nobody owns the case now.", "#casework")
    return render_detail(request, incident, level, status=400, owner_form=form)


@team_post
def next_action(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.NextActionForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.next_action_set(
            actor=request.user, incident=incident, action=form.cleaned_data["action"],
            due=form.cleaned_data["due"], reason=form.cleaned_data["reason"])):
        return done(request, incident, "Next action recorded." if form.cleaned_data["due"]
                    else "No next action is due now.", "#casework")
    return render_detail(request, incident, level, status=400, next_form=form)
