"""One case's page: what each person may see of it, built panel by panel, and the changes
made to its details (edit, note, acknowledge), its letters and its printed record."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.concerns import access as concern_access
from esafety.directory.models import Person
from esafety.errors import EsafetyError
from esafety.incidents import access, actions, forms, rules, selectors
from esafety.incidents.models import Incident, Sanction
from esafety.incidents.pdf import letter_pdf, record_pdf
from esafety.incidents.views.common import done, incident_url, succeeded
from esafety.notices import selectors as notice_selectors
from esafety.policies.middleware import behind_gate, gate_redirect, open_to_reporters
from esafety.web.requests import SignedInRequest

Bound = dict[str, Any]  # forms posted back with their errors, by the name the page uses


def _reporter_page(request: SignedInRequest, incident: Incident, status: int,
                   bound: Bound) -> HttpResponse:
    """A reporter sees the status of their own report and may add evidence, nothing more."""
    context = {
        "incident": incident,
        "my_evidence": selectors.evidence_added_by(incident, request.user),
        "evidence_form": bound.get("evidence_form")
                         or forms.EvidenceForm(incident=incident, team=False),
        "image_steps": rules.IMAGE_STEPS,
        "kind_plain": dict(rules.PUPIL_TYPE_CHOICES).get(incident.kind, ""),
    }
    return render(request, "incidents/status.html", context, status=status)


def _edit_initial(incident: Incident) -> dict[str, Any]:
    return {"version": incident.version, "kind": incident.kind, "summary": incident.summary,
            "description": incident.description,
            "occurred_at": timezone.localtime(incident.occurred_at) if incident.occurred_at
            else None,
            "location": incident.location, "designated_computer": incident.designated_computer}


def details_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    return {
        "edit_form": bound.get("edit_form") or forms.EditForm(initial=_edit_initial(incident)),
        "note_form": bound.get("note_form") or forms.NoteForm(),
        "alert_failed": selectors.failed_alert(incident),
        # The concern(s) this case came from, for those who may see concerns.
        "from_concerns": (list(incident.concerns.order_by("raised_at", "pk"))
                          if concern_access.may_view(user, incident.school) else []),
        "events": selectors.history(incident),
        "image_steps": rules.IMAGE_STEPS,
    }


def people_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    return {
        "parts": selectors.parts_of(incident),
        "part_choices": rules.PARTS,
        "part_form": bound.get("part_form") or forms.InvolvementForm(
            people=selectors.part_choices(incident)),
    }


def evidence_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    return {
        "evidence_rows": selectors.evidence_rows(incident),
        "evidence_form": bound.get("evidence_form") or forms.EvidenceForm(incident=incident),
    }


def casework_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    can_assign = access.can_assign_owner(user, incident) and not incident.is_closed
    choices = access.owner_choices(incident) if can_assign else []
    return {
        "can_assign_owner": can_assign,
        "owner_form": bound.get("owner_form") or forms.OwnerForm(
            queryset=Person.objects.filter(pk__in=[p.pk for p in choices]),
            initial={"person": incident.owner_id}),
        "next_form": bound.get("next_form") or forms.NextActionForm(
            initial={"action": incident.next_action, "due": incident.next_action_due}),
    }


def investigation_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    investigators = selectors.investigators(incident)
    return {
        "investigators": investigators,
        "viewers": selectors.viewers(incident),
        "can_name_investigators": access.can_name_investigators(user, incident),
        "can_name_subject": (not incident.is_allegation and not incident.is_closed
                             and access.is_leader(user)),
        "is_owner": access.is_allegation_owner(user, incident),
        "is_investigator": investigators.filter(person=user).exists(),
        "subject_form": bound.get("subject_form") or forms.PersonForm(
            queryset=selectors.allegation_subject_choices(incident), prefix="subject",
            label="Which member of staff is it about?"),
        "investigator_form": bound.get("investigator_form") or forms.PersonForm(
            queryset=selectors.investigator_choices(incident),
            label="Name an investigator (senior staff)", prefix="investigator"),
        "viewer_form": bound.get("viewer_form") or forms.PersonForm(
            queryset=access.viewer_choices(incident),
            label="Let a senior colleague read it (they can change nothing unless you name "
                  "them an investigator)", prefix="viewer"),
        "police_form": bound.get("police_form") or forms.PoliceMattersForm(
            initial={"matters": incident.police_matters}),
    }


def judgement_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    return {
        "closing_problems": selectors.closing_problems(incident),
        "judgement_form": bound.get("judgement_form") or forms.JudgementForm(
            initial={"outcome": incident.outcome, "reasons": incident.outcome_reasons,
                     "seen": selectors.judgement_seal(incident)}),
        "close_form": bound.get("close_form") or forms.CloseForm(),
        "reopen_form": bound.get("reopen_form") or forms.ReopenForm(),
    }


def sanctions_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    alleged = selectors.alleged_of(incident)
    return {
        "alleged": alleged,
        "ratings": selectors.ratings_for_page(incident),
        "sanctions": selectors.sanctions(incident),
        "ratings_guide": [dict(r, staff_labels=[label for _, label in rules.sanction_range(
            r["code"], for_pupil=False)]) for r in rules.RATINGS],
        "rating_form": bound.get("rating_form") or forms.RatingForm(people=alleged),
        "sanction_form": bound.get("sanction_form") or forms.SanctionForm(
            people=alleged, can_override=access.can_override_sanction(user, incident)),
    }


def takedowns_panel(user: Person, incident: Incident, bound: Bound) -> dict[str, Any]:
    return {
        "takedowns": selectors.takedowns(incident),
        "takedown_form": bound.get("takedown_form") or forms.TakedownForm(
            initial={"sent_on": timezone.localdate()}),
        "takedown_outcomes": rules.TAKEDOWN_OUTCOMES,
    }


PANELS: list[Callable[[Person, Incident, Bound], dict[str, Any]]] = [
    details_panel, casework_panel, people_panel, evidence_panel, investigation_panel,
    judgement_panel, sanctions_panel, takedowns_panel]


def render_detail(request: SignedInRequest, incident: Incident, level: str | None,
                  status: int = 200, **bound: Any) -> HttpResponse:
    """The case page as `level` may see it; `bound` holds posted forms with their errors."""
    if level == access.REPORTER:
        return _reporter_page(request, incident, status, bound)
    context: dict[str, Any] = {
        "incident": incident,
        "can_act": level == access.TEAM,
        "is_viewer": level == access.VIEWER,
        "conflict": bound.get("conflict"),
        # Who was told about the case (notices), for whoever may see the case.
        "told": notice_selectors.about("incident", incident.pk),
        "told_about": ("incident", incident.pk),
    }
    for panel in PANELS:
        context.update(panel(request.user, incident, bound))
    return render(request, "incidents/detail.html", context, status=status)


@open_to_reporters
@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    incident, level = access.get_incident_for_user(request.user, pk)
    if behind_gate(request):
        # Not yet accepted the AUP: the status of their own report, no staff work.
        if incident.reported_by_id != request.user.pk:
            return gate_redirect(request)
        level = access.REPORTER
    actions.incident_viewed(actor=request.user, incident=incident, what=level)
    return render_detail(request, incident, level)


READ_ONLY = ("You can read this allegation but not change it. Ask the headteacher (or the chair "
             "of governors) to name you as an investigator if you need to act on it.")


def team_post(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """POST-only, on an incident the user works on; a refused action re-renders the page."""

    @login_required
    @require_POST
    def wrapped(request: SignedInRequest, pk: int, *args: Any, **kwargs: Any) -> HttpResponse:
        incident, level = access.get_incident_for_user(request.user, pk, team=True)
        if level == access.VIEWER:
            # Read-only access to an allegation: the page says so and nothing changes.
            messages.error(request, READ_ONLY)
            return render_detail(request, incident, level, status=403)
        return view(request, incident, level, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@team_post
def edit(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.EditForm(request.POST)
    if form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        try:
            actions.incident_edit(actor=request.user, incident=incident, expected_version=version,
                                  **data)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
            incident.refresh_from_db()
            conflict = exc.code == "edit-conflict"
            if conflict:
                # Keep their words, but move the form onto the current version.
                values = request.POST.copy()
                values["edit-version"] = str(incident.version)
                form = forms.EditForm(values)
                form.is_valid()
                form.add_error(None, str(exc))
            return render_detail(request, incident, level, status=409 if conflict else 400,
                                  edit_form=form, conflict=incident if conflict else None)
        return done(request, incident, "Details saved.", "#details")
    return render_detail(request, incident, level, status=400, edit_form=form)


@team_post
def note(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    form = forms.NoteForm(request.POST)
    if form.is_valid() and succeeded(form, lambda: actions.incident_note(
            actor=request.user, incident=incident, text=form.cleaned_data["text"])):
        return done(request, incident, "Note added.", "#history")
    return render_detail(request, incident, level, status=400, note_form=form)


@login_required
def letter(request: SignedInRequest, pk: int, sanction_pk: int) -> HttpResponse:
    incident, _ = access.get_incident_for_user(request.user, pk, team=True)
    chosen = selectors.case_row(Sanction, incident, sanction_pk)
    if not chosen.person.is_pupil:
        raise Http404("letters to parents are for pupils' sanctions")
    try:
        data = letter_pdf(chosen)
    except EsafetyError as exc:
        messages.error(request, str(exc))
        return redirect(f"{incident_url(incident)}#sanctions")
    actions.incident_viewed(actor=request.user, incident=incident, what=f"letter {chosen.pk}")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = (f'attachment; filename="letter-{incident.reference}-'
                                       f'{chosen.pk}.pdf"')
    return response


@login_required
def record(request: SignedInRequest, pk: int) -> HttpResponse:
    """The whole record as a PDF for the investigating group to print, sign and keep (002)."""
    incident, _ = access.get_incident_for_user(request.user, pk, team=True)
    actions.incident_viewed(actor=request.user, incident=incident, what="record pdf")
    response = HttpResponse(record_pdf(incident, printed_by=request.user),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@team_post
def acknowledge(request: SignedInRequest, incident: Incident, level: str) -> HttpResponse:
    try:
        actions.incident_acknowledge(actor=request.user, incident=incident)
        messages.success(request, "Acknowledged: the reporter now sees it is being looked into.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect(incident_url(incident))
