"""The network's pages: "sign in to the internet" (the captive portal), this computer's
sign-in, the AUP for the network, and the IT manager's network sign-in status.

The portal pages are reached by redirection from the school's proxy, so the browser may not
be signed in to esafety; they are open to the AUP gate (a person who has not accepted must
reach them). GET never writes.
"""

from __future__ import annotations

import re
from urllib.parse import urlencode, urlsplit

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from esafety.audit.models import AuditEvent
from esafety.directory import permissions
from esafety.directory.models import Person, School, UnknownSchool
from esafety.errors import EsafetyError
from esafety.filtering import publish
from esafety.identity import selectors as identity_selectors
from esafety.network import actions, portal, selectors
from esafety.network.forms import NetworkSettingsForm, PortalForm, SchoolForm
from esafety.policies import status as aup_status
from esafety.policies.middleware import gate_exempt
from esafety.web.requests import SignedInRequest
from esafety.web.signin import client_address

SLUG = re.compile(r"[-a-zA-Z0-9_]{1,60}")


def _school(slug: object) -> School | None:
    # Only a short name's letters reach the database (PostgreSQL refuses a NUL byte).
    if not isinstance(slug, str) or not SLUG.fullmatch(slug):
        return None
    try:
        return School.objects.by_slug(slug)
    except UnknownSchool:
        return None


def _unknown_school(request: HttpRequest) -> HttpResponse:
    return render(request, "network/unknown_school.html", status=404)


def _page_query(school: School, next_url: str) -> str:
    query = {"school": school.slug}
    if next_url:
        query["next"] = next_url
    return "?" + urlencode(query)


def _person(request: HttpRequest) -> Person | None:
    user = request.user
    return user if isinstance(user, Person) and user.is_authenticated else None


def _sign_in_urls(school: School, after: str) -> dict[str, str]:
    """The school's provider sign-in and the local one, both coming back to `after`."""
    local = reverse("login") + "?" + urlencode({"next": after})
    if not identity_selectors.providers_to_offer(school.slug):
        return {"provider": local, "local": local}
    provider = reverse("identity:start", kwargs={"slug": school.slug})
    return {"provider": provider + "?" + urlencode({"next": after}), "local": local}


@gate_exempt
def signin(request: HttpRequest) -> HttpResponse:
    """Sign in to the internet: choose the school account or a username and password."""
    if request.method == "POST":
        return _signin_post(request)
    school = _school(request.GET.get("school"))
    if school is None:
        return _unknown_school(request)
    next_url = portal.clean_next(request.GET.get("next", ""))
    person = _person(request)
    address = client_address(request)
    binding = selectors.live_binding(school, address) if selectors.valid_address(address) else None
    return render(request, "network/signin.html", {
        "school": school, "next": next_url, "next_host": urlsplit(next_url).hostname or "",
        "person": person if person is not None and person.school_id == school.pk else None,
        "bound_here": binding is not None and person is not None
        and binding.person_id == person.pk,
        "someone_bound": binding is not None,
        "provider": next(iter(identity_selectors.providers_to_offer(school.slug)), None),
    })


def _signin_post(request: HttpRequest) -> HttpResponse:
    form = PortalForm(request.POST)
    school = _school(request.POST.get("school"))
    if school is None or not form.is_valid():
        if school is None:
            return _unknown_school(request)
        messages.error(request, "Please choose how to sign in.")
        return redirect(reverse("network:signin") + _page_query(school, ""))
    next_url = portal.clean_next(form.cleaned_data["next"])
    after = reverse("network:this_computer") + _page_query(school, next_url)
    how = form.cleaned_data["how"]
    person = _person(request)
    if how == "me":
        if person is None:
            return redirect(reverse("network:signin") + _page_query(school, next_url))
        request.session[portal.RESULT] = portal.bind(request, person, school)
        return redirect(after)
    if person is not None:
        # Someone else is at this computer: the person signed in to esafety here is signed
        # out first, so the new sign-in is theirs.
        logout(request)
    portal.start(request, school, next_url)
    urls = _sign_in_urls(school, after)
    return redirect(urls["provider"] if how == "provider" else urls["local"])


