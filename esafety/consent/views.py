"""The consent pages: who must not appear, a pupil's consents, the published items register,
the school's own accounts, the spreadsheet, and the parents' plain-words page."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.consent import access, actions, selectors
from esafety.consent.forms import (
    ChannelForm,
    ConsentForm,
    FamilyForm,
    ItemForm,
    LookupForm,
    RemoveForm,
)
from esafety.consent.models import (
    AGREED,
    DECISION_LABELS,
    PARENT_PURPOSE_LABELS,
    PURPOSE_LABELS,
    PURPOSES,
    REFUSED,
    WITHDRAWN,
)
from esafety.directory import permissions, roles
from esafety.directory.models import School
from esafety.errors import EsafetyError
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _school(request: SignedInRequest) -> School:
    if request.user.school is None:  # the service operator has no school's consents
        raise Http404("not available")
    return request.user.school


@login_required
def lookup(request: SignedInRequest) -> HttpResponse:
    """Who in this class (or this list of names) must not appear."""
    permissions.require(request.user, "view_consents", hide=True)
    school = _school(request)
    form = LookupForm(request.POST if request.method == "POST" else None,
                      forms_in=selectors.forms_in(school),
                      year_groups=selectors.year_groups_in(school))
    result = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        result = selectors.lookup(school, purpose=data["purpose"], form=data["form"],
                                  year_group=data["year_group"], names=data["names"])
        names_given = len([n for n in data["names"].splitlines() if n.strip()])
        actions.lookup_record(actor=request.user, school=school, purpose=data["purpose"],
                              form=data["form"] or roles.year_label(data["year_group"]),
                              names=names_given, found=len(result.rows))
    return render(request, "consent/lookup.html", {
        "form": form, "result": result,
        "purpose_label": PURPOSE_LABELS.get(form.data.get("purpose", ""), ""),
        "may": _may(request)})


def _may(request: SignedInRequest) -> dict[str, bool]:
    user = request.user
    return {name: permissions.allowed(user, name) for name in (
        "view_consents", "record_consents", "export_consents", "record_published_items",
        "manage_school_channels", "approve_school_channels")}


@login_required
def pupil(request: SignedInRequest, pk: int) -> HttpResponse:
    person = access.pupil_for(request.user, pk)
    if not permissions.allowed(request.user, "view_consents"):
        return redirect("consent:family")
    may_record = permissions.allowed(request.user, "record_consents", person.school_id)
    form = ConsentForm(request.POST if request.method == "POST" and may_record else None,
                       pupil=person)
    if request.method == "POST" and may_record and form.is_valid():
        data = form.cleaned_data
        try:
            actions.consent_record(actor=request.user, pupil=person, purpose=data["purpose"],
                                   decision=data["decision"], given_on=data["given_on"],
                                   given_by=data["given_by"],
                                   given_by_name=data["given_by_name"],
                                   pupil_agreed=data["pupil_agreed"], note=data["note"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Recorded.")
            return redirect("consent:pupil", pk=person.pk)
    if request.method == "GET":
        actions.consents_view(actor=request.user, pupil=person)
    row = selectors.rows_for([person])[0]
    return render(request, "consent/pupil.html", {
        "pupil": person, "row": row, "history": selectors.history(person),
        "form": form if may_record else None, "purposes": PURPOSE_LABELS,
        "decisions": DECISION_LABELS, "may": _may(request)})


def _consent_rows(school: School) -> tuple[list[str], list[list]]:
    people = list(selectors.pupils(school).order_by("form", "last_name", "first_name"))
    header = (["Pupil", "Form", "Year"] + [label for _, label in PURPOSES]
              + ["Must not appear in"])
    return header, [[row.pupil.display_name, row.pupil.form, row.pupil.year_label]
                    + [DECISION_LABELS[c.decision] if c else "Not asked"
                       for _, _, c in row.cells]
                    + ["; ".join(row.must_not)] for row in selectors.rows_for(people)]


def _item_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Item", "Where", "Address", "Published", "Pupils", "Recorded by", "Take down",
              "Taken down"]
    return header, [[row.item.title, row.item.get_purpose_display(), row.item.where,
                     row.item.published_on.isoformat(),
                     "; ".join(p.display_name for p in row.item.pupils.all()),
                     row.item.added_by.display_name if row.item.added_by else "",
                     "; ".join(row.reasons) if row.flagged else "",
                     row.item.removed_on.isoformat() if row.item.removed_on else ""]
                    for row in selectors.published_items(school)]


def _channel_rows(school: School) -> tuple[list[str], list[list]]:
    header = ["Name", "Platform", "Address", "Run by", "Approved by", "Approved on", "Closed"]
    return header, [[c.name, c.platform, c.address,
                     c.run_by.display_name if c.run_by else "",
                     c.approved_by.display_name if c.approved_by else "",
                     c.approved_on.isoformat() if c.approved_on else "Not approved",
                     c.closed_on.isoformat() if c.closed_on else ""]
                    for c in selectors.channels(school)]


# ?register= -> (file name, what the audit trail calls it, the rows)
EXPORTS = {
    "consents": ("consents.csv", "Consents", _consent_rows),
    "published": ("published-items.csv", "Published items", _item_rows),
    "accounts": ("school-accounts.csv", "The school's accounts and sites", _channel_rows),
}


@login_required
def export(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "export_consents", hide=True)
    school = _school(request)
    filename, register, build = EXPORTS.get(request.GET.get("register", ""),
                                            EXPORTS["consents"])
    header, rows = build(school)
    response = csvsafe.download(filename, header, rows)
    actions.export_record(actor=request.user, school=school, rows=len(rows), register=register)
    return response


@login_required
def items(request: SignedInRequest) -> HttpResponse:
    """The register of published items, those to take down first (003 §8.2)."""
    permissions.require(request.user, "view_consents", hide=True)
    school = _school(request)
    may_add = permissions.allowed(request.user, "record_published_items")
    form = ItemForm(request.POST if request.method == "POST" and may_add else None,
                    school=school)
    if request.method == "POST" and may_add and form.is_valid():
        data = form.cleaned_data
        try:
            actions.published_item_add(actor=request.user, school=school, title=data["title"],
                                       purpose=data["purpose"], where=data["where"],
                                       published_on=data["published_on"],
                                       pupils=list(data["pupils"]))
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Added to the register.")
            return redirect("consent:items")
    rows = selectors.published_items(school)
    rows.sort(key=lambda row: (not row.flagged, row.item.removed_on is not None))
    return render(request, "consent/items.html", {
        "rows": rows, "form": form if may_add else None, "remove_form": RemoveForm(),
        "flagged": sum(1 for row in rows if row.flagged), "may": _may(request)})


@login_required
@require_POST
def item_remove(request: SignedInRequest, pk: int) -> HttpResponse:
    item = access.item_for(request.user, pk)
    form = RemoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please shorten the note.")
        return redirect("consent:items")
    try:
        actions.published_item_remove(actor=request.user, item=item,
                                      note=form.cleaned_data["note"])
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"“{item.title}” is recorded as taken down.")
    return redirect("consent:items")


@login_required
def channels(request: SignedInRequest) -> HttpResponse:
    """The school's own social media accounts and sites (003 §6.8, 004 §2.1.8)."""
    permissions.require(request.user, "view_consents", hide=True)
    school = _school(request)
    may_manage = permissions.allowed(request.user, "manage_school_channels")
    form = ChannelForm(request.POST if request.method == "POST" and may_manage else None,
                       school=school)
    if request.method == "POST" and may_manage and form.is_valid():
        try:
            actions.channel_save(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Added. It needs SLT approval.")
            return redirect("consent:channels")
    return render(request, "consent/channels.html", {
        "channels": selectors.channels(school), "form": form if may_manage else None,
        "may": _may(request)})


@login_required
def channel(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.channel_for(request.user, pk)
    permissions.require(request.user, "manage_school_channels", hide=True)
    initial = {"name": found.name, "platform": found.platform, "address": found.address,
               "run_by": found.run_by_id, "note": found.note, "closed_on": found.closed_on}
    form = ChannelForm(request.POST if request.method == "POST" else None, initial=initial,
                       school=found.school)
    if request.method == "POST" and form.is_valid():
        try:
            actions.channel_save(actor=request.user, school=found.school, channel=found,
                                 **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved.")
            return redirect("consent:channels")
    return render(request, "consent/channel.html", {"channel": found, "form": form})


@login_required
@require_POST
def channel_approve(request: SignedInRequest, pk: int) -> HttpResponse:
    found = access.channel_for(request.user, pk)
    permissions.require(request.user, "approve_school_channels", hide=True)
    try:
        actions.channel_approve(actor=request.user, channel=found)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, f"{found.name} is approved.")
    return redirect("consent:channels")


@login_required
def family(request: SignedInRequest) -> HttpResponse:
    """A parent or carer sees and changes their own children's choices, in plain words."""
    permissions.require(request.user, "give_own_child_consent", hide=True)
    children = list(request.user.children.filter(school_id=request.user.school_id,
                                                 is_active=True).order_by("first_name"))
    standing = selectors.current_consents(c.pk for c in children)
    entries = []
    for child in children:
        own = standing.get(child.pk, {})
        initial = {code: (AGREED if selectors.may_appear(own, code) else
                          (REFUSED if code in own else None)) for code, _ in PURPOSES}
        older = (child.year_group or 0) >= actions.DECIDES_WITH_PARENT_FROM_YEAR
        data = request.POST if (request.method == "POST"
                                and request.POST.get("child") == str(child.pk)) else None
        form = FamilyForm(data, prefix=f"c{child.pk}", labels=PARENT_PURPOSE_LABELS,
                          initial_choices={k: v for k, v in initial.items() if v},
                          older=older)
        if data is not None and form.is_valid():
            changed = 0
            try:
                for code, _ in PURPOSES:
                    chosen = form.cleaned_data.get(code)
                    if not chosen or chosen == initial[code]:
                        continue
                    decision = WITHDRAWN if (chosen == REFUSED and initial[code] == AGREED) \
                        else chosen
                    actions.consent_record(actor=request.user, pupil=child, purpose=code,
                                           decision=decision,
                                           pupil_agreed=form.cleaned_data.get("pupil_agreed"))
                    changed += 1
            except EsafetyError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, f"Thank you. Your choices for {child.first_name} "
                                          f"are saved." if changed else "Nothing changed.")
                return redirect("consent:family")
        entries.append({"child": child, "form": form})
    return render(request, "consent/family.html", {"entries": entries})
