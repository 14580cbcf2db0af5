"""Thin views: check access, validate with a form, call the action, render.

Every incident is fetched through esafety.incidents.access, so "missing" and "not yours"
are the same 404, and every view of an incident is recorded in the audit trail.
"""

import datetime
import logging
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import roles
from esafety.directory.models import Person
from esafety.errors import EsafetyError
from esafety.incidents import access, actions, forms, rules, selectors
from esafety.incidents import evidence as files
from esafety.incidents.models import (
    STATUS_CHOICES,
    Evidence,
    Rating,
    Sanction,
    TakedownRequest,
)
from esafety.incidents.pdf import letter_pdf, record_pdf, report_pdf
from esafety.incidents.report import MIN_PERIOD_DAYS, bar_chart_svg, build_report, report_csv
from esafety.policies.middleware import behind_gate, gate_exempt, gate_redirect, open_to_reporters

log = logging.getLogger(__name__)


def _upload(field) -> tuple[str, bytes] | None:
    if not field:
        return None
    # Never read more than the limit (plus one byte, so the action can say it is too large).
    return field.name, field.read(rules.MAX_EVIDENCE_BYTES + 1)


def _datetime_from_date(value):
    if value is None:
        return None
    return datetime.datetime.combine(value, datetime.time(12, 0),
                                     tzinfo=timezone.get_current_timezone())


def _attempt(form, call):
    """Run an action; its error becomes a message on the form (nothing is saved)."""
    try:
        return call()
    except EsafetyError as exc:
        log.info("incident action refused: %s (%s)", exc, exc.code)
        form.add_error(None, str(exc))
        return None


# --- the list and reporting ----------------------------------------------------------------

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
def home(request):
    user = request.user
    if behind_gate(request):
        # Not yet accepted the AUP: their own reports only (nobody is kept from telling us).
        return render(request, "incidents/home.html", {"own": access.own_reports(user),
                                                       "pupil": user.is_pupil})
    cases = access.team_incidents(user).select_related("reported_by")
    status = request.GET.get("status", "")
    kind = request.GET.get("kind", "")
    if status in dict(STATUS_CHOICES):
        cases = cases.filter(status=status)
    if kind in rules.TYPE_LABELS:
        cases = cases.filter(kind=kind)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
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
        "pupil": user.is_pupil,
    })


@gate_exempt  # nobody is ever prevented from telling someone about harm, AUP or not
@login_required
def report_new(request):
    user = request.user
    if user.school_id is None:
        raise Http404("no school")
    if user.is_pupil:
        form_class, template, kwargs = forms.PupilReportForm, "incidents/report_pupil.html", {}
    elif user.is_parent:
        form_class, template, kwargs = (forms.ParentReportForm, "incidents/report_parent.html",
                                        {"parent": user})
    else:
        # The people pickers offer only the people this reporter may see: a picker must not
        # list the school to someone who may not see it.
        form_class, template, kwargs = (forms.StaffReportForm, "incidents/report_staff.html",
                                        {"school": user.school, "viewer": user})
    form = form_class(request.POST or None, request.FILES or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        incident = _attempt(form, lambda: _report(user, form))
        if incident is not None:
            messages.success(request, _thanks(user, incident))
            if selectors.notification_failed(incident):
                messages.warning(request, _not_emailed(user))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, template, {"form": form, "image_steps": rules.IMAGE_STEPS},
                  status=400 if form.errors else 200)


def _thanks(user, incident) -> str:
    # Says only what is true the moment the report is saved: it is on the DSL's list.
    if user.is_pupil:
        return ("Thank you for telling us. Your report is saved, and the staff who keep pupils "
                "safe can see it now.")
    if incident.images_not_accepted:
        return ("Thank you. Your report is saved and the designated safeguarding lead can see it "
                "now. Please read the steps below.")
    return ("Thank you for telling us. Your report is saved and the designated safeguarding lead "
            "can see it now.")


def _not_emailed(user) -> str:
    # The alert email failed (recorded in the case's history): say so, in plain words.
    if user.is_pupil:
        return ("We could not send a message to the staff who keep you safe just now. Your "
                "report is saved and they will see it when they look at reports. If you are "
                "worried right now, talk to a teacher or another adult you trust, or call "
                "Childline free on 0800 1111.")
    return ("We have recorded your report, but we could not email the designated safeguarding "
            "lead just now; they will see it in the incident log. If anyone is in danger now, "
            "tell the safeguarding lead in person or call 999.")


