"""Internet suspensions (002 "In the Event of Inappropriate Use")."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering import events, notifications
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.actions.settings import settings_for
from esafety.filtering.models import InternetSuspension


def internet_suspend(*, actor: Person, pupil: Person, starts_at: datetime.datetime,
                     ends_at: datetime.datetime, reason: str,
                     incident_reference: str = "") -> InternetSuspension:
    """Suspend a pupil's internet access for a period (a lesson, an activity, a sanction),
    no longer than the school's maximum.

    Called by the incident log when a sanction includes loss of internet access; it passes
    the incident's reference, and such a suspension is then lifted only by the DSL or the
    headteacher.
    """
    require(actor, "suspend_internet", "suspend internet access")
    if pupil.school_id != actor.school_id and not getattr(actor, "is_superuser", False):
        raise NotAllowed("that pupil is not in your school")
    if not pupil.is_pupil:
        raise InvalidInput("internet access can only be suspended for pupils", code="not-pupil")
    school = pupil.school
    if school is None:
        raise InvalidInput("that pupil is not in a school", code="no-school")
    if not ends_at > starts_at:
        raise InvalidInput("the suspension must end after it starts", code="period-order")
    if ends_at <= timezone.now():
        raise InvalidInput("the period has already ended", code="period-past")
    longest = settings_for(school).max_suspension_days
    if ends_at - starts_at > datetime.timedelta(days=longest):
        raise InvalidInput(f"a suspension can last at most {longest} day"
                           f"{'s' if longest != 1 else ''}, as the school has set; "
                           "choose an earlier end", code="period-long")
    if not reason or not reason.strip():
        raise InvalidInput("give the reason for the suspension", code="reason-missing")
    with transaction.atomic():
        suspension = InternetSuspension.objects.create(
            school=school, pupil=pupil, starts_at=starts_at, ends_at=ends_at,
            reason=reason.strip(), created_by=actor,
            incident_reference=(incident_reference or "")[:20])
        events.internet_suspended(actor=actor, suspension=suspension)
        publish_policy_after_commit(school)
        transaction.on_commit(lambda: notifications.suspension_made(suspension.pk))
    return suspension


def internet_suspension_lift(*, actor: Person | None, suspension: InternetSuspension,
                             reason: str = "") -> InternetSuspension:
    """Lift a suspension early. One that an incident's sanction made needs the DSL or the
    headteacher and a reason (the sanction was their decision)."""
    require(actor, "suspend_internet", "lift a suspension", suspension.school)
    reason = (reason or "").strip()
    if suspension.incident_reference:
        if actor is not None and not getattr(actor, "is_superuser", False) and \
                not permissions.role_may(actor.role, "lift_incident_suspension"):
            raise NotAllowed("only the designated safeguarding lead or the headteacher may "
                             f"lift a suspension that incident {suspension.incident_reference}"
                             " decided", code="incident-sanction")
        if not reason:
            raise InvalidInput("say why the sanction's suspension is lifted early",
                               code="reason-missing")
    with transaction.atomic():
        suspension = InternetSuspension.objects.select_for_update().get(pk=suspension.pk)
        if suspension.lifted_at is not None:
            raise Conflict("this suspension has already been lifted")
        suspension.lifted_at = timezone.now()
        suspension.lifted_by = actor if getattr(actor, "pk", None) else None
        suspension.lift_reason = reason[:2000]
        suspension.save(update_fields=["lifted_at", "lifted_by", "lift_reason"])
        events.internet_suspension_lifted(actor=actor, suspension=suspension)
        publish_policy_after_commit(suspension.school)
        transaction.on_commit(lambda: notifications.suspension_lifted(suspension.pk))
    return suspension
