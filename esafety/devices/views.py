"""The devices pages: the register and its exceptions, one device (loans, checks, loss),
software approvals, BYOD agreements and the spreadsheet."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.devices import access, actions, selectors
from esafety.devices.forms import (
    ByodForm,
    DecideForm,
    DeviceForm,
    LendForm,
    LossForm,
    ReturnForm,
    SoftwareForm,
)
from esafety.directory import permissions
from esafety.directory.models import School
from esafety.errors import EsafetyError
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _school(request: SignedInRequest) -> School:
    if request.user.school is None:  # the service operator has no school's devices
        raise Http404("not available")
    return request.user.school


def _may(request: SignedInRequest) -> dict[str, bool]:
    return {name: permissions.allowed(request.user, name)
            for name in ("manage_devices", "approve_software")}


def _post_if(request: SignedInRequest, capability: str):
    allowed = permissions.allowed(request.user, capability)
    return request.POST if request.method == "POST" and allowed else None


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    school = _school(request)
    form = DeviceForm(_post_if(request, "manage_devices"), school=school)
    if form.is_bound and form.is_valid():
        try:
            device = actions.device_save(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, f"{device.name} is in the register.")
            return redirect("devices:home")
    return render(request, "devices/home.html", {
        "devices": selectors.devices(school), "exceptions": selectors.exceptions(school),
        "form": form if _may(request)["manage_devices"] else None, "may": _may(request)})


@login_required
def exceptions(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    return render(request, "devices/exceptions.html", {
        "exceptions": selectors.exceptions(_school(request)), "may": _may(request)})


@login_required
def device(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.device_for(request.user, pk)
    school = found.school
    initial = {name: getattr(found, name) for name in (
        "name", "kind", "serial", "encrypted", "antivirus_current", "last_checked_on", "notes")}
    initial["holder"] = found.holder_id
    form = DeviceForm(_post_if(request, "manage_devices"), initial=initial, school=school)
    if form.is_bound and form.is_valid():
        try:
            actions.device_save(actor=request.user, school=school, device=found,
                                **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved.")
            return redirect("devices:device", pk=found.pk)
    may = _may(request)
    return render(request, "devices/device.html", {
        "device": found, "form": form if may["manage_devices"] else None,
        "loans": found.loans.select_related("borrower", "received_by"),
        "losses": found.losses.select_related("incident", "reported_by"),
        "lend_form": LendForm(school=school), "return_form": ReturnForm(),
        "loss_form": LossForm(), "may": may})


@login_required
@require_POST
def lend(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.device_for(request.user, pk)
    permissions.require(request.user, "manage_devices", hide=True)
    form = LendForm(request.POST, school=found.school)
    if not form.is_valid():
        messages.error(request, "Choose who borrows it and a real return date.")
        return redirect("devices:device", pk=found.pk)
    try:
        actions.device_lend(actor=request.user, device=found, **form.cleaned_data)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Lent.")
    return redirect("devices:device", pk=found.pk)


@login_required
@require_POST
def give_back(request: SignedInRequest, pk: int) -> HttpResponse:
    loan = access.loan_for(request.user, pk)
    permissions.require(request.user, "manage_devices", hide=True)
    form = ReturnForm(request.POST)
    form.is_valid()
    try:
        actions.device_return(actor=request.user, loan=loan,
                              data_removed=form.cleaned_data.get("data_removed", False))
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Returned." if loan.data_removed or
                         form.cleaned_data.get("data_removed") else
                         "Returned. Sign off that personal data is removed before it goes out again.")
    return redirect("devices:device", pk=loan.device_id)


@login_required
@require_POST
def report_loss(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.device_for(request.user, pk)
    permissions.require(request.user, "manage_devices", hide=True)
    form = LossForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say whether it was lost or stolen, and what happened.")
        return redirect("devices:device", pk=found.pk)
    try:
        loss = actions.device_report_loss(actor=request.user, device=found, **form.cleaned_data)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        reference = loss.incident.reference if loss.incident else ""
        messages.success(request, f"Reported in the incident log as {reference}; the "
                                  f"designated safeguarding lead has been told.")
    return redirect("devices:device", pk=found.pk)


@login_required
def software(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    school = _school(request)
    form = SoftwareForm(_post_if(request, "manage_devices"))
    if form.is_bound and form.is_valid():
        try:
            actions.software_request(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Added: it waits for the headteacher's decision.")
            return redirect("devices:software")
    may = _may(request)
    return render(request, "devices/software.html", {
        "items": selectors.software(school), "form": form if may["manage_devices"] else None,
        "decide_form": DecideForm(), "may": may})


@login_required
@require_POST
def software_decide(request: SignedInRequest, pk: int) -> HttpResponse:
    item = access.software_for(request.user, pk)
    permissions.require(request.user, "approve_software", hide=True)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or do not approve.")
        return redirect("devices:software")
    try:
        actions.software_decide(actor=request.user, item=item,
                                approve=form.cleaned_data["decision"] == "approve",
                                note=form.cleaned_data["note"])
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Decided.")
    return redirect("devices:software")


@login_required
def byod(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    school = _school(request)
    form = ByodForm(_post_if(request, "manage_devices"), school=school)
    if form.is_bound and form.is_valid():
        try:
            actions.byod_record(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Agreement recorded.")
            return redirect("devices:byod")
    may = _may(request)
    return render(request, "devices/byod.html", {
        "agreements": selectors.byod(school), "form": form if may["manage_devices"] else None,
        "may": may})


@login_required
@require_POST
def byod_end(request: SignedInRequest, pk: int) -> HttpResponse:
    agreement = access.byod_for(request.user, pk)
    permissions.require(request.user, "manage_devices", hide=True)
    try:
        actions.byod_end(actor=request.user, agreement=agreement)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Agreement ended.")
    return redirect("devices:byod")


def _yes(value: bool) -> str:
    return "Yes" if value else "No"


def _device_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Name", "Kind", "Serial", "Held by", "Encrypted", "Anti-virus up to date",
              "Last checked", "Status", "Out on loan to", "Notes"]
    out = {loan.device_id: loan.borrower.display_name
           for loan in selectors.loans(school).filter(returned_on__isnull=True)}
    return header, [[d.name, d.get_kind_display(), d.serial,
                     d.holder.display_name if d.holder else "", _yes(d.encrypted),
                     d.antivirus_label,
                     d.last_checked_on.isoformat() if d.last_checked_on else "Never",
                     d.get_status_display(), out.get(d.pk, ""), d.notes]
                    for d in selectors.devices(school)]


def _loan_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Device", "Borrower", "Lent", "Due", "Returned", "Personal data removed",
              "Lent by", "Note"]
    return header, [[loan.device.name, loan.borrower.display_name, loan.lent_on.isoformat(),
                     loan.due_on.isoformat(),
                     loan.returned_on.isoformat() if loan.returned_on else "Out",
                     _yes(loan.data_removed),
                     loan.lent_by.display_name if loan.lent_by else "", loan.note]
                    for loan in selectors.loans(school)]


def _software_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Software", "For", "Licence notes", "Licence renews", "Decision", "Decided by",
              "Decided on", "Note"]
    return header, [[i.name, i.purpose, i.licence_notes,
                     i.licence_renewal_on.isoformat() if i.licence_renewal_on else "",
                     i.get_decision_display(),
                     i.decided_by.display_name if i.decided_by else "",
                     i.decided_at.date().isoformat() if i.decided_at else "", i.decision_note]
                    for i in selectors.software(school)]


def _byod_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Person", "Device", "Agreed", "Ended", "Recorded by", "Note"]
    return header, [[a.person.display_name, a.device_description, a.agreed_on.isoformat(),
                     a.ended_on.isoformat() if a.ended_on else "",
                     a.recorded_by.display_name if a.recorded_by else "", a.note]
                    for a in selectors.byod(school)]


# ?register= -> (file name, what the audit trail calls it, the rows)
EXPORTS = {
    "devices": ("devices.csv", "Device register", _device_rows),
    "loans": ("device-loans.csv", "Device loans", _loan_rows),
    "software": ("software.csv", "Software and apps", _software_rows),
    "byod": ("own-devices.csv", "Bring Your Own Device agreements", _byod_rows),
}


@login_required
def export(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    school = _school(request)
    filename, register, build = EXPORTS.get(request.GET.get("register", ""),
                                            EXPORTS["devices"])
    header, rows = build(school)
    response = csvsafe.download(filename, header, rows)
    actions.export_record(actor=request.user, school=school, rows=len(rows), register=register)
    return response
