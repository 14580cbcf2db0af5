"""Named actions for the checks app, each audited inside its transaction."""

import re

from django.db import IntegrityError, transaction

from esafety.checks import events
from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import permissions, roles
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed

_ADDRESS = re.compile(r"^[^@\s]+@[a-z0-9-]+(\.[a-z0-9-]+)+$")
_DOMAIN = re.compile(r"^[a-z0-9-]+(\.[a-z0-9-]+)+$")


def clean_address(value: str) -> str:
    """An email address or a bare domain, lower case; InvalidInput otherwise."""
    value = (value or "").strip().lower().lstrip("@")
    if not (_ADDRESS.match(value) or _DOMAIN.match(value)) or len(value) > 254:
        raise InvalidInput(f"{value or 'an empty value'!r} is not an email address or a domain",
                           code="invalid-address")
    return value


def _require_staff_of(actor: Person | None, school: School | None) -> School:
    """`school`, once `actor` is shown to be staff there who may change approved recipients."""
    if actor is None or not permissions.allowed(actor, "approve_pupil_recipients"):
        raise NotAllowed("only school staff can change approved recipients")
    if school is None or (not actor.is_superuser and actor.school_id != school.pk):
        raise NotAllowed("that person is not in your school")
    return school


def approved_recipient_add(*, actor: Person, pupil: Person, address: str, note: str = "") -> ApprovedRecipient:
    """004 §3.2.3: staff allow a pupil to email one more address (or domain)."""
    school = _require_staff_of(actor, pupil.school)
    if pupil.role != roles.PUPIL:
        raise InvalidInput(f"{pupil.display_name} is not a pupil", code="not-a-pupil")
    address = clean_address(address)
    with transaction.atomic():
        try:
            with transaction.atomic():
                approved = ApprovedRecipient.objects.create(
                    school=school, pupil=pupil, address=address, note=note[:200],
                    added_by=actor if getattr(actor, "pk", None) else None)
        except IntegrityError:
            raise Conflict(f"{address} is already approved for {pupil.display_name}") from None
        events.approved_recipient_added(actor=actor, approved=approved)
    return approved


def approved_recipient_remove(*, actor: Person, approved: ApprovedRecipient) -> None:
    _require_staff_of(actor, approved.school)
    with transaction.atomic():
        events.approved_recipient_removed(actor=actor, approved=approved)
        approved.delete()


def correspondent_add(*, actor: Person, school: School, address: str, note: str = "") -> Correspondent:
    """Record an outside address or domain the school knows and corresponds with."""
    _require_staff_of(actor, school)
    address = clean_address(address)
    with transaction.atomic():
        try:
            with transaction.atomic():
                known = Correspondent.objects.create(
                    school=school, address=address, note=note[:200],
                    added_by=actor if getattr(actor, "pk", None) else None)
        except IntegrityError:
            raise Conflict(f"{address} is already a known correspondent") from None
        events.correspondent_added(actor=actor, correspondent=known)
    return known
