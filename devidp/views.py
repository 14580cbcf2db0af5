"""The provider's own pages: a plain sign-in form, a front page, and the test endpoints.

The test endpoints (/_devidp/...) add accounts and clients and switch the misbehaviour mode.
They answer only on loopback and only with the shared secret given at start
(``Authorization: Bearer <secret>``).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
from typing import Any

from django.contrib.auth import logout
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from oauth2_provider.views import AuthorizationView

from devidp import config, store
from devidp import settings as conf

# Set by the sign-in form, taken by the next authorisation request: "this person has just
# chosen their account", so prompt=select_account does not ask again.
JUST_SIGNED_IN = "devidp_just_signed_in"


class SignInView(auth_views.LoginView):
    template_name = "devidp/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        self.request.session[JUST_SIGNED_IN] = True
        return response


class Authorize(AuthorizationView):
    """django-oauth-toolkit's authorisation endpoint, plus Entra's and Google's
    ``prompt=select_account``: someone already signed in here is shown the sign-in form again
    (so two people can take turns in one browser), unless they have just signed in."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        just_signed_in = request.session.pop(JUST_SIGNED_IN, False)
        prompt = set(request.GET.get("prompt", "").split())
        if "select_account" in prompt and not just_signed_in:
            return self.handle_prompt_login()
        return super().get(request, *args, **kwargs)


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "devidp/home.html", {
        "issuer": conf.ISSUER,
        "style": conf.STYLE,
        "discovery": conf.ISSUER + "/.well-known/openid-configuration",
    })


@require_http_methods(["GET", "POST"])
def signed_out(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        logout(request)
    return render(request, "devidp/signed_out.html", {"signed_in": request.user.is_authenticated})


def _allowed(request: HttpRequest) -> bool:
    try:
        if not ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback:
            return False
    except ValueError:
        return False
    given = request.headers.get("Authorization", "")
    expected = "Bearer " + conf.ADMIN_SECRET
    return hmac.compare_digest(given.encode(), expected.encode())


def _body(request: HttpRequest) -> dict[str, Any]:
    data = json.loads(request.body or b"{}")
    if not isinstance(data, dict):
        raise ValueError("send a JSON object")
    return data


def _endpoint(handler: Any) -> Any:
    @csrf_exempt
    def view(request: HttpRequest) -> HttpResponse:
        if not _allowed(request):
            return JsonResponse({"error": "forbidden"}, status=403)
        try:
            return JsonResponse(handler(request))
        except (ValueError, TypeError, KeyError) as exc:
            return JsonResponse({"error": str(exc)}, status=400)
        except Exception as exc:  # a test endpoint: say what went wrong
            return JsonResponse({"error": f"{type(exc).__name__}: {exc}"}, status=400)

    return view


@_endpoint
def api_users(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        raise ValueError("POST {password, claims, username?}")
    data = _body(request)
    return store.add_user(data["password"], data.get("claims") or {}, data.get("username"))


@_endpoint
def api_clients(request: HttpRequest) -> dict[str, Any]:
    if request.method != "POST":
        raise ValueError("POST {redirect_uris, client_id?, client_secret?, name?}")
    data = _body(request)
    return store.add_client(
        data["redirect_uris"], client_id=data.get("client_id"),
        client_secret=data.get("client_secret"), name=data.get("name") or "",
        post_logout_redirect_uris=data.get("post_logout_redirect_uris"),
    )


@_endpoint
def api_mode(request: HttpRequest) -> dict[str, Any]:
    if request.method == "POST":
        config.set_mode(conf.DATA_DIR, str(_body(request).get("mode")))
    return {"mode": config.get_mode(conf.DATA_DIR), "modes": list(config.MODES)}


@_endpoint
def api_info(request: HttpRequest) -> dict[str, Any]:
    return {"issuer": conf.ISSUER, "style": conf.STYLE, "tenant": conf.TENANT,
            "mode": config.get_mode(conf.DATA_DIR)}
