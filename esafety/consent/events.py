"""What happened to consents, published items and the school's channels: one function per
audit event (the app's only callers of `esafety.audit.events.record`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.consent.models import Consent, PublishedItem, SchoolChannel
    from esafety.directory.models import Person, School


def _consent_after(consent: Consent) -> dict:
    return {"purpose": consent.purpose, "decision": consent.decision,
            "given_on": consent.given_on.isoformat(), "given_by": consent.giver_label,
            "pupil_agreed": consent.pupil_agreed}


def consent_recorded(*, actor: Person | None, consent: Consent) -> AuditEvent:
    return events.record(event_type="consent_recorded", actor=actor, school=consent.school,
                         obj=consent.pupil, object_type="person",
                         after=_consent_after(consent))


def consent_withdrawn(*, actor: Person | None, consent: Consent) -> AuditEvent:
    return events.record(event_type="consent_withdrawn", actor=actor, school=consent.school,
                         obj=consent.pupil, object_type="person",
                         after=_consent_after(consent))


def consents_viewed(*, actor: Person, pupil: Person) -> AuditEvent:
    """Someone opened a pupil's consents and their history."""
    return events.record(event_type="consents_viewed", actor=actor, school=pupil.school,
                         obj=pupil, object_type="person")


def consent_lookup_made(*, actor: Person, school: School, purpose: str, form: str,
                        names: int, found: int) -> AuditEvent:
    """Someone asked who in a class or a list must not appear (never the names asked)."""
    return events.record(event_type="consent_lookup_made", actor=actor, school=school,
                         object_type="consent", object_label="Who must not appear",
                         details={"purpose": purpose, "form": form, "names_given": names,
                                  "pupils_found": found})


def consents_exported(*, actor: Person, school: School, rows: int,
                      register: str = "Consents") -> AuditEvent:
    return events.record(event_type="consents_exported", actor=actor, school=school,
                         object_type="consent", object_label=register,
                         details={"rows": rows})


def published_item_added(*, actor: Person, item: PublishedItem) -> AuditEvent:
    return events.record(event_type="published_item_added", actor=actor, school=item.school,
                         obj=item, after={"purpose": item.purpose, "where": item.where,
                                          "published_on": item.published_on.isoformat(),
                                          "pupils": sorted(p.pk for p in item.pupils.all())})


def published_item_removed(*, actor: Person, item: PublishedItem) -> AuditEvent:
    return events.record(event_type="published_item_removed", actor=actor, school=item.school,
                         obj=item, after={"removed_on": str(item.removed_on),
                                          "note": item.removal_note})


def school_channel_saved(*, actor: Person, channel: SchoolChannel, before: dict | None,
                         after: dict) -> AuditEvent:
    return events.record(event_type="school_channel_saved", actor=actor, school=channel.school,
                         obj=channel, before=before, after=after)


def school_channel_approved(*, actor: Person, channel: SchoolChannel) -> AuditEvent:
    return events.record(event_type="school_channel_approved", actor=actor,
                         school=channel.school, obj=channel,
                         after={"approved_on": str(channel.approved_on)})
