"""The incident log (the list of cases), a person's chronology, and the incident settings."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from esafety.concerns import access as concern_access
from esafety.concerns import selectors as concern_selectors
from esafety.concerns.actions import reading as concern_reading
from esafety.incidents import access, actions, forms, rules, selectors
from esafety.incidents.models import STATUS_CHOICES
from esafety.incidents.views.common import succeeded
from esafety.policies.middleware import behind_gate, open_to_reporters
from esafety.web.requests import SignedInRequest

TITLE_CHARS = 60


def cut_at_word(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` if short enough, else cut at the last whole word within `limit`, with "…"."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0] if " " in text[:limit + 1] else text[:limit]
    return cut.rstrip(" ,.;:-") + "…"


@open_to_reporters
@login_required
def home(request: SignedInRequest) -> HttpResponse:
    user = request.user
    if behind_gate(request):
        # Not yet accepted the AUP: their own reports only (nobody is kept from telling us).
        return render(request, "incidents/home.html", {"own": access.own_reports(user),
                                                       "pupil": user.is_pupil})
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    page = Paginator(selectors.case_list(user, status=status, kind=kind), 50).get_page(
        request.GET.get("page"))
    cases = list(page.object_list)
    for case in cases:
        case.short_summary = cut_at_word(case.summary)
    actions.incident_list_viewed(actor=user, incidents=cases)
    return render(request, "incidents/home.html", {
        "own": access.own_reports(user),
        "cases": cases,
        "unalerted": list(selectors.unalerted(access.team_incidents(user))
                          .order_by("reported_at")[:20]),
        "is_team_member": access.is_leader(user) or bool(cases)
                          or access.team_incidents(user).exists(),
        "statuses": STATUS_CHOICES, "kinds": rules.TYPE_CHOICES,
        "status": status, "kind": kind, "page": page,
        "query": urlencode({"status": status, "kind": kind}),
        "can_manage_settings": access.can_manage_settings(user),
        "can_read_report": access.can_read_governors_report(user),
        "can_export": access.can_export_log(user),
        "pupil": user.is_pupil,
    })


@login_required
def chronology(request: SignedInRequest, person_pk: int) -> HttpResponse:
    """Everything recorded about one person that the viewer may see, newest first."""
    person = access.get_person_for_chronology(request.user, person_pk)
    involved, items = selectors.chronology(request.user, person)
    actions.person_chronology_viewed(actor=request.user, person=person, incidents=involved)
    # Their concerns (the DSL's inbox), for those who may see concerns, in the same order.
    concerns = concern_selectors.concerns_for_person(person, request.user)
    if concerns and person.school is not None:
        concern_reading.concern_list_viewed(actor=request.user, school=person.school,
                                            concerns=concerns,
                                            filters={"chronology": str(person.pk)})
    for concern in concerns:
        times = f", {concern.occurrences} times" if concern.occurrences > 1 else ""
        items.append({"at": concern.raised_at, "concern": concern,
                      "what": f"Concern: {concern.rule_title} "
                              f"({concern.get_topic_display()}{times})"})
    items.sort(key=lambda item: item["at"], reverse=True)
    return render(request, "incidents/chronology.html", {
        "person": person, "items": items,
        "show_concerns": concern_access.may_view(request.user, person.school)})


@login_required
def incident_settings(request: SignedInRequest) -> HttpResponse:
    if not access.can_manage_settings(request.user):
        raise Http404("not available")
    school = request.user.school
    if school is None:  # not reached: only someone in a school may manage its settings
        raise Http404("not available")
    conf = access.settings_for(school)
    locked = access.open_allegations_about(request.user).exists()
    form = forms.SettingsForm(request.POST or None, school=school, locked=locked, initial={
        "designated_person": conf.designated_person, "chair_of_governors": conf.chair_of_governors,
        "letter_template": conf.letter_template})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if succeeded(form, lambda: actions.incident_settings_update(
                actor=request.user, school=school, designated_person=data["designated_person"],
                chair_of_governors=data["chair_of_governors"],
                letter_template=data["letter_template"])):
            messages.success(request, "Incident settings saved.")
            return redirect("incidents:settings")
    return render(request, "incidents/settings.html",
                  {"form": form, "conf": conf, "locked": locked},
                  status=400 if form.errors else 200)
