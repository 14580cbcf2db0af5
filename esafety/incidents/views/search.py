"""Searching the cases, and downloading the incident log as a spreadsheet.

Searching writes nothing (it is not opening a case: opening one from the results is
recorded as it always is). A download discloses every case in it, so it is recorded by an
action, the only write on that GET.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.incidents import access, actions, forms, search
from esafety.incidents.models import Incident
from esafety.incidents.views.log import cut_at_word
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest

PER_PAGE = 25


def _may_search(user: Person) -> bool:
    """Leaders, and anyone working on (or given access to) at least one case."""
    return access.is_leader(user) or access.team_incidents(user).exists()


def _page(request: SignedInRequest, form: forms.CaseSearchForm, status: int = 200,
          searched: bool = True) -> HttpResponse:
    page = None
    if searched and form.is_bound and form.is_valid():
        page = Paginator(search.search(request.user, form.criteria()), PER_PAGE).get_page(
            request.GET.get("page"))
        for case in page.object_list:
            case.short_summary = cut_at_word(case.summary)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "incidents/search.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_export": access.can_export_log(request.user),
    }, status=400 if form.errors else status)


@login_required
def case_search(request: SignedInRequest) -> HttpResponse:
    if not _may_search(request.user):
        raise Http404("not available")
    return _page(request, forms.CaseSearchForm(request.GET or None))


@login_required
def log_export(request: SignedInRequest) -> HttpResponse:
    """The cases the user may see (narrowed by the search's criteria) as a CSV file."""
    permissions.require(request.user, "export_incident_log", hide=True)
    form = forms.CaseSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return _page(request, form, searched=False)
    criteria = form.criteria()
    ids = list(search.search(request.user, criteria).values_list("pk", flat=True))
    actions.incident_log_exported(actor=request.user, incident_ids=ids,
                                  filters=criteria.as_filters())
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="incident-log-{timezone.localdate().isoformat()}.csv"')
    response["Cache-Control"] = "no-store"
    response.write("\ufeff")  # so Excel opens it as UTF-8
    writer = csvsafe.writer(response)  # formula-safe cells
    writer.writerow(search.LOG_COLUMNS)
    writer.writerows(search.log_rows(Incident.objects.filter(pk__in=ids)))
    return response
