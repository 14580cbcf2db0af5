"""What happened to authorisations: one function per audit event (the app's only callers of
`esafety.audit.events.record`). Every view and every change is recorded (need-to-know)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.authorisations.models import Authorisation, AuthorisationUse
    from esafety.directory.models import Person, School


def _summary(auth: Authorisation) -> dict:
    return {"kind": auth.kind, "subject": auth.subject.display_name,
            "reader": auth.reader.display_name, "days": auth.days, "status": auth.status,
            "expires_at": auth.expires_at.isoformat() if auth.expires_at else None}


def access_requested(*, actor: Person, auth: Authorisation) -> AuditEvent:
    return events.record(event_type="access_requested", actor=actor, school=auth.school,
                         obj=auth, after=_summary(auth), details={"reason": auth.reason})


def access_decided(*, actor: Person, auth: Authorisation, before: str) -> AuditEvent:
    return events.record(event_type="access_approved" if auth.status == "approved" else "access_refused",
                         actor=actor, school=auth.school, obj=auth,
                         before={"status": before}, after=_summary(auth),
                         details={"note": auth.decision_note})


def access_withdrawn(*, actor: Person, auth: Authorisation) -> AuditEvent:
    return events.record(event_type="access_withdrawn", actor=actor, school=auth.school,
                         obj=auth, before={"status": "pending"}, after=_summary(auth))


def access_revoked(*, actor: Person, auth: Authorisation) -> AuditEvent:
    return events.record(event_type="access_revoked", actor=actor, school=auth.school,
                         obj=auth, before={"status": "approved"}, after=_summary(auth),
                         details={"reason": auth.end_reason})


def access_expired(*, auth: Authorisation) -> AuditEvent:
    return events.record(event_type="access_expired", actor=None, school=auth.school,
                         obj=auth, before={"status": "approved"}, after=_summary(auth))


def access_used(*, actor: Person, use: AuthorisationUse) -> AuditEvent:
    auth = use.authorisation
    return events.record(event_type="access_used", actor=actor, school=auth.school, obj=auth,
                         details={"use": use.pk, "what_was_done": use.what_was_done})


def access_viewed(*, actor: Person, auth: Authorisation) -> AuditEvent:
    return events.record(event_type="access_viewed", actor=actor, school=auth.school, obj=auth)


def access_list_viewed(*, actor: Person, school: School, shown: int) -> AuditEvent:
    return events.record(event_type="access_list_viewed", actor=actor, school=school,
                         object_type="authorisation", object_label="Access authorisations",
                         details={"shown": shown})


def access_exported(*, actor: Person, school: School, rows: int) -> AuditEvent:
    return events.record(event_type="access_exported", actor=actor, school=school,
                         object_type="authorisation", object_label="Access authorisations",
                         details={"rows": rows})


def access_nominee_changed(*, actor: Person, school: School, before: str,
                           after: str) -> AuditEvent:
    return events.record(event_type="access_nominee_changed", actor=actor, school=school,
                         object_type="school", object_label=str(school),
                         before={"nominee": before}, after={"nominee": after})