def _report(user, form):
    data = form.cleaned_data
    if user.is_pupil:
        description = data["description"]
        if data.get("who"):
            description += f"\n\nWho was involved: {data['who']}"
        return actions.incident_report(actor=user, kind=data["kind"], description=description,
                                       occurred_at=_datetime_from_date(data.get("when")),
                                       people=[user], via="pupil")
    if user.is_parent:
        return actions.incident_report(
            actor=user, kind=data["kind"], description=data["description"],
            occurred_at=_datetime_from_date(data.get("when")), people=[data["child"]],
            urls=(data.get("urls") or "").splitlines(), via="parent")
    return actions.incident_report(
        actor=user, kind=data["kind"], summary=data.get("summary", ""),
        description=data["description"], occurred_at=data.get("occurred_at"),
        location=data.get("location", ""), people=list(data.get("people") or []),
        subject_staff=data.get("subject_staff"), urls=(data.get("urls") or "").splitlines(),
        image_location=data.get("image_location", ""),
        upload=_upload(data.get("evidence_file")), via="staff")


# --- one incident ------------------------------------------------------------------------

def _alleged_of(incident):
    """The people rate and sanction forms offer: the case's current alleged perpetrators."""
    ids = incident.involvements.current().filter(part__in=rules.RATED_PARTS).values("person_id")
    return Person.objects.filter(pk__in=ids, school=incident.school).order_by("last_name",
                                                                              "first_name")


def _part_choices(incident):
    """Who may be added to a case: the school's people (not the ones already on it)."""
    on_case = incident.involvements.current().values("person_id")
    return Person.objects.filter(school=incident.school, is_active=True).exclude(
        pk__in=on_case).order_by("last_name", "first_name")


def _parts_of(incident):
    """The people on the case grouped by part, in the order of rules.PARTS."""
    rows = list(incident.involvements.current().select_related("person", "added_by"))
    return [(code, label, [r for r in rows if r.part == code]) for code, label in rules.PARTS
            if any(r.part == code for r in rows)]


def _evidence_rows(incident):
    rows = []
    removed = files.removed_image_ids(incident)
    for item in incident.evidence.select_related("added_by", "withdrawn_by").prefetch_related(
            "signoffs__person"):
        row = {"item": item, "email": None, "removed": item.pk in removed}
        if item.kind == rules.EVIDENCE_EMAIL and item.file_path and not row["removed"]:
            row["email"] = _email_for_page(item)
        rows.append(row)
    return rows


def _email_for_page(item):
    """What an evidence email shows on the case page; no email can make the page fail."""
    try:
        return files.read_email(item.absolute_path().read_bytes())
    except OSError:
        return None
    except Exception:  # noqa: BLE001 - read_email promises not to raise; belt and braces
        log.exception("evidence %s: the email could not be shown", item.pk)
        return {"headers": [], "received": [], "body": "", "attachments": [],
                "notes": ["This email could not be shown here. Download the original file "
                          "to read it."]}


