"""Evidence on a case: added (by the case team, or the reporter to their own report),
served only after the access check, withdrawn and signed off."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.views.decorators.http import require_POST

from esafety.errors import EsafetyError
from esafety.incidents import access, actions, forms, selectors
from esafety.incidents import evidence as files
from esafety.incidents.models import Evidence, Incident
from esafety.incidents.views.case import render_detail, team_post
from esafety.incidents.views.common import attempt, done, incident_url, upload
from esafety.policies.middleware import behind_gate, gate_redirect, open_to_reporters
from esafety.web.requests import SignedInRequest


@open_to_reporters
@login_required
@require_POST
def evidence_add(request: SignedInRequest, pk: int) -> HttpResponse:
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
        item = attempt(form, lambda: actions.evidence_add(
            actor=request.user, incident=incident, kind=data["kind"], url=data.get("url", ""),
            phone=data.get("phone", ""), text=data.get("text", ""),
            upload=upload(data.get("upload"))))
        if item is not None:
            return done(request, incident, f"Evidence added (SHA-256 {item.sha256[:12]}…).",
                         "#evidence")
    return render_detail(request, incident, level, status=400, evidence_form=form)


def _evidence_for(request: SignedInRequest, pk: int, evidence_pk: int, *,
                  team: bool = True) -> tuple[Incident, str, Evidence]:
    incident, level = access.get_incident_for_user(request.user, pk, team=team)
    item = selectors.case_row(Evidence, incident, evidence_pk)
    if level == access.REPORTER and item.added_by_id != request.user.pk:
        raise Http404("no such evidence")
    return incident, level, item


@login_required
def evidence_file(request: SignedInRequest, pk: int, evidence_pk: int) -> FileResponse:
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


@team_post
def evidence_withdraw(request: SignedInRequest, incident: Incident, level: str, evidence_pk: int) -> HttpResponse:
    item = selectors.case_row(Evidence, incident, evidence_pk)
    form = forms.WithdrawForm(request.POST)
    if form.is_valid():
        try:
            actions.evidence_withdraw(actor=request.user, evidence=item,
                                      reason=form.cleaned_data["reason"])
            return done(request, incident, "Item marked withdrawn. It is kept in the record.",
                         "#evidence")
        except EsafetyError as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Say why the item is withdrawn.")
    return redirect(f"{incident_url(incident)}#evidence")


@team_post
def screenshot_sign(request: SignedInRequest, incident: Incident, level: str, evidence_pk: int) -> HttpResponse:
    item = selectors.case_row(Evidence, incident, evidence_pk)
    try:
        actions.screenshot_sign(actor=request.user, evidence=item)
        messages.success(request, "Screenshot signed off.")
    except EsafetyError as exc:
        messages.error(request, str(exc))
    return redirect(f"{incident_url(incident)}#evidence")
