"""What happened to people and schools: one function per audit event.

The only callers of `esafety.audit.events.record` in the directory. Actions call these
inside their transaction, so the row commits or rolls back with the change it describes.
The event_type strings are the trail's vocabulary (audit/labels.py): never rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent
from esafety.directory import roles

if TYPE_CHECKING:
    from esafety.directory.models import Person, School


def person_viewed(*, actor: Person, person: Person) -> AuditEvent:
    return events.record(event_type="person_viewed", actor=actor, obj=person)


def person_left(*, actor: Person | None, person: Person, after: dict,
                before: dict | None = None, details: dict | None = None) -> AuditEvent:
    """Recorded as a leaver, on their page (before and after) or by an import (details)."""
    return events.record(event_type="person_left", actor=actor, obj=person, before=before,
                         after=after, details=details)


def person_reinstated(*, actor: Person | None, person: Person, before: dict,
                      after: dict) -> AuditEvent:
    return events.record(event_type="person_reinstated", actor=actor, obj=person,
                         before=before, after=after)


def guest_added(*, actor: Person | None, guest: Person, after: dict) -> AuditEvent:
    return events.record(event_type="guest_added", actor=actor, obj=guest, after=after)


def guest_access_changed(*, actor: Person | None, guest: Person, before: dict,
                         after: dict) -> AuditEvent:
    return events.record(event_type="guest_access_changed", actor=actor, obj=guest,
                         before=before, after=after)


def role_changed(*, actor: Person | None, person: Person, old_role: str, before: dict,
                 after: dict) -> AuditEvent:
    # Changes to the senior and safeguarding roles are flagged so a reviewer finds them.
    return events.record(event_type="role_changed", actor=actor, obj=person, before=before,
                         after=after,
                         details={"from": old_role, "to": person.role,
                                  "senior_or_safeguarding": bool(
                                      {old_role, person.role} & roles.PROTECTED_ROLES)})


def school_settings_changed(*, actor: Person | None, school: School, before: dict,
                            after: dict) -> AuditEvent:
    return events.record(event_type="school_settings_changed", actor=actor, obj=school,
                         school=school, before=before, after=after)


def person_imported(*, actor: Person | None, person: Person, after: dict, row: int,
                    kind: str) -> AuditEvent:
    return events.record(event_type="person_imported", actor=actor, obj=person,
                         school=person.school, after=after,
                         details={"row": row, "kind": kind})


def person_updated_by_import(*, actor: Person | None, person: Person, before: dict,
                             after: dict, row: int, kind: str) -> AuditEvent:
    return events.record(event_type="person_updated_by_import", actor=actor, obj=person,
                         school=person.school, before=before, after=after,
                         details={"row": row, "kind": kind})


def school_saved_in_admin(*, actor: Person, school: School, created: bool,
                          after: dict) -> AuditEvent:
    """The service operator added or changed a school in Django's admin."""
    return events.record(event_type="school_added" if created else "school_changed",
                         actor=actor, obj=school, school=school, after=after)


def person_saved_in_admin(*, actor: Person, person: Person, created: bool,
                          before: dict | None, after: dict) -> AuditEvent:
    """The service operator added or changed a person in Django's admin."""
    return events.record(
        event_type="person_added_in_admin" if created else "person_changed_in_admin",
        actor=actor, obj=person, before=before, after=after)
