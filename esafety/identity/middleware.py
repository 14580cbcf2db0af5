"""Two-factor sign-in: someone who must give a code does so before any other page.

Whether a session still owes a code is worked out once per sign-in and kept in the session
(`SESSION_KEY`): so a school switching the rule on reaches its leaders at their next sign-in.
Signing out, the sign-in pages, the two-factor pages themselves and the static files stay
reachable; so do the pages where anyone can tell someone about harm.
"""

from __future__ import annotations

from django.shortcuts import redirect

SESSION_KEY = "identity.second_factor"
DONE = "done"
OWED = "owed"
NOT_NEEDED = "not-needed"

# Exact paths, then prefixes, reachable while a code is owed. The school's sign-in settings
# (also under /sign-in/) are not among them.
OPEN_EXACT = frozenset({"/sign-in/", "/sign-out/", "/incidents/report/"})
# The school's public policies and notices (/public/) need no sign-in at all.
OPEN_PREFIXES = ("/sign-in/two-factor/", "/sign-in/refused/", "/static/", "/public/")


def owes_code(request) -> bool:
    from esafety.identity import selectors

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    state = request.session.get(SESSION_KEY)
    if not isinstance(state, dict) or state.get("person") != user.pk:
        needed = selectors.two_factor_required(user)
        state = {"person": user.pk, "state": OWED if needed else NOT_NEEDED}
        request.session[SESSION_KEY] = state
    return state["state"] == OWED


def mark_done(request) -> None:
    request.session[SESSION_KEY] = {"person": request.user.pk, "state": DONE}


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        path = request.path
        if path not in OPEN_EXACT and not path.startswith(OPEN_PREFIXES) and owes_code(request):
            return redirect(f"/sign-in/two-factor/?next={_quoted(request.get_full_path())}")
        return self.get_response(request)


def _quoted(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/")
