"""Access helpers: the same 404 for "missing" and "not yours"."""

from django.http import Http404

from esafety.checks.models import ApprovedRecipient
from esafety.directory import permissions
from esafety.directory.models import Person, School


def require_checks_staff(user: Person) -> School:
    """The school whose approved recipients `user` may manage; 404 for anyone else (and for
    the service operator, who has no school)."""
    if not permissions.allowed(user, "approve_pupil_recipients") or user.school is None:
        raise Http404("no such page")
    return user.school


def get_approved_recipient_for_user(user: Person, pk: int | str) -> ApprovedRecipient:
    school = require_checks_staff(user)
    try:
        return ApprovedRecipient.objects.select_related("pupil").get(pk=pk, school=school)
    except (ApprovedRecipient.DoesNotExist, ValueError):
        raise Http404("no such approval") from None