@gate_exempt
def this_computer(request: HttpRequest) -> HttpResponse:
    """Who is signed in to the internet on this computer, with a way to sign out."""
    school = _school(request.GET.get("school"))
    person = _person(request)
    if school is None and person is not None:
        school = person.school
    if school is None:
        return _unknown_school(request)
    next_url = portal.clean_next(request.GET.get("next", ""))
    address = client_address(request)
    binding = selectors.live_binding(school, address) if selectors.valid_address(address) else None
    result = request.session.get(portal.RESULT)
    refused = result.get("why", "") if isinstance(result, dict) and not result.get("ok") else ""
    mine = binding is not None and person is not None and binding.person_id == person.pk
    return render(request, "network/this_computer.html", {
        "school": school, "next": next_url, "next_host": urlsplit(next_url).hostname or "",
        "binding": binding, "mine": mine, "refused": refused if not mine else "",
        "person": person if person is not None and person.school_id == school.pk else None,
        "signin_url": reverse("network:signin") + _page_query(school, next_url),
    })


@gate_exempt
@require_POST
def signout(request: HttpRequest) -> HttpResponse:
    """Sign out of the internet on this computer (whoever is at it may)."""
    form = SchoolForm(request.POST)
    school = _school(request.POST.get("school")) if form.is_valid() else None
    if school is None:
        return _unknown_school(request)
    try:
        ended = actions.binding_end(actor=_person(request), school=school,
                                    address=client_address(request))
    except EsafetyError as exc:
        messages.error(request, str(exc)[:1].upper() + str(exc)[1:] + ".")
        ended = None
    else:
        messages.success(request, "This computer is signed out of the internet."
                         if ended else "Nobody was signed in to the internet on this computer.")
    request.session.pop(portal.RESULT, None)
    return redirect(reverse("network:this_computer") + _page_query(school, ""))


@gate_exempt
def aup(request: HttpRequest) -> HttpResponse:
    """The Acceptable Use Policy for the network: accept it in esafety, then browse."""
    school = _school(request.GET.get("school"))
    if school is None:
        return _unknown_school(request)
    next_url = portal.clean_next(request.GET.get("next", ""))
    here = reverse("network:aup") + _page_query(school, next_url)
    person = _person(request)
    if person is None:
        return redirect(reverse("login") + "?" + urlencode({"next": here}))
    if person.school_id != school.pk:
        return render(request, "network/other_school.html", {"school": school}, status=403)
    standing = aup_status.standing(person)
    if not standing.may_use_systems:
        return redirect(reverse("policies:my_aup") + "?" + urlencode({"next": here}))
    return render(request, "network/aup_done.html", {
        "school": school, "next": next_url, "next_host": urlsplit(next_url).hostname or "",
        "person": person})


# -- the IT manager's page ---------------------------------------------------------------
@login_required
def status(request: SignedInRequest) -> HttpResponse:
    user = request.user
    permissions.require(user, "view_network_status", hide=True)
    school = user.school
    if school is None:
        return _unknown_school(request)
    config = selectors.settings_for(school)
    form = NetworkSettingsForm(initial={
        "idle_minutes": config.idle_minutes, "school_day_ends": config.school_day_ends,
        "unidentified": config.unidentified,
        "snapshot_age_limit_minutes": config.snapshot_age_limit_minutes,
        "extra_web_hosts": config.extra_web_hosts})
    return _status_page(request, school, form)


def _status_page(request: SignedInRequest, school: School, form: NetworkSettingsForm,
                 code: int = 200) -> HttpResponse:
    config = selectors.settings_for(school)
    state = selectors.network_status(school, publish.snapshot_dir(school))
    failed = AuditEvent.objects.filter(school=school,
                                       event_type="network_email_failed").order_by("-pk")[:5]
    return render(request, "network/status.html", {
        "school": school, "config": config, "state": state, "form": form,
        "bindings": selectors.live_bindings(school)[:200],
        "can_change": permissions.allowed(request.user, "manage_filtering", school),
        "failed_emails": failed,
    }, status=code)


@login_required
@require_POST
def settings_save(request: SignedInRequest) -> HttpResponse:
    user = request.user
    permissions.require(user, "view_network_status", hide=True)
    permissions.require(user, "manage_filtering", hide=True)
    school = user.school
    if school is None:
        return _unknown_school(request)
    form = NetworkSettingsForm(request.POST)
    if not form.is_valid():
        return _status_page(request, school, form, code=400)
    try:
        actions.settings_change(actor=user, school=school, **form.cleaned_data)
    except EsafetyError as exc:
        form.add_error(None, str(exc))
        return _status_page(request, school, form, code=400)
    messages.success(request, "Saved. The filter has the new settings.")
    return redirect("network:status")
