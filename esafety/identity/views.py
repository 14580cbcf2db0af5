"""Sign-in pages: start with the school's provider, codes, and the IT manager's settings and
list of sign-ins nobody could match. Thin: check, validate, call the action, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import EsafetyError
from esafety.identity import actions, checks, forms, middleware, selectors, signing_in
from esafety.identity.models import SchoolSignIn, UnmatchedSignIn
from esafety.policies.middleware import gate_exempt
from esafety.web.requests import SignedInRequest

TOTP_SECRET = "identity.totp_secret"
TOTP_TRIES = "identity.totp_tries"
TOTP_LIMIT = 5


@gate_exempt
def start(request: HttpRequest, slug: str):
    """Send the browser to the school's provider, keeping ?next= through the round trip."""
    sign_in = selectors.sign_in_by_provider_id(f"school-{slug}")
    if sign_in is None or not sign_in.ready:
        raise Http404("no such sign-in")
    url = reverse("openid_connect_login", kwargs={"provider_id": sign_in.provider_id})
    params = {"process": "login"}
    next_url = request.GET.get("next", "")
    if next_url:
        params["next"] = signing_in.safe_next(request, next_url)
    return redirect(f"{url}?{urlencode(params)}")


@gate_exempt
def confirm_email(request: HttpRequest):
    pending = request.session.get(signing_in.EMAIL_CONFIRMATION)
    form = forms.CodeForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid():
        response, error = signing_in.confirm_email_code(request, form.cleaned_data["code"])
        if response is not None:
            return response
        pending = request.session.get(signing_in.EMAIL_CONFIRMATION)
    return render(request, "identity/confirm_email.html", {
        "form": form, "error": error, "pending": pending}, status=200 if pending else 410)


@gate_exempt
@login_required
def two_factor(request: SignedInRequest):
    """Give the code, or (first time, when the school requires it) set up the app."""
    person = request.user
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if not middleware.owes_code(request):
        return redirect(signing_in.safe_next(request, next_url))
    enrolling = not selectors.has_authenticator(person)
    form = forms.CodeForm(request.POST or None)
    if enrolling:
        from allauth.mfa.totp.internal.auth import generate_totp_secret

        secret = request.session.get(TOTP_SECRET) or generate_totp_secret()
        request.session[TOTP_SECRET] = secret
    if request.method == "POST" and form.is_valid():
        if _code_is_right(request, person, form.cleaned_data["code"], enrolling):
            if enrolling:
                actions.two_factor_enrol(person=person, secret=request.session.pop(TOTP_SECRET),
                                         code=form.cleaned_data["code"])
            request.session.pop(TOTP_TRIES, None)
            middleware.mark_done(request)
            return redirect(signing_in.safe_next(request, next_url))
        tries = request.session.get(TOTP_TRIES, 0) + 1
        request.session[TOTP_TRIES] = tries
        if tries >= TOTP_LIMIT:
            logout(request)
            return render(request, "identity/two_factor_stopped.html", status=403)
        form.add_error("code", "That code is not right. Check the time on your phone and use "
                               "the newest code.")
    context: dict = {"form": form, "next": next_url, "enrolling": enrolling}
    if enrolling:
        from allauth.mfa.adapter import get_adapter

        uri = get_adapter().build_totp_url(person, request.session[TOTP_SECRET])
        svg = get_adapter().build_totp_svg(uri).split("?>", 1)[-1]  # no XML prolog in HTML
        context.update(secret=request.session[TOTP_SECRET], qr_svg=svg, uri=uri)
    return render(request, "identity/two_factor.html", context)


def _code_is_right(request, person: Person, code: str, enrolling: bool) -> bool:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, validate_totp_code

    if enrolling:
        return validate_totp_code(request.session[TOTP_SECRET], code)
    authenticator = Authenticator.objects.filter(user=person,
                                                 type=Authenticator.Type.TOTP).first()
    return authenticator is not None and TOTP(authenticator).validate_code(code)


def _school(request: SignedInRequest, capability: str) -> School:
    permissions.require(request.user, capability, hide=True)
    if request.user.school is None:
        raise Http404("no school")
    return request.user.school


@login_required
def settings_page(request: SignedInRequest):
    school = _school(request, "configure_sign_in")
    sign_in = selectors.sign_in_for(school) or SchoolSignIn(school=school)
    initial = {name: getattr(sign_in, name) for name in actions.AUDITED_FIELDS}
    form = forms.SignInSettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            actions.sign_in_configure(actor=request.user, school=school,
                                      changes=form.cleaned_data)
        except EsafetyError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, "Saved. The sign-in page shows the change now.")
            return redirect("identity:settings")
    callback = request.build_absolute_uri(reverse(
        "openid_connect_callback", kwargs={"provider_id": f"school-{school.slug}"}))
    return render(request, "identity/settings.html", {
        "form": form, "sign_in": sign_in, "school": school, "callback_url": callback,
        "leaders_without_app": selectors.leaders_without_authenticator(school),
        "with_app": selectors.people_with_authenticator(school),
        "unmatched_count": selectors.open_unmatched(school).count(),
        "has_secret": bool(sign_in.client_secret),
    })


@require_POST
@login_required
def settings_check(request: SignedInRequest):
    """Ask the school's provider for its discovery document and say plainly what came back."""
    school = _school(request, "configure_sign_in")
    sign_in = selectors.sign_in_for(school)
    if sign_in is None or not sign_in.expected_issuer:
        messages.error(request, "Save the provider's details first.")
        return redirect("identity:settings")
    ok, text = checks.check_provider(sign_in)
    (messages.success if ok else messages.error)(request, text)
    return redirect("identity:settings")


@login_required
def unmatched_list(request: SignedInRequest):
    school = _school(request, "resolve_sign_ins")
    return render(request, "identity/unmatched_list.html", {
        "open": selectors.open_unmatched(school), "resolved": selectors.recent_resolved(school),
        "link_form": forms.LinkForm()})


@require_POST
@login_required
def unmatched_resolve(request: SignedInRequest, pk: int):
    school = _school(request, "resolve_sign_ins")
    unmatched = get_object_or_404(UnmatchedSignIn, pk=pk, school=school)
    try:
        if request.POST.get("outcome") == "dismiss":
            actions.unmatched_dismiss(actor=request.user, unmatched=unmatched)
            messages.success(request, f"Dismissed the sign-in of {unmatched}.")
        else:
            form = forms.LinkForm(request.POST)
            if not form.is_valid():
                raise _Invalid("Give the username of the person to link.")
            person = Person.objects.filter(school=school,
                                           username=form.cleaned_data["username"].strip()).first()
            if person is None:
                raise _Invalid(f"Nobody in the school has the username "
                               f"{form.cleaned_data['username'].strip()!r}.")
            actions.unmatched_link(actor=request.user, unmatched=unmatched, person=person)
            messages.success(request, f"Linked. {person.display_name} can now sign in with "
                                      f"the school account.")
    except (EsafetyError, _Invalid) as error:
        messages.error(request, str(error))
    return redirect("identity:unmatched")


class _Invalid(Exception):
    pass


@require_POST
@login_required
def two_factor_reset(request: SignedInRequest, pk: int):
    school = _school(request, "configure_sign_in")
    person = get_object_or_404(Person, pk=pk, school=school)
    try:
        actions.two_factor_reset(actor=request.user, person=person)
    except EsafetyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{person.display_name} sets up a new authenticator app at "
                                  f"their next sign-in.")
    return redirect("identity:settings")