def _render_detail(request, incident, level, status=200, **bound):
    user = request.user
    if level == access.REPORTER:
        context = {
            "incident": incident,
            "my_evidence": incident.evidence.filter(added_by=user),
            "evidence_form": bound.get("evidence_form")
                             or forms.EvidenceForm(incident=incident, team=False),
            "image_steps": rules.IMAGE_STEPS,
            "kind_plain": dict(rules.PUPIL_TYPE_CHOICES).get(incident.kind, ""),
        }
        return render(request, "incidents/status.html", context, status=status)
    alleged = _alleged_of(incident)
    can_act = level == access.TEAM
    investigators = incident.investigators.select_related("person")
    investigator_choices = Person.objects.filter(
        school=incident.school, role__in=roles.SENIOR_ROLES, is_active=True).exclude(
        pk__in=[incident.subject_staff_id or 0, *investigators.values_list("person_id", flat=True)])
    staff = Person.objects.filter(school=incident.school, role__in=roles.STAFF_ROLES | {
        roles.GOVERNOR}, is_active=True).exclude(pk=incident.subject_staff_id or 0)
    ratings = list(incident.ratings.select_related("person", "rated_by", "withdrawn_by"))
    for rating in ratings:
        rating.range = rules.sanction_range(rating.rating, for_pupil=rating.person.is_pupil)
        rating.staff_rating = rules.RATING_BY_CODE[rating.rating]["staff_rating"]
        rating.factor_rows = [(label, rating.factors.get(code, "")) for code, label, _ in
                              rules.FACTORS if rating.factors.get(code)]
        rating.dimension_rows = [(label, rating.dimensions.get(code, "")) for code, label, _ in
                                 rules.DIMENSIONS if rating.dimensions.get(code)]
    context = {
        "incident": incident,
        "alleged": alleged,
        "parts": _parts_of(incident),
        "part_choices": rules.PARTS,
        "can_act": can_act,
        "is_viewer": level == access.VIEWER,
        "part_form": bound.get("part_form") or forms.InvolvementForm(
            people=_part_choices(incident)),
        "investigators": investigators,
        "viewers": incident.viewers.select_related("person"),
        "evidence_rows": _evidence_rows(incident),
        "alert_failed": selectors.failed_alert(incident),
        "events": incident.events.select_related("actor").order_by("-seq"),
        "ratings": ratings,
        "sanctions": incident.sanctions.select_related("person", "decided_by"),
        "takedowns": incident.takedowns.all(),
        "closing_problems": selectors.closing_problems(incident),
        "can_name_investigators": access.can_name_investigators(user, incident),
        "can_name_subject": (not incident.is_allegation and not incident.is_closed
                             and access.is_leader(user)),
        "subject_form": bound.get("subject_form") or forms.PersonForm(
            queryset=staff.filter(role__in=roles.STAFF_ROLES), prefix="subject",
            label="Which member of staff is it about?"),
        "is_owner": access.is_allegation_owner(user, incident),
        "is_investigator": investigators.filter(person=user).exists(),
        "image_steps": rules.IMAGE_STEPS,
        "ratings_guide": [dict(r, staff_labels=[label for _, label in rules.sanction_range(
            r["code"], for_pupil=False)]) for r in rules.RATINGS],
        "edit_form": bound.get("edit_form") or forms.EditForm(initial=_edit_initial(incident)),
        "note_form": bound.get("note_form") or forms.NoteForm(),
        "evidence_form": bound.get("evidence_form") or forms.EvidenceForm(incident=incident),
        "investigator_form": bound.get("investigator_form") or forms.PersonForm(
            queryset=investigator_choices, label="Name an investigator (senior staff)",
            prefix="investigator"),
        "viewer_form": bound.get("viewer_form") or forms.PersonForm(
            queryset=access.viewer_choices(incident),
            label="Let a senior colleague read it (they can change nothing unless you name "
                  "them an investigator)", prefix="viewer"),
        "police_form": bound.get("police_form") or forms.PoliceMattersForm(
            initial={"matters": incident.police_matters}),
        "judgement_form": bound.get("judgement_form") or forms.JudgementForm(
            initial={"outcome": incident.outcome, "reasons": incident.outcome_reasons,
                     "seen": selectors.judgement_seal(incident)}),
        "close_form": bound.get("close_form") or forms.CloseForm(),
        "reopen_form": bound.get("reopen_form") or forms.ReopenForm(),
        "rating_form": bound.get("rating_form") or forms.RatingForm(people=alleged),
        "sanction_form": bound.get("sanction_form") or forms.SanctionForm(
            people=alleged, can_override=access.can_override_sanction(user, incident)),
        "takedown_form": bound.get("takedown_form") or forms.TakedownForm(
            initial={"sent_on": timezone.localdate()}),
        "takedown_outcomes": rules.TAKEDOWN_OUTCOMES,
        "conflict": bound.get("conflict"),
    }
    return render(request, "incidents/detail.html", context, status=status)


def _edit_initial(incident):
    return {"version": incident.version, "kind": incident.kind, "summary": incident.summary,
            "description": incident.description,
            "occurred_at": timezone.localtime(incident.occurred_at) if incident.occurred_at
            else None,
            "location": incident.location, "designated_computer": incident.designated_computer}


