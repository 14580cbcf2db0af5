"""The Acceptable Use gate (000 §1, 002 Appendix 1, 004 §3.1).

Anyone signed in who has not accepted the current AUP for their audience (this school
year's, for pupils) sees only the AUP page and sign-out until they accept. Views that
must stay reachable (sign-in, sign-out, the AUP page itself, the filtering block page)
are marked with `gate_exempt`.
"""

from urllib.parse import urlencode

from django.shortcuts import redirect

from esafety.policies import status


def gate_exempt(view):
    view.gate_exempt = True
    return view


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
        if standing.may_use_systems or getattr(view_func, "gate_exempt", False):
            return None
        target = "policies:my_aup"
        query = urlencode({"next": request.get_full_path()}) if request.method == "GET" else ""
        response = redirect(target)
        if query:
            response["Location"] += f"?{query}"
        return response
