"""Sign-in throttling on top of django-axes, shaped for a school.

- Per account at an address: SIGNIN_ACCOUNT_LIMIT wrong passwords for one username from one
  address pause that username there. Somebody guessing the head's password is stopped; the
  head, signing in from another address, is not.
- Per address: SIGNIN_ADDRESS_LIMIT wrong passwords from one address, whatever the usernames,
  pause the address (someone trying many accounts). The school's own network
  (SIGNIN_SCHOOL_NETWORKS), where hundreds of pupils share one public address, is never
  paused as a whole: one pupil trying passwords there cannot lock the school out.
- A pause is a cool-off: it ends by itself SIGNIN_COOLOFF_MINUTES after the last wrong
  attempt, and the sign-in page says so and when. A successful sign-in clears that account's
  count at that address, never the address's count.
"""

import ipaddress
import math

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Max, Sum
from django.shortcuts import render
from django.utils import timezone


def client_address(request) -> str:
    """The address of the person signing in, seen through the proxies we were told to trust."""
    remote = request.META.get("REMOTE_ADDR", "") or ""
    trusted = settings.TRUSTED_PROXIES
    if not trusted or not _in_networks(remote, trusted):
        return remote
    forwarded = [part.strip() for part in
                 request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    # Read from the right: each trusted proxy appended the address it saw; the first one
    # that is not a trusted proxy is the client (anything further left the client wrote).
    for candidate in reversed(forwarded):
        if not _valid(candidate):
            break
        if not _in_networks(candidate, trusted):
            return candidate
    return remote


def _valid(address: str) -> bool:
    try:
        ipaddress.ip_address(address)
    except ValueError:
        return False
    return True


def _in_networks(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for network in networks:
        try:
            if ip in ipaddress.ip_network(network, strict=False):
                return True
        except ValueError:
            continue
    return False


def on_school_network(address: str) -> bool:
    return _in_networks(address, settings.SIGNIN_SCHOOL_NETWORKS)


class SchoolSignInHandler(AxesDatabaseHandler):
    """Axes' database handler with a separate limit for the account and for the address.

    Axes compares one number against one limit; this handler reports the failures on the
    account limit's scale: an address at SIGNIN_ADDRESS_LIMIT counts as SIGNIN_ACCOUNT_LIMIT.
    """

    def _counts(self, request, credentials):
        # AXES_LOCKOUT_PARAMETERS is [[username, ip_address], ip_address]: in that order.
        account, address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials))
        if on_school_network(request.axes_ip_address):
            address = 0
        return account, address

    def get_failures(self, request, credentials=None) -> int:
        account, address = self._counts(request, credentials)
        limit = settings.SIGNIN_ACCOUNT_LIMIT
        scaled = math.floor(address * limit / settings.SIGNIN_ADDRESS_LIMIT)
        return max(account, scaled)

    def reset_user_attempts(self, request, credentials=None) -> int:
        # Only this account at this address: signing in to one's own account must not wipe
        # the address's count of guesses at other accounts.
        username = get_client_username(request, credentials)
        count, _ = AccessAttempt.objects.filter(
            username=username, ip_address=request.axes_ip_address).delete()
        return count


def paused_until(request, credentials=None):
    """When the pause on this sign-in ends, and whether it is the address (not the account)."""
    handler = SchoolSignInHandler()
    account, address = handler._counts(request, credentials)
    username = get_client_username(request, credentials)
    by_address = account < settings.SIGNIN_ACCOUNT_LIMIT
    attempts = AccessAttempt.objects.filter(ip_address=request.axes_ip_address)
    if not by_address:
        attempts = attempts.filter(username=username)
    last = attempts.aggregate(last=Max("attempt_time"))["last"] or timezone.now()
    return last + settings.AXES_COOLOFF_TIME, by_address


def lockout_response(request, original_response=None, credentials=None):
    """The sign-in page again, saying plainly what happened and when to try again."""
    from django.contrib.auth.forms import AuthenticationForm

    until, by_address = paused_until(request, credentials)
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    form = AuthenticationForm(request, initial={"username": get_client_username(request,
                                                                                 credentials)})
    return render(request, "registration/login.html", {
        "form": form,
        "next": request.POST.get("next", "") if request.method == "POST" else "",
        "paused": {
            "until": timezone.localtime(until),
            "minutes": minutes,
            "by_address": by_address,
        },
    }, status=429)
