import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from esafety.directory import permissions, roles
from esafety.directory.access import get_person_for_user
from esafety.errors import EsafetyError
from esafety.policies import actions, selectors, status
from esafety.policies.forms import (
    ComplianceFilterForm,
    DecisionForm,
    NewDocumentForm,
    PaperSignatureForm,
    PublishVersionForm,
)
from esafety.policies.middleware import gate_exempt
from esafety.policies.models import Acceptance
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _safe_next(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@gate_exempt
@login_required
def my_aup(request: SignedInRequest):
    """The gate page: the AUP for the person's audience, the monitoring notice, accept or not."""
    person = request.user
    standing = status.standing(person)
    if request.method == "POST":
        form = DecisionForm(request.POST)
        if form.is_valid() and standing.version and form.cleaned_data["version"] == standing.version.pk:
            decision = form.cleaned_data["decision"]
            actions.acceptance_record(actor=person, person=person, version=standing.version,
                                      decision=decision)
            if decision == Acceptance.ACCEPTED:
                messages.success(request, "Thank you. You have accepted the Acceptable Use Policy.")
                return redirect(_safe_next(request))
            return redirect("policies:my_aup")
        messages.error(request, "The policy changed while you were reading it. Please read the "
                                "current version and choose again.")
        return redirect("policies:my_aup")
    history = selectors.answers_of(person)
    return render(request, "policies/my_aup.html", {
        "standing": standing, "version": standing.version, "history": history,
        "next": _safe_next(request, ""), "pupil_view": person.is_pupil,
        # KS1 and KS2 (Reception to Year 6) get the child-sized monitoring notice.
        "young_pupil": person.is_pupil and (person.key_stage or 99) <= 2,
        # Pupils and parents read plain words: no policy clause references.
        "plain_view": person.is_pupil or person.is_parent,
        "school_year": person.school.school_year_label() if person.school else "",
    })


@login_required
def children(request: SignedInRequest):
    """A parent's page: each child's agreement this year, with a co-sign button (002)."""
    person = request.user
    if not person.is_parent:
        raise Http404
    return render(request, "policies/children.html",
                  {"rows": selectors.children_standing(person)})


@require_POST
@login_required
def cosign(request: SignedInRequest, acceptance_id):
    person = request.user
    acceptance = selectors.get_child_acceptance(person, acceptance_id)
    try:
        actions.acceptance_cosign(actor=person, acceptance=acceptance)
        messages.success(request, f"You have co-signed {acceptance.person.first_name}'s agreement.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect("policies:children")


@login_required
def policy_list(request: SignedInRequest):
    permissions.require(request.user, "read_policies", hide=True)
    return render(request, "policies/list.html", {
        "rows": selectors.documents_with_current_version(request.user.school),
        "my_reviews": status.reviews_due(request.user.school, request.user),
        "can_manage": permissions.role_may(request.user.role, "manage_policies"),
    })


@login_required
def document_detail(request: SignedInRequest, pk):
    permissions.require(request.user, "read_policies", hide=True)
    document = selectors.get_document_for_user(request.user, pk)
    versions = selectors.published_versions(document)
    return render(request, "policies/document.html", {
        "document": document, "versions": versions, "current": document.current_version(),
        "can_manage": permissions.role_may(request.user.role, "manage_policies"),
    })


@login_required
def document_new(request: SignedInRequest):
    permissions.require(request.user, "manage_policies", hide=True)
    school = request.user.school
    if school is None:  # the service operator: policies belong to a school
        raise Http404("not available")
    form = NewDocumentForm(request.POST or None, school=school)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.policy_document_create(actor=request.user, school=school,
                                                      **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Policy created. Now publish its first version.")
            return redirect("policies:publish", pk=document.pk)
    return render(request, "policies/new_document.html", {"form": form})


@login_required
def publish(request: SignedInRequest, pk):
    permissions.require(request.user, "manage_policies", hide=True)
    document = selectors.get_document_for_user(request.user, pk)
    current = document.current_version()
    initial = {"approved_on": timezone.localdate()}
    if current:
        initial.update(text=current.text, approved_by=current.approved_by)
    form = PublishVersionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            version = actions.policy_publish(actor=request.user, document=document, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            note = (" Everyone in its audience will be asked to accept it when they next sign in."
                    if document.is_aup else "")
            messages.success(request, f"Version {version.number} published.{note}")
            return redirect("policies:document", pk=document.pk)
    return render(request, "policies/publish.html", {"form": form, "document": document,
                                                      "current": current})


@login_required
def version_detail(request: SignedInRequest, pk):
    permissions.require(request.user, "read_policies", hide=True)
    version = selectors.get_published_version_for_user(request.user, pk)
    return render(request, "policies/version.html", {"version": version})


@login_required
def compliance(request: SignedInRequest):
    """Who has accepted, declined or not yet responded, per audience and version."""
    user = request.user
    permissions.require(user, "view_agreements", hide=True)
    summary = status.summary(user.school)
    form = ComplianceFilterForm(request.GET or None)
    # Each filter that makes sense is used; one that does not is named and left out.
    data = {}
    if form.is_bound:
        form.is_valid()  # the filters that are valid stay in cleaned_data
        data = form.cleaned_data
    if form.errors:
        messages.error(request, "Some of the filters were not understood, so they are not used: "
                                + "; ".join(f"{form.fields[name].label or name.title()}: "
                                            f"{' '.join(str(e) for e in errors)}"
                                            for name, errors in form.errors.items()))
    audience = data.get("audience") or (summary[0]["document"].audience if summary else "")
    versions = selectors.published_versions_for_audience(user.school, audience)
    version = selectors.chosen_version(versions, data.get("version"))
    if version is None:
        version = versions.first()
        if data.get("version") and version is not None:
            messages.info(request, f"Showing the current version for "
                                   f"{version.document.audience_label}.")
    pupil_audience = audience in roles.PUPIL_AUDIENCES
    rows = selectors.compliance_rows(version, data, pupil_audience) if version else []
    if request.GET.get("format") == "csv" and version:
        return _compliance_csv(version, rows)
    return render(request, "policies/compliance.html", {
        "summary": summary, "form": form, "audience": audience, "version": version,
        "audience_label": roles.AUDIENCE_LABELS.get(audience, ""),
        "audience_choices": roles.AUDIENCE_CHOICES,
        "versions": versions, "rows": rows,
        "pupil_audience": pupil_audience,
        "can_record_paper": permissions.role_may(user.role, "record_paper_signature"),
        "can_view": permissions.allowed(user, "view_compliance"),
        "query": request.GET.urlencode(),
    })


def _compliance_csv(version, rows):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="aup-{version.document.audience}-v{version.number}-{stamp}.csv"')
    response.write("\ufeff")  # so Excel opens it as UTF-8
    writer = csvsafe.writer(response)  # formula-safe cells
    writer.writerow(["name", "username", "role", "year_group", "form", "policy", "version",
                     "status", "decided_at", "method", "recorded_by", "cosigned_by", "cosigned_at"])
    for row in rows:
        a = row.answer
        writer.writerow([
            row.person.display_name, row.person.username, row.person.role_label,
            row.person.year_label, row.person.form, version.document.title, version.number,
            row.status,
            timezone.localtime(a.decided_at).strftime("%Y-%m-%d %H:%M") if a else "",
            a.get_method_display() if a else "",
            a.recorded_by.display_name if a and a.recorded_by else "",
            a.cosigned_by.display_name if a and a.cosigned_by else "",
            timezone.localtime(a.cosigned_at).strftime("%Y-%m-%d %H:%M") if a and a.cosigned_at else "",
        ])
    return response


@login_required
def paper_signature(request: SignedInRequest, person_id):
    """Record a signature made on paper, with the scanned form attached."""
    permissions.require(request.user, "record_paper_signature", hide=True)
    person = get_person_for_user(request.user, person_id)
    version = status.current_aup(person.school, person.audience) if person.school else None
    if version is None:
        messages.error(request, f"There is no Acceptable Use Policy for {person.display_name}'s audience yet.")
        return redirect("policies:compliance")
    form = PaperSignatureForm(request.POST or None, request.FILES or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        signed_at = timezone.make_aware(
            datetime.datetime.combine(data["signed_on"], datetime.time(hour=12)))
        signed_at = min(signed_at, timezone.now())
        try:
            actions.acceptance_record(
                actor=request.user, person=person, version=version, decision=data["decision"],
                method=Acceptance.PAPER, decided_at=signed_at, scanned_form=data["scanned_form"],
                cosigned_by=data.get("cosigned_by"))
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"Paper form recorded for {person.display_name}.")
            return redirect(f"{reverse('policies:compliance')}?audience={version.document.audience}")
    return render(request, "policies/paper.html", {"form": form, "person": person, "version": version})


@login_required
def scanned_form(request: SignedInRequest, acceptance_id):
    permissions.require(request.user, "view_agreements", hide=True)
    acceptance = selectors.get_acceptance_for_user(request.user, acceptance_id)
    if not acceptance.scanned_form:
        raise Http404
    return FileResponse(acceptance.scanned_form.open("rb"), as_attachment=False,
                        filename=(acceptance.scanned_form.name or "").rsplit("/", 1)[-1])
