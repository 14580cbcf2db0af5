import json
from collections.abc import Iterator
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.audit import actions, integrity, selectors
from esafety.audit.labels import event_label
from esafety.audit.models import AuditEvent, IntegrityCheck
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


class TrailFilterForm(forms.Form):
    event_type = forms.ChoiceField(required=False, label="What happened")
    q = forms.CharField(required=False, max_length=100, label="Person or record contains")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, event_types, **kwargs):
        super().__init__(*args, **kwargs)
        choices = sorted(((t, event_label(t)) for t in event_types), key=lambda c: c[1])
        field = self.fields["event_type"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Everything")] + choices


@login_required
def trail(request: SignedInRequest):
    """The headteacher's view of the append-only audit trail of their school."""
    permissions.require(request.user, "view_audit_trail", hide=True)
    found = selectors.trail_for(request.user)
    form = TrailFilterForm(request.GET or None, event_types=selectors.event_types_in(found))
    found = selectors.filtered(found, form.cleaned_data if form.is_valid() else {})
    return _trail_page(request, form, found)


def _trail_page(request: SignedInRequest, form: TrailFilterForm, found,
                status: int = 200) -> HttpResponse:
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_export": permissions.allowed(request.user, "export_audit_trail"),
        "last_check": integrity.current_for(request.user)},
        status=status)


EXPORT_COLUMNS = ["When", "Who", "What happened", "Event type", "Record type", "Record id",
                  "Record", "Before", "After", "Details", "Sequence"]


class _Echo:
    """A file that hands back what is written, so rows stream out as they are made."""

    def write(self, value: str) -> str:
        return value


def _cell_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=str) if value else ""


def _export_lines(found) -> Iterator[str]:
    writer = csvsafe.writer(_Echo())  # formula-safe cells
    yield "\ufeff"  # so Excel opens it as UTF-8
    yield writer.writerow(EXPORT_COLUMNS)
    for event in found.iterator(chunk_size=2000):
        yield writer.writerow([
            timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"), event.actor_label,
            event_label(event.event_type), event.event_type, event.object_type,
            event.object_id, event.object_label, _cell_json(event.before),
            _cell_json(event.after), _cell_json(event.details), event.seq])


@login_required
def trail_export(request: SignedInRequest):
    """The rows the trail page would show with the same filters, as a CSV file (audited)."""
    permissions.require(request.user, "view_audit_trail", hide=True)
    permissions.require(request.user, "export_audit_trail", hide=True)
    found = selectors.trail_for(request.user)
    form = TrailFilterForm(request.GET or None, event_types=selectors.event_types_in(found))
    if form.is_bound and not form.is_valid():
        return _trail_page(request, form, selectors.filtered(found, {}), status=400)
    data = form.cleaned_data if form.is_bound else {}
    # The rows as they stand now: the export's own audit row is not part of it.
    top = AuditEvent.objects.aggregate(top=Max("seq"))["top"] or 0
    found = selectors.filtered(found, data).filter(seq__lte=top)
    actions.audit_trail_exported(actor=request.user, rows=found.count(), filters={
        key: value.isoformat() if hasattr(value, "isoformat") else str(value or "")
        for key, value in data.items()})
    response = StreamingHttpResponse(_export_lines(found), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="audit-trail-{timezone.localdate().isoformat()}.csv"')
    response["Cache-Control"] = "no-store"
    return response


def _require_checker(user: Person) -> School:
    """The checker's school; 404 for anyone who may not check histories."""
    if not integrity.may_check(user) or user.school is None:
        raise Http404("not available")
    return user.school


@login_required
def history_check(request: SignedInRequest):
    """The latest history check for the head and DSL, with what it found and "Check now"."""
    _require_checker(request.user)
    check = integrity.current_for(request.user)
    return render(request, "audit/history_check.html", {
        "check": check, "genuine": check is None or integrity.is_genuine(check),
        "overdue": integrity.is_overdue(check),
        "problems": integrity.problems_for(request.user, check) if check else []})


@login_required
@require_POST
def history_check_now(request: SignedInRequest):
    school = _require_checker(request.user)
    check = integrity.run_check(school=school, how=IntegrityCheck.ON_DEMAND,
                                actor=request.user)
    if check.ok:
        messages.success(request, "Checked just now: every incident's history and the audit "
                                  "trail are as esafety recorded them.")
    else:
        messages.error(request, "Checked just now: some records were changed outside esafety. "
                                "See what was found below.")
    return redirect("audit:history_check")
