"""Web hardening that applies to every page: no copies in caches, idle sign-out."""

import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import QueryDict
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

LAST_SEEN = "esafety_last_seen"
# The school's public policies and notices (esafety/public): anyone may read them.
PUBLIC_PREFIX = "/public/"
# Remember activity at most once a minute: each remembering is a database write.
REMEMBER_EVERY = 60
# Form fields never shown back to someone who was signed out while sending a form.
NOT_KEPT = {"csrfmiddlewaretoken", "next", "password", "password1", "password2"}


class StripNulFromAddressesMiddleware:
    """NUL characters are taken out of a page address's query (`?group=a%00b`).

    No field in esafety can hold one, and PostgreSQL fails on them in a query. Addresses only
    read (search boxes, filters), so dropping the invisible character is harmless there.
    Forms that save something are not touched: their fields refuse a NUL with a message on
    the form (Django's text fields do), so nobody's words are changed behind their back.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if any("\x00" in key or any("\x00" in v for v in values)
               for key, values in request.GET.lists()):
            cleaned = QueryDict(mutable=True)
            for key, values in request.GET.lists():
                cleaned.setlist(key.replace("\x00", ""), [v.replace("\x00", "") for v in values])
            cleaned._mutable = False
            request.GET = cleaned
        return self.get_response(request)


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every page the app makes.

    Pages show records about children; a shared school computer's browser cache or a proxy
    must keep no copy. Static files are answered earlier (WhiteNoise) and stay cacheable.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        add_never_cache_headers(response)
        return response


def idle_limit_minutes(user) -> int:
    """Pupils and parents get longer (a child may take a while to write about something hard)."""
    if getattr(user, "is_pupil", False) or getattr(user, "is_parent", False):
        return settings.PUPIL_IDLE_MINUTES
    return settings.STAFF_IDLE_MINUTES


class IdleSignOutMiddleware:
    """Sign out someone who has not used esafety for a while (staff 30 minutes by default).

    A form sent after the limit is not acted on (the person at the keyboard may not be the one
    who signed in), but its words are shown back on the sign-in page so nothing written is lost.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_SEEN)
            limit = idle_limit_minutes(user)
            if isinstance(last, (int, float)) and now - last > limit * 60:
                if request.path.startswith(PUBLIC_PREFIX):
                    # The school's public pages need no sign-in: sign out, show the page.
                    logout(request)
                    return self.get_response(request)
                return self._signed_out(request, limit)
            if not isinstance(last, (int, float)) or now - last >= REMEMBER_EVERY:
                request.session[LAST_SEEN] = now
        return self.get_response(request)

    def _signed_out(self, request, minutes):
        kept = []
        if request.method == "POST":
            for name, values in request.POST.lists():
                if name in NOT_KEPT or name.startswith("password"):
                    continue
                for value in values:
                    value = value.strip()
                    if value and (len(value) > 40 or any(c.isspace() for c in value)):
                        kept.append((name.rsplit("-", 1)[-1].replace("_", " ").capitalize(),
                                     value))
        logout(request)
        if request.method == "GET":
            response = redirect_to_login(request.get_full_path())
            response["Location"] += "&signed-out=idle"
            return response
        return render(request, "registration/login.html", {
            "form": _empty_login_form(request),
            "next": request.path,
            "idle_signed_out": {"minutes": minutes, "kept": kept},
        }, status=401)


def _empty_login_form(request):
    from django.contrib.auth.forms import AuthenticationForm

    return AuthenticationForm(request)
