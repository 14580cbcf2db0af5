"""The shell of the web app: the home page each role lands on, and friendly error pages."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.shortcuts import render

from esafety.web.dashboard import dashboard_for
from esafety.web.requests import SignedInRequest


class SignInView(LoginView):
    """Django's sign-in, saying why when someone was signed out for being idle."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if self.request.GET.get("signed-out") == "idle":
            context["idle_signed_out"] = {"minutes": None, "kept": []}
        return context


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
