from django.contrib.auth.decorators import login_required
from django.http import HttpResponse

from esafety.directory import permissions
from esafety.web.requests import SignedInRequest


@login_required
def home(request: SignedInRequest) -> HttpResponse:
    permissions.require(request.user, "view_devices", hide=True)
    return HttpResponse("Devices")
