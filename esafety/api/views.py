"""`POST /api/v1/check` (JSON in, JSON out, a per-school bearer token) and the page where the
IT manager or the headteacher makes and revokes tokens."""

from __future__ import annotations

import json
import logging

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from esafety.api import access, actions, checking, selectors
from esafety.api.forms import TokenForm
from esafety.errors import EsafetyError, InvalidInput
from esafety.web.requests import SignedInRequest

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # bytes of JSON accepted (a draft, not a mailbox)
CORS = {"Access-Control-Allow-Origin": "*",  # a bearer token, never a cookie: safe for any origin
        "Access-Control-Allow-Headers": "Authorization, Content-Type",
        "Access-Control-Allow-Methods": "POST, OPTIONS", "Access-Control-Max-Age": "3600"}


def _error(status: int, code: str, message: str, **headers: str) -> JsonResponse:
    response = JsonResponse({"error": code, "message": message}, status=status)
    for name, value in {**CORS, **headers}.items():
        response[name] = value
    return response


def _bearer(request: HttpRequest) -> str:
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else ""


@csrf_exempt
def check(request: HttpRequest) -> HttpResponse:
    if request.method == "OPTIONS":
        response = HttpResponse(status=204)
        for name, value in CORS.items():
            response[name] = value
        return response
    if request.method != "POST":
        return _error(405, "method-not-allowed", "Use POST with a JSON body.", Allow="POST")
    raw = _bearer(request)
    if not raw:
        return _error(401, "token-required", "Send the school's API token as "
                      "'Authorization: Bearer TOKEN'.", **{"WWW-Authenticate": "Bearer"})
    try:
        token = actions.token_use(raw=raw)
    except actions.TokenRefused:
        return _error(401, "token-refused", "That API token is not known or was revoked.",
                      **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
    except actions.RateLimited as limited:
        return _error(429, "rate-limited",
                      f"This token may make {limited.limit} checks a minute; try again in "
                      f"{limited.retry_after} seconds.", **{"Retry-After": str(limited.retry_after)})
    if request.content_type != "application/json":
        return _error(415, "json-required", "Send the draft as JSON "
                      "(Content-Type: application/json).")
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BODY:
        return _error(413, "too-large", f"At most {MAX_BODY // 1024} KB of JSON.")
    try:
        body = request.body
    except RequestDataTooBig:
        return _error(413, "too-large", f"At most {MAX_BODY // 1024} KB of JSON.")
    if len(body) > MAX_BODY:
        return _error(413, "too-large", f"At most {MAX_BODY // 1024} KB of JSON.")
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return _error(400, "bad-json", f"The body is not JSON ({str(exc)[:120]}).")
    try:
        out = checking.check_draft(token.school, data, token_name=token.name)
    except InvalidInput as exc:
        return _error(400, exc.code, str(exc))
    except Exception:  # noqa: BLE001 - the client gets JSON it can act on, the log the detail
        log.exception("check API: the draft could not be checked")
        return _error(503, "unavailable", "esafety could not check the draft just now; "
                      "send as normal or try again.", **{"Retry-After": "30"})
    response = JsonResponse(out, json_dumps_params={"ensure_ascii": False})
    for name, value in CORS.items():
        response[name] = value
    return response


@login_required
def tokens(request: SignedInRequest) -> HttpResponse:
    school = access.require_manage(request.user)
    form = TokenForm(request.POST or None)
    made = None
    if request.method == "POST" and form.is_valid():
        try:
            token, raw = actions.token_create(
                actor=request.user, school=school, name=form.cleaned_data["name"],
                checks_per_minute=form.cleaned_data["checks_per_minute"]
                or actions.DEFAULT_CHECKS_PER_MINUTE)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            made = {"token": token, "raw": raw}  # shown on this page only, never again
            form = TokenForm()
    return render(request, "api/tokens.html", {
        "form": form, "made": made, "tokens": selectors.tokens_for(school),
        "default_limit": actions.DEFAULT_CHECKS_PER_MINUTE},
        status=400 if request.method == "POST" and form.errors else 200)


@login_required
@require_POST
def revoke(request: SignedInRequest, pk: int) -> HttpResponse:
    token = access.get_token_for_user(request.user, pk)
    try:
        actions.token_revoke(actor=request.user, token=token)
    except EsafetyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Revoked '{token.name}': it no longer works.")
    return redirect("api:tokens")
