"""The retention schedule and its runs, subject-access bundles and the DPIA description.
Thin: check, validate, fetch through access/selectors, act."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.directory.models import Person
from esafety.errors import EsafetyError
from esafety.retention import access, actions, dpia, forms, registry, selectors
from esafety.web.requests import SignedInRequest


def _schedule_page(request: SignedInRequest, *, bad_form=None, status: int = 200):
    school = access.require_school(request.user, "manage_retention")
    rows = []
    for item in selectors.schedule(school):
        form = bad_form if bad_form is not None and bad_form.data.get(
            "record_type") == item.record_type.name else None
        if form is None:
            years = item.days % registry.YEAR == 0
            form = forms.PeriodForm(initial={
                "record_type": item.record_type.name,
                "amount": item.days // registry.YEAR if years else item.days,
                "unit": "years" if years else "days"})
        rows.append((item, form))
    return render(request, "retention/schedule.html", {
        "rows": rows, "runs": selectors.runs(school), "waiting": selectors.waiting_run(school),
    }, status=status)


@login_required
def schedule(request: SignedInRequest) -> HttpResponse:
    return _schedule_page(request)


@login_required
@require_POST
def set_period(request: SignedInRequest) -> HttpResponse:
    school = access.require_school(request.user, "manage_retention")
    form = forms.PeriodForm(request.POST)
    if not form.is_valid():
        return _schedule_page(request, bad_form=form, status=400)
    try:
        actions.retention_set(actor=request.user, school=school,
                              record_type=form.cleaned_data["record_type"], days=form.days)
    except EsafetyError as error:
        form.add_error(None, str(error))
        return _schedule_page(request, bad_form=form, status=400)
    messages.success(request, f"{registry.get(form.cleaned_data['record_type']).label}: kept for "
                              f"{registry.days_text(form.days)}.")
    return redirect("retention:schedule")


@login_required
@require_POST
def prepare(request: SignedInRequest) -> HttpResponse:
    school = access.require_school(request.user, "manage_retention")
    actions.purge_prepare(actor=request.user, school=school)
    messages.success(request, "Dry run ready: nothing has been removed. Check the counts, then "
                              "confirm or cancel.")
    return redirect("retention:schedule")


@login_required
@require_POST
def confirm(request: SignedInRequest, pk: int) -> HttpResponse:
    run = access.get_run(request.user, pk)
    try:
        actions.purge_confirm(actor=request.user, run=run)
    except EsafetyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Confirmed: the records counted will be removed shortly.")
    return redirect("retention:schedule")


@login_required
@require_POST
def cancel(request: SignedInRequest, pk: int) -> HttpResponse:
    run = access.get_run(request.user, pk)
    try:
        actions.purge_cancel(actor=request.user, run=run)
    except EsafetyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Cancelled: nothing was removed.")
    return redirect("retention:schedule")


@login_required
def runs_csv(request: SignedInRequest) -> HttpResponse:
    """Every run of the schedule, one line per type: counts only, never a record."""
    from esafety.web import csvsafe

    school = access.require_school(request.user, "manage_retention")
    return csvsafe.download(
        f"retention-{school.slug}.csv",
        ["counted", "state", "confirmed by", "records", "kept for (days)", "older than",
         "would be removed", "removed"],
        ([run.prepared_at.isoformat(), run.get_state_display(),
          run.confirmed_by.display_name if run.confirmed_by else "",
          item.get("label", name), item.get("days"), item.get("cutoff"), item.get("count"),
          run.results.get(name, "")]
         for run in selectors.runs(school, limit=1000) for name, item in run.plan.items()))


# --- subject access --------------------------------------------------------------------------

@login_required
def subject_search(request: SignedInRequest) -> HttpResponse:
    school = access.require_school(request.user, "export_subject_access")
    form = forms.PersonSearchForm(request.GET or None)
    people: list[Person] = []
    if form.is_valid() and form.cleaned_data["q"].strip():
        q = form.cleaned_data["q"].strip()
        people = list(Person.objects.filter(school=school).filter(
            Q(first_name__icontains=q) | Q(last_name__icontains=q) | Q(username__icontains=q))
            .order_by("last_name", "first_name")[:50])
    return render(request, "retention/subject_search.html", {"form": form, "people": people})


def _subject_page(request, subject, form, status=200):
    bundle = actions.subject_access_preview(actor=request.user, subject=subject)
    return render(request, "retention/subject_preview.html", {
        "subject": subject, "bundle": bundle, "form": form,
        "redactions": sorted(bundle.redactions.items()),
    }, status=status)


@login_required
def subject_preview(request: SignedInRequest, pk: int) -> HttpResponse:
    subject = access.get_subject(request.user, pk)
    return _subject_page(request, subject, forms.ConfirmRedactionsForm())


@login_required
@require_POST
def subject_export(request: SignedInRequest, pk: int) -> HttpResponse:
    subject = access.get_subject(request.user, pk)
    form = forms.ConfirmRedactionsForm(request.POST)
    if not form.is_valid():
        return _subject_page(request, subject, form, status=400)
    name, data = actions.subject_access_export(actor=request.user, subject=subject,
                                               redactions_confirmed=True)
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- the DPIA description --------------------------------------------------------------------

@login_required
def dpia_page(request: SignedInRequest) -> HttpResponse:
    school = access.require_school(request.user, "view_dpia")
    if request.GET.get("format") == "text":
        response = HttpResponse(dpia.as_text(school), content_type="text/markdown; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="dpia-{school.slug}.md"'
        return response
    return render(request, "retention/dpia.html", {
        "school": school, "items": dpia.describe(school), "basis": dpia.LAWFUL_BASIS,
        "subjects": dpia.DATA_SUBJECTS, "safeguards": dpia.SAFEGUARDS})
