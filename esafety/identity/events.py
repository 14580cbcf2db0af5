"""What happened to sign-in: one function per audit event.

The only callers of `esafety.audit.events.record` in identity; actions call them inside
their transaction. The event_type strings are the trail's vocabulary (audit/labels.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.identity.models import ExternalIdentity, SchoolSignIn, UnmatchedSignIn


def sign_in_configured(*, actor: Person | None, sign_in: SchoolSignIn, before: dict,
                       after: dict) -> AuditEvent:
    """The school's identity provider or two-factor rule changed (never the secret itself)."""
    return events.record(event_type="sign_in_configured", actor=actor, school=sign_in.school,
                         obj=sign_in, before=before, after=after)


def sign_in_linked(*, actor: Person | None, identity: ExternalIdentity,
                   details: dict) -> AuditEvent:
    """An outside account was linked to a person (first sign-in, or the IT manager)."""
    return events.record(event_type="sign_in_linked", actor=actor, school=identity.school,
                         obj=identity.person, details=details)


def sign_in_unmatched(*, school: School, unmatched: UnmatchedSignIn, details: dict) -> AuditEvent:
    return events.record(event_type="sign_in_unmatched", actor=None, school=school,
                         obj=unmatched, details=details)


def sign_in_unmatched_resolved(*, actor: Person, unmatched: UnmatchedSignIn,
                               details: dict) -> AuditEvent:
    return events.record(event_type="sign_in_unmatched_resolved", actor=actor,
                         school=unmatched.school, obj=unmatched, details=details)


def sign_in_refused(*, school: School | None, person: Person | None, details: dict) -> AuditEvent:
    """The provider vouched for someone who may not use the systems (left, expired...)."""
    return events.record(event_type="sign_in_refused", actor=None, school=school, obj=person,
                         details=details)


def two_factor_enrolled(*, person: Person) -> AuditEvent:
    return events.record(event_type="two_factor_enrolled", actor=person, obj=person)


def two_factor_reset(*, actor: Person | None, person: Person) -> AuditEvent:
    return events.record(event_type="two_factor_reset", actor=actor, obj=person)
