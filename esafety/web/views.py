"""The shell of the web app: the home page each role lands on, and friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import render

from esafety.web.dashboard import dashboard_for
from esafety.web.requests import SignedInRequest


class SignInView(LoginView):
    """Django's sign-in, saying why when someone was signed out for being idle, and why a
    leaver, an expired guest or a switched-off account is refused (003 \u00a75.9) when their
    password was right: the same plain page as a refusal through the school's provider."""

    def form_invalid(self, form):
        refusal = _refusal_for(self.request, form.data.get("username", ""),
                               form.data.get("password", ""))
        if refusal is not None:
            return refusal
        return super().form_invalid(form)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.GET.get("signed-out") == "idle":
            context["idle_signed_out"] = {"minutes": None, "kept": []}
        return context


def _refusal_for(request, username: str, password: str):
    """The refusal page when the password was right but the account may not be used now;
    None otherwise (a wrong password, an unknown name, or a locked-out attempt, which keeps
    the usual answer so nothing is learnt by guessing)."""
    from esafety.directory.models import Person
    from esafety.identity import actions, pages
    from esafety.identity.signing_in import account_refusal

    if getattr(request, "axes_locked_out", False) or not username or not password:
        return None
    person = Person.objects.filter(username=username.strip()).first()
    if person is None or person.can_use_systems() or not person.check_password(password):
        return None
    reason = account_refusal(person) or "inactive"  # (a school-less non-operator: switched off)
    actions.sign_in_refused(school=person.school, person=person, reason=reason,
                            issuer="local password", subject=person.username)
    return pages.refused(request, reason)


@login_required
def home(request: SignedInRequest):
    return render(request, "web/home.html", dashboard_for(request.user))


def not_found(request, exception=None):
    return render(request, "web/error.html", {
        "title": "Page not found",
        "explanation": "There is nothing here, or it is not yours to see. "
                       "Check the address, or go back to the home page.",
    }, status=404)


def forbidden(request, exception=None):
    return render(request, "web/error.html", {
        "title": "Not available to you",
        "explanation": "Your role in the school does not include this page.",
    }, status=403)


def server_error(request):
    return render(request, "web/error.html", {
        "title": "Something went wrong",
        "explanation": "Nothing you entered was lost on our side if the page said it was saved. "
                       "Please try again; if it keeps happening, tell your IT manager.",
    }, status=500)
