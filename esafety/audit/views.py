from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import render

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.access import require_role


class TrailFilterForm(forms.Form):
    event_type = forms.ChoiceField(required=False, label="What happened")
    q = forms.CharField(required=False, max_length=100, label="Person or record contains")
    since = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, event_types, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event_type"].choices = [("", "Everything")] + [(t, t.replace("_", " "))
                                                                    for t in event_types]


@login_required
def trail(request):
    """The headteacher's view of the append-only audit trail of their school."""
    require_role(request.user, roles.CAN_VIEW_AUDIT)
    found = AuditEvent.objects.filter(school_id=request.user.school_id)
    event_types = sorted(set(found.values_list("event_type", flat=True).distinct()))
    form = TrailFilterForm(request.GET or None, event_types=event_types)
    data = form.cleaned_data if form.is_valid() else {}
    if data.get("event_type"):
        found = found.filter(event_type=data["event_type"])
    if data.get("q"):
        found = found.filter(Q(object_label__icontains=data["q"]) | Q(actor_label__icontains=data["q"]))
    if data.get("since"):
        found = found.filter(at__date__gte=data["since"])
    if data.get("until"):
        found = found.filter(at__date__lte=data["until"])
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/trail.html", {"form": form, "page": page, "query": query.urlencode()})
