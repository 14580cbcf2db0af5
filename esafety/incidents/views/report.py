"""Reporting a concern: a short form for pupils, one for parents, the full one for staff.

Open to everyone signed in, whether or not they have accepted the AUP: nobody is ever
prevented from telling someone about harm.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render

from esafety.directory.models import Person
from esafety.incidents import actions, forms, rules, selectors
from esafety.incidents.models import Incident
from esafety.incidents.views.common import attempt, datetime_from_date, upload
from esafety.policies.middleware import gate_exempt
from esafety.web.requests import SignedInRequest


@gate_exempt  # nobody is ever prevented from telling someone about harm, AUP or not
@login_required
def report_new(request: SignedInRequest) -> HttpResponse:
    user = request.user
    form_class: type[forms.PupilReportForm | forms.ParentReportForm | forms.StaffReportForm]
    kwargs: dict[str, Any]
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
        incident = attempt(form, lambda: _report(user, form))
        if incident is not None:
            messages.success(request, _thanks(user, incident))
            if selectors.notification_failed(incident):
                messages.warning(request, _not_emailed(user))
            return redirect("incidents:detail", pk=incident.pk)
    return render(request, template, {"form": form, "image_steps": rules.IMAGE_STEPS},
                  status=400 if form.errors else 200)


def _thanks(user: Person, incident: Incident) -> str:
    # Says only what is true the moment the report is saved: it is on the DSL's list.
    if user.is_pupil:
        return ("Thank you for telling us. Your report is saved, and the staff who keep pupils "
                "safe can see it now.")
    if incident.images_not_accepted:
        return ("Thank you. Your report is saved and the designated safeguarding lead can see it "
                "now. Please read the steps below.")
    return ("Thank you for telling us. Your report is saved and the designated safeguarding lead "
            "can see it now.")


def _not_emailed(user: Person) -> str:
    # The alert email failed (recorded in the case's history): say so, in plain words.
    if user.is_pupil:
        return ("We could not send a message to the staff who keep you safe just now. Your "
                "report is saved and they will see it when they look at reports. If you are "
                "worried right now, talk to a teacher or another adult you trust, or call "
                "Childline free on 0800 1111.")
    return ("We have recorded your report, but we could not email the designated safeguarding "
            "lead just now; they will see it in the incident log. If anyone is in danger now, "
            "tell the safeguarding lead in person or call 999.")


def _report(user: Person, form: Any) -> Incident:
    data = form.cleaned_data
    if user.is_pupil:
        description = data["description"]
        if data.get("who"):
            description += f"\n\nWho was involved: {data['who']}"
        return actions.incident_report(actor=user, kind=data["kind"], description=description,
                                       occurred_at=datetime_from_date(data.get("when")),
                                       people=[user], via="pupil")
    if user.is_parent:
        return actions.incident_report(
            actor=user, kind=data["kind"], description=data["description"],
            occurred_at=datetime_from_date(data.get("when")), people=[data["child"]],
            urls=(data.get("urls") or "").splitlines(), via="parent")
    return actions.incident_report(
        actor=user, kind=data["kind"], summary=data.get("summary", ""),
        description=data["description"], occurred_at=data.get("occurred_at"),
        location=data.get("location", ""), people=list(data.get("people") or []),
        subject_staff=data.get("subject_staff"), urls=(data.get("urls") or "").splitlines(),
        image_location=data.get("image_location", ""),
        upload=upload(data.get("evidence_file")), via="staff")
