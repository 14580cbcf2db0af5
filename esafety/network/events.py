"""What happened at the network: one function per kind of audit event.

The only callers of `esafety.audit.events.record` for this app. Call them inside the
action's transaction, so the audit row commits or rolls back with the change.
"""

from __future__ import annotations

from typing import Any

from esafety.audit import events as audit
from esafety.audit.models import AuditEvent
from esafety.directory.models import Person, School
from esafety.network.models import ClientBinding, NetworkSettings

snapshot = audit.snapshot


def signed_in(*, person: Person, binding: ClientBinding,
              replaced: ClientBinding | None) -> AuditEvent:
    details: dict[str, Any] = {"address": binding.address, "until": binding.ends.isoformat()}
    if replaced is not None:
        details["replaced"] = replaced.person.username
    return audit.record(event_type="internet_signed_in", actor=person, school=binding.school,
                        obj=binding, object_label=f"The internet at {binding.address}",
                        details=details)


def signed_out(*, actor: Person | None, binding: ClientBinding) -> AuditEvent:
    return audit.record(event_type="internet_signed_out", actor=actor, school=binding.school,
                        obj=binding, object_label=f"The internet at {binding.address}",
                        details={"address": binding.address, "user": binding.person.username})


def access_ended(*, person: Person, reason: str, addresses: list[str]) -> AuditEvent:
    """A leaver's (expired guest's, switched-off account's) sign-ins at computers ended."""
    return audit.record(event_type="internet_access_ended", actor=None, school=person.school,
                        obj=person, details={"reason": reason, "addresses": addresses})


def sign_ins_timed_out(*, school: School, idle: int, day_end: int) -> AuditEvent:
    return audit.record(event_type="internet_sign_ins_timed_out", actor=None, school=school,
                        object_type="clientbinding", object_label="Signed in to the internet",
                        details={"idle": idle, "end_of_day": day_end})


def settings_changed(*, actor: Person, config: NetworkSettings, before: dict,
                     after: dict) -> AuditEvent:
    return audit.record(event_type="network_settings_changed", actor=actor, school=config.school,
                        obj=config, object_label="Network sign-in settings", before=before,
                        after=after)


def snapshot_stale(*, school: School, details: dict[str, Any]) -> AuditEvent:
    return audit.record(event_type="network_snapshot_stale", actor=None, school=school,
                        object_type="snapshot", object_label="The filter's copy of the policy",
                        details=details)


def email_failed(*, school: School, subject: str, recipients: list[str],
                 error: str) -> AuditEvent:
    return audit.record(event_type="network_email_failed", actor=None, school=school,
                        object_type="email", object_label=subject[:300],
                        details={"recipients": recipients, "error": error})
