from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from esafety.directory import permissions, roles
from esafety.directory.access import get_person_for_user
from esafety.errors import EsafetyError
from esafety.policies import actions, status
from esafety.policies.forms import (
    ComplianceFilterForm,
    DecisionForm,
    NewDocumentForm,
    PaperSignatureForm,
    PublishVersionForm,
)
from esafety.policies.middleware import gate_exempt
from esafety.policies.models import Acceptance, PolicyDocument, PolicyVersion
from esafety.web import csvsafe


def get_document_for_user(user, pk) -> PolicyDocument:
    try:
        return PolicyDocument.objects.get(pk=pk, school_id=user.school_id)
    except (PolicyDocument.DoesNotExist, ValueError):
        raise Http404("no such policy") from None


def _safe_next(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@gate_exempt
@login_required
def my_aup(request):
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
    history = (Acceptance.objects.filter(person=person).select_related("version__document")
               .order_by("-decided_at")[:10])
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
def children(request):
    """A parent's page: each child's agreement this year, with a co-sign button (002)."""
    person = request.user
    if not person.is_parent:
        raise Http404
    rows = []
    for child in person.children.filter(is_active=True).order_by("first_name"):
        rows.append({"child": child, "standing": status.standing(child)})
    return render(request, "policies/children.html", {"rows": rows})


@require_POST
@login_required
def cosign(request, acceptance_id):
    person = request.user
    try:
        acceptance = Acceptance.objects.select_related("person").get(
            pk=acceptance_id, person__in=person.children.all())
    except (Acceptance.DoesNotExist, ValueError):
        raise Http404 from None
    try:
        actions.acceptance_cosign(actor=person, acceptance=acceptance)
        messages.success(request, f"You have co-signed {acceptance.person.first_name}'s agreement.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect("policies:children")


@login_required
def policy_list(request):
    permissions.require(request.user, "read_policies", hide=True)
    documents = PolicyDocument.objects.filter(school_id=request.user.school_id).select_related(
        "responsible_person")
    rows = [{"document": d, "version": d.current_version()} for d in documents]
    return render(request, "policies/list.html", {
        "rows": rows,
        "my_reviews": status.reviews_due(request.user.school, request.user),
        "can_manage": permissions.role_may(request.user.role, "manage_policies"),
    })


@login_required
def document_detail(request, pk):
    permissions.require(request.user, "read_policies", hide=True)
    document = get_document_for_user(request.user, pk)
    versions = document.versions.filter(published_at__isnull=False).select_related("published_by")
    return render(request, "policies/document.html", {
        "document": document, "versions": versions, "current": document.current_version(),
        "can_manage": permissions.role_may(request.user.role, "manage_policies"),
    })


@login_required
def document_new(request):
    permissions.require(request.user, "manage_policies", hide=True)
    form = NewDocumentForm(request.POST or None, school=request.user.school)
    if request.method == "POST" and form.is_valid():
        try:
            document = actions.policy_document_create(actor=request.user, school=request.user.school,
                                                      **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "Policy created. Now publish its first version.")
            return redirect("policies:publish", pk=document.pk)
    return render(request, "policies/new_document.html", {"form": form})


@login_required
def publish(request, pk):
    permissions.require(request.user, "manage_policies", hide=True)
    document = get_document_for_user(request.user, pk)
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
def version_detail(request, pk):
    permissions.require(request.user, "read_policies", hide=True)
    try:
        version = PolicyVersion.objects.select_related("document").get(
            pk=pk, document__school_id=request.user.school_id, published_at__isnull=False)
    except (PolicyVersion.DoesNotExist, ValueError):
        raise Http404 from None
    return render(request, "policies/version.html", {"version": version})


def _compliance_rows(version, data, pupil_audience):
    rows = status.compliance(version)
    if data.get("status"):
        rows = [r for r in rows if r.status == data["status"]]
    # Year group and form only mean something for pupils; a value left over from a pupil
    # audience must not empty another audience's list.
    if pupil_audience and data.get("year_group"):
        rows = [r for r in rows if r.person.year_group == int(data["year_group"])]
    if pupil_audience and data.get("form"):
        wanted = data["form"].strip().lower()
        rows = [r for r in rows if r.person.form.lower() == wanted]
    if data.get("q"):
        needle = data["q"].strip().lower()
        rows = [r for r in rows if needle in r.person.display_name.lower()
                or needle in r.person.username.lower()]
    return rows


@login_required
def compliance(request):
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
                                + "; ".join(f"{form.fields[name].label or name.title()}: {' '.join(errors)}"
                                            for name, errors in form.errors.items()))
    audience = data.get("audience") or (summary[0]["document"].audience if summary else "")
    versions = PolicyVersion.objects.filter(document__school=user.school, document__audience=audience,
                                            published_at__isnull=False).order_by("-published_at", "-id")
    # The version chosen must be one of this audience's: after the audience is changed, the
    # version picked for the previous audience is left behind, and the current one is shown.
    version = versions.filter(pk=data["version"]).first() if data.get("version") else None
    if version is None:
        version = versions.first()
        if data.get("version") and version is not None:
            messages.info(request, f"Showing the current version for "
                                   f"{version.document.audience_label}.")
    pupil_audience = audience in roles.PUPIL_AUDIENCES
    rows = _compliance_rows(version, data, pupil_audience) if version else []
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
def paper_signature(request, person_id):
    """Record a signature made on paper, with the scanned form attached."""
    permissions.require(request.user, "record_paper_signature", hide=True)
    person = get_person_for_user(request.user, person_id)
    version = status.current_aup(person.school, person.audience)
    if version is None:
        messages.error(request, f"There is no Acceptable Use Policy for {person.display_name}'s audience yet.")
        return redirect("policies:compliance")
    form = PaperSignatureForm(request.POST or None, request.FILES or None, person=person)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        signed_at = timezone.make_aware(
            timezone.datetime.combine(data["signed_on"], timezone.datetime.min.time()).replace(hour=12))
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
def scanned_form(request, acceptance_id):
    permissions.require(request.user, "view_agreements", hide=True)
    try:
        acceptance = Acceptance.objects.get(pk=acceptance_id, person__school_id=request.user.school_id)
    except (Acceptance.DoesNotExist, ValueError):
        raise Http404 from None
    if not acceptance.scanned_form:
        raise Http404
    return FileResponse(acceptance.scanned_form.open("rb"), as_attachment=False,
                        filename=acceptance.scanned_form.name.rsplit("/", 1)[-1])
