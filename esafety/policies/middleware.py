"""The Acceptable Use gate (000 §1, 002 Appendix 1, 004 §3.1).

Anyone signed in who has not accepted the current AUP for their audience (this school
year's, for pupils) sees only the AUP page and sign-out until they accept, with one
exception that matters more than the gate: nobody is ever prevented from telling someone
about harm. Whatever their AUP state, everyone can reach the report form and the status of
their own reports.

- `gate_exempt` marks a view anyone signed in may reach (sign-in, sign-out, the AUP page,
  the filtering block page, the report form).
- `open_to_reporters` marks a view that also serves staff work (the incident list, a case
  page): behind the gate it may show only the person's own reports. The view asks
  `behind_gate(request)` and narrows itself; `gate_redirect(request)` sends anything else
  back to the AUP page.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect

from esafety.policies import status

REPORTERS_ONLY = "reporters"


def gate_exempt(view):
    view.gate_exempt = True
    return view


def open_to_reporters(view):
    """Reachable behind the gate, but only for the person's own reports (see behind_gate)."""
    view.gate_exempt = REPORTERS_ONLY
    return view


def behind_gate(request) -> bool:
    """True when the person has not accepted their AUP and may only report and follow reports."""
    return getattr(request, "behind_aup_gate", False)


def gate_redirect(request):
    """The AUP page, remembering where the person was going (GET only)."""
    response = redirect("policies:my_aup")
    if request.method == "GET":
        response["Location"] += "?" + urlencode({"next": request.get_full_path()})
    return response


class AcceptableUseGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.school_id is None:
            return None
        standing = status.standing(user)
        request.aup_standing = standing
        if standing.may_use_systems:
            return None
        exempt = getattr(view_func, "gate_exempt", False)
        if exempt == REPORTERS_ONLY:
            request.behind_aup_gate = True
            return None
        if exempt:
            return None
        return gate_redirect(request)
