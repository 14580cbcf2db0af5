"""Access helpers: the same 404 for "missing" and "not yours"."""

from django.http import Http404

from esafety.checks.models import ApprovedRecipient
from esafety.directory import permissions


def require_checks_staff(user) -> None:
    if not permissions.allowed(user, "approve_pupil_recipients"):
        raise Http404("no such page")


def get_approved_recipient_for_user(user, pk) -> ApprovedRecipient:
    require_checks_staff(user)
    try:
        return ApprovedRecipient.objects.select_related("pupil").get(pk=pk,
                                                                     school_id=user.school_id)
    except (ApprovedRecipient.DoesNotExist, ValueError):
        raise Http404("no such approval") from None