@open_to_reporters
@login_required
def detail(request, pk):
    incident, level = access.get_incident_for_user(request.user, pk)
    if behind_gate(request):
        # Not yet accepted the AUP: the status of their own report, no staff work.
        if incident.reported_by_id != request.user.pk:
            return gate_redirect(request)
        level = access.REPORTER
    actions.incident_viewed(actor=request.user, incident=incident, what=level)
    return _render_detail(request, incident, level)


def _team_post(view):
    """POST-only, on an incident the user works on; a refused action re-renders the page."""

    @login_required
    @require_POST
    def wrapped(request, pk, *args, **kwargs):
        incident, level = access.get_incident_for_user(request.user, pk, team=True)
        if level == access.VIEWER:
            # Read-only access to an allegation: the page says so and nothing changes.
            messages.error(request, READ_ONLY)
            return _render_detail(request, incident, level, status=403)
        return view(request, incident, level, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


READ_ONLY = ("You can read this allegation but not change it. Ask the headteacher (or the chair "
             "of governors) to name you as an investigator if you need to act on it.")


def _done(request, incident, message, anchor=""):
    messages.success(request, message)
    return redirect(f"{incident_url(incident)}{anchor}")


def incident_url(incident):
    from django.urls import reverse

    return reverse("incidents:detail", args=[incident.pk])


@_team_post
def edit(request, incident, level):
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
            return _render_detail(request, incident, level, status=409 if conflict else 400,
                                  edit_form=form, conflict=incident if conflict else None)
        return _done(request, incident, "Details saved.", "#details")
    return _render_detail(request, incident, level, status=400, edit_form=form)


@_team_post
def note(request, incident, level):
    form = forms.NoteForm(request.POST)
    if form.is_valid() and _attempt(form, lambda: actions.incident_note(
            actor=request.user, incident=incident, text=form.cleaned_data["text"])):
        return _done(request, incident, "Note added.", "#history")
    return _render_detail(request, incident, level, status=400, note_form=form)


@open_to_reporters
@login_required
@require_POST
def evidence_add(request, pk):
    incident, level = access.get_incident_for_user(request.user, pk)
    if behind_gate(request):
        if incident.reported_by_id != request.user.pk:
            return gate_redirect(request)
        level = access.REPORTER
    form = forms.EvidenceForm(request.POST, request.FILES, incident=incident,
                              team=level == access.TEAM)
    if incident.images_not_accepted and request.FILES:
        form.is_valid()
        form.add_error(None, "esafety never accepts images for a report about nude or sexual "
                       "images of a child: describe the image and where it is instead.")
    elif form.is_valid():
        data = form.cleaned_data
        item = _attempt(form, lambda: actions.evidence_add(
            actor=request.user, incident=incident, kind=data["kind"], url=data.get("url", ""),
            phone=data.get("phone", ""), text=data.get("text", ""),
            upload=_upload(data.get("upload"))))
        if item is not None:
            return _done(request, incident, f"Evidence added (SHA-256 {item.sha256[:12]}…).",
                         "#evidence")
    return _render_detail(request, incident, level, status=400, evidence_form=form)


def _evidence_for(request, pk, evidence_pk, *, team=True):
    incident, level = access.get_incident_for_user(request.user, pk, team=team)
    item = get_object_or_404(Evidence, pk=evidence_pk, incident=incident)
    if level == access.REPORTER and item.added_by_id != request.user.pk:
        raise Http404("no such evidence")
    return incident, level, item


@login_required
def evidence_file(request, pk, evidence_pk):
    """Files are served only here, after the access check, and each viewing is recorded."""
    incident, level, item = _evidence_for(request, pk, evidence_pk, team=False)
    if not item.file_path:
        raise Http404("no file")
    if item.pk in files.removed_image_ids(incident):
        # 000 §2: removed when the case became one about images of a child; never served.
        raise Http404("file removed")
    try:
        handle = open(item.absolute_path(), "rb")  # noqa: SIM115 - FileResponse closes it
    except FileNotFoundError:
        raise Http404("file missing") from None
    actions.incident_viewed(actor=request.user, incident=incident,
                            what=f"evidence {item.pk} file")
    inline = item.content_type.startswith("image/") or item.content_type == "application/pdf"
    response = FileResponse(handle, content_type=item.content_type or "application/octet-stream",
                            as_attachment=not inline, filename=item.original_name or "evidence")
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@_team_post
def evidence_withdraw(request, incident, level, evidence_pk):
    item = get_object_or_404(Evidence, pk=evidence_pk, incident=incident)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.evidence_withdraw(actor=request.user, evidence=item,
                                      reason=form.cleaned_data["reason"])
            return _done(request, incident, "Item marked withdrawn. It is kept in the record.",
                         "#evidence")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Say why the item is withdrawn.")
    return redirect(f"{incident_url(incident)}#evidence")


@_team_post
def screenshot_sign(request, incident, level, evidence_pk):
    item = get_object_or_404(Evidence, pk=evidence_pk, incident=incident)
    try:
        actions.screenshot_sign(actor=request.user, evidence=item)
        messages.success(request, "Screenshot signed off.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect(f"{incident_url(incident)}#evidence")


@_team_post
def investigator_add(request, incident, level):
    form = forms.PersonForm(request.POST, queryset=Person.objects.filter(school=incident.school),
                            label="Name an investigator (senior staff)", prefix="investigator")
    if form.is_valid() and _attempt(form, lambda: actions.investigator_add(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        return _done(request, incident, f"{form.cleaned_data['person'].display_name} is now an "
                     "investigator.", "#investigation")
    return _render_detail(request, incident, level, status=400, investigator_form=form)


@_team_post
def viewer_add(request, incident, level):
    form = forms.PersonForm(request.POST, queryset=Person.objects.filter(school=incident.school),
                            label="Let a senior colleague read it", prefix="viewer")
    if form.is_valid() and _attempt(form, lambda: actions.allegation_viewer_add(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        return _done(request, incident, "Access given.", "#access")
    return _render_detail(request, incident, level, status=400, viewer_form=form)


@_team_post
def subject(request, incident, level):
    form = forms.PersonForm(request.POST, queryset=Person.objects.filter(school=incident.school),
                            prefix="subject", label="Which member of staff is it about?")
    if form.is_valid() and _attempt(form, lambda: actions.allegation_subject_set(
            actor=request.user, incident=incident, person=form.cleaned_data["person"])):
        if access.access_level(request.user, incident) == access.TEAM:
            return _done(request, incident, "Recorded as an allegation about a member of staff.")
        messages.success(request, f"{incident.reference} has been passed on as an allegation "
                         "about a member of staff. Only its owner and the people they add can "
                         "see it now.")
        return redirect("incidents:home")
    return _render_detail(request, incident, level, status=400, subject_form=form)


@_team_post
def police(request, incident, level):
    form = forms.PoliceMattersForm(request.POST)
    if form.is_valid() and _attempt(form, lambda: actions.police_matters_set(
            actor=request.user, incident=incident, matters=form.cleaned_data["matters"])):
        return _done(request, incident, "Recorded.", "#investigation")
    return _render_detail(request, incident, level, status=400, police_form=form)


@_team_post
def judge(request, incident, level):
    form = forms.JudgementForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.incident_judge(
                actor=request.user, incident=incident, outcome=data["outcome"],
                reasons=data["reasons"], police_override_reason=data["police_override_reason"],
                seen=data.get("seen") or None)
            return _done(request, incident, "Judgement recorded.", "#judgement")
        except EsafetyError as exc:
            incident.refresh_from_db()
            if exc.code == "judgement-conflict":
                # Keep their words; the page now shows the other judgement above them.
                values = request.POST.copy()
                values["judgement-seen"] = selectors.judgement_seal(incident)
                form = forms.JudgementForm(values)
                form.is_valid()
            form.add_error(None, str(exc))
            return _render_detail(request, incident, level,
                                  status=409 if exc.code == "judgement-conflict" else 400,
                                  judgement_form=form)
    return _render_detail(request, incident, level, status=400, judgement_form=form)


@_team_post
def close(request, incident, level):
    form = forms.CloseForm(request.POST)
    if form.is_valid() and _attempt(form, lambda: actions.incident_close(
            actor=request.user, incident=incident)):
        return _done(request, incident, f"{incident.reference} is closed.")
    return _render_detail(request, incident, level, status=400, close_form=form)


@_team_post
def reopen(request, incident, level):
    form = forms.ReopenForm(request.POST)
    if form.is_valid() and _attempt(form, lambda: actions.incident_reopen(
            actor=request.user, incident=incident, reason=form.cleaned_data["reason"])):
        return _done(request, incident, f"{incident.reference} is open again.")
    return _render_detail(request, incident, level, status=400, reopen_form=form)


@_team_post
def rate(request, incident, level):
    form = forms.RatingForm(request.POST, people=_alleged_of(incident))
    if form.is_valid() and _attempt(form, lambda: actions.misuse_rate(
            actor=request.user, incident=incident, person=form.cleaned_data["person"],
            rating=form.cleaned_data["rating"], dimensions=form.dimensions(),
            factors=form.factors())):
        return _done(request, incident, "Rating recorded. The policy's sanctions are shown.",
                     "#sanctions")
    return _render_detail(request, incident, level, status=400, rating_form=form)


@_team_post
def sanction(request, incident, level):
    form = forms.SanctionForm(request.POST, people=_alleged_of(incident),
                              can_override=access.can_override_sanction(request.user, incident))
    if form.is_valid():
        data = form.cleaned_data
        made = _attempt(form, lambda: actions.sanction_record(
            actor=request.user, incident=incident, person=data["person"], kind=data["kind"],
            reasons=data["reasons"], starts_at=data.get("starts_at"), ends_at=data.get("ends_at"),
            override_reason=data.get("override_reason", "")))
        if made:
            extra = f" {made.enforcement}." if made.enforcement else ""
            if made.override_reason:
                extra += " Recorded as a headteacher's override, with your reasons."
            return _done(request, incident, f"Sanction recorded.{extra}", "#sanctions")
    return _render_detail(request, incident, level, status=400, sanction_form=form)


@_team_post
def rating_withdraw(request, incident, level, rating_pk):
    chosen = get_object_or_404(Rating, pk=rating_pk, incident=incident)
    form = forms.RatingWithdrawForm(request.POST)
    if form.is_valid() and _attempt(form, lambda: actions.rating_withdraw(
            actor=request.user, rating=chosen, reason=form.cleaned_data["reason"])):
        return _done(request, incident, "Rating withdrawn. It is kept in the record.",
                     "#sanctions")
    messages.error(request, form.non_field_errors().as_text().lstrip("* ")
                   or "Say why the rating is withdrawn.")
    return redirect(f"{incident_url(incident)}#sanctions")


@_team_post
def involvement(request, incident, level):
    """Add someone to the case with a part, or change the part of someone already on it."""
    form = forms.InvolvementForm(request.POST, people=Person.objects.filter(
        school=incident.school))
    if form.is_valid():
        data = form.cleaned_data
        try:
            actions.involvement_set(actor=request.user, incident=incident, person=data["person"],
                                    part=data["part"], reason=data.get("reason", ""))
            return _done(request, incident, f"{data['person'].display_name}: "
                         f"{rules.PART_LABELS[data['part']].lower()}.", "#people")
        except EsafetyError as exc:
            form.add_error(None, str(exc))
    return _render_detail(request, incident, level, status=400, part_form=form)


@_team_post
def involvement_remove(request, incident, level, person_pk):
    person = get_object_or_404(Person, pk=person_pk, school=incident.school)
    form = forms.InvolvementRemoveForm(request.POST)
    if form.is_valid():
        try:
            actions.involvement_remove(actor=request.user, incident=incident, person=person,
                                       reason=form.cleaned_data["reason"])
            return _done(request, incident, f"{person.display_name} was taken off the case. "
                         "This is kept in the record.", "#people")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Say why this person is taken off the case.")
    return redirect(f"{incident_url(incident)}#people")


@login_required
def letter(request, pk, sanction_pk):
    incident, _ = access.get_incident_for_user(request.user, pk, team=True)
    chosen = get_object_or_404(Sanction, pk=sanction_pk, incident=incident)
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
def record(request, pk):
    """The whole record as a PDF for the investigating group to print, sign and keep (002)."""
    incident, _ = access.get_incident_for_user(request.user, pk, team=True)
    actions.incident_viewed(actor=request.user, incident=incident, what="record pdf")
    response = HttpResponse(record_pdf(incident, printed_by=request.user),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{incident.reference}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


@_team_post
def takedown_add(request, incident, level):
    form = forms.TakedownForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        if _attempt(form, lambda: actions.takedown_request(
                actor=request.user, incident=incident, target=data["target"],
                target_name=data["target_name"], sent_on=data["sent_on"], url=data.get("url", ""),
                notes=data.get("notes", ""))):
            return _done(request, incident, "Takedown request recorded.", "#takedowns")
    return _render_detail(request, incident, level, status=400, takedown_form=form)


@_team_post
def takedown_update(request, incident, level, takedown_pk):
    request_row = get_object_or_404(TakedownRequest, pk=takedown_pk, incident=incident)
    form = forms.TakedownOutcomeForm(request.POST)
    if form.is_valid():
        try:
            actions.takedown_update(actor=request.user, request=request_row,
                                    outcome=form.cleaned_data["outcome"],
                                    outcome_on=form.cleaned_data["outcome_on"],
                                    notes=form.cleaned_data.get("notes", ""))
            return _done(request, incident, "Outcome recorded.", "#takedowns")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose an outcome and a date that is not in the future.")
    return redirect(f"{incident_url(incident)}#takedowns")


@_team_post
def acknowledge(request, incident, level):
    try:
        actions.incident_acknowledge(actor=request.user, incident=incident)
        messages.success(request, "Acknowledged: the reporter now sees it is being looked into.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect(incident_url(incident))


# --- people, settings and the governors' report --------------------------------------------

@login_required
def chronology(request, person_pk):
    """Everything recorded about one person that the viewer may see, newest first."""
    person = access.get_person_for_chronology(request.user, person_pk)
    visible = access.team_incidents(request.user)
    on_case = Q(involvements__person=person, involvements__removed_at__isnull=True)
    involved = visible.filter(on_case | Q(subject_staff=person)
                              | Q(reported_by=person)).distinct()
    items = []
    for incident in involved:
        part = incident.part_of(person)
        roles_here = []
        if incident.reported_by_id == person.pk:
            roles_here.append("reported it")
        if incident.subject_staff_id == person.pk:
            roles_here.append("the allegation is about them")
        elif part and part != rules.PART_REPORTER:
            roles_here.append(rules.PART_LABELS[part].lower())
        items.append({"at": incident.reported_at, "incident": incident,
                      "what": f"{incident.kind_label}: {incident.summary} "
                              f"({'; '.join(roles_here) or 'involved'})"})
        if incident.judged_at:
            items.append({"at": incident.judged_at, "incident": incident,
                          "what": f"Judgement: {incident.outcome_label}"})
        if part not in rules.RATED_PARTS:
            continue  # a victim, witness or reporter is never shown as rated or sanctioned
        for rating in incident.ratings.filter(person=person, withdrawn_at__isnull=True):
            items.append({"at": rating.rated_at, "incident": incident,
                          "what": f"Misuse rated {rating.rating_label.lower()}"})
        for made in incident.sanctions.filter(person=person):
            items.append({"at": made.decided_at, "incident": incident,
                          "what": f"Sanction: {made.kind_label}. {made.reasons}"})
    items.sort(key=lambda item: item["at"], reverse=True)
    actions.person_chronology_viewed(actor=request.user, person=person, incidents=involved)
    return render(request, "incidents/chronology.html", {"person": person, "items": items})


@login_required
def incident_settings(request):
    if not access.can_manage_settings(request.user):
        raise Http404("not available")
    school = request.user.school
    conf = access.settings_for(school)
    locked = access.open_allegations_about(request.user).exists()
    form = forms.SettingsForm(request.POST or None, school=school, locked=locked, initial={
        "designated_person": conf.designated_person, "chair_of_governors": conf.chair_of_governors,
        "letter_template": conf.letter_template})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(form, lambda: actions.incident_settings_update(
                actor=request.user, school=school, designated_person=data["designated_person"],
                chair_of_governors=data["chair_of_governors"],
                letter_template=data["letter_template"])):
            messages.success(request, "Incident settings saved.")
            return redirect("incidents:settings")
    return render(request, "incidents/settings.html",
                  {"form": form, "conf": conf, "locked": locked},
                  status=400 if form.errors else 200)


@login_required
def governors_report(request):
    if not access.can_read_governors_report(request.user):
        raise Http404("not available")
    today = timezone.localdate()
    school = request.user.school
    # The school year so far, or the last half term early in the year (no shorter report).
    start = min(school.school_year_start(today),
                today - datetime.timedelta(days=MIN_PERIOD_DAYS - 1))
    values = {"start": start.isoformat(), "end": today.isoformat()}
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

