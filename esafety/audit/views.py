from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.audit import integrity, selectors
from esafety.audit.labels import event_label
from esafety.audit.models import IntegrityCheck
from esafety.directory import permissions
from esafety.directory.models import Person, School
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
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "last_check": integrity.current_for(request.user)})


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
