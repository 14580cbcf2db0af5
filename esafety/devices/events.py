"""What happened to devices, loans, software and BYOD agreements: one function per audit
event (the app's only callers of `esafety.audit.events.record`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.devices.models import ByodAgreement, Device, DeviceLoss, Loan, SoftwareApproval
    from esafety.directory.models import Person, School


def device_saved(*, actor: Person, device: Device, before: dict | None,
                 after: dict) -> AuditEvent:
    return events.record(event_type="device_saved", actor=actor, school=device.school,
                         obj=device, before=before, after=after)


def device_lent(*, actor: Person, loan: Loan) -> AuditEvent:
    return events.record(event_type="device_lent", actor=actor, school=loan.device.school,
                         obj=loan.device, object_type="device",
                         after={"borrower": loan.borrower.display_name,
                                "lent_on": loan.lent_on.isoformat(),
                                "due_on": loan.due_on.isoformat()})


def device_returned(*, actor: Person, loan: Loan) -> AuditEvent:
    return events.record(event_type="device_returned", actor=actor, school=loan.device.school,
                         obj=loan.device, object_type="device",
                         after={"borrower": loan.borrower.display_name,
                                "returned_on": str(loan.returned_on),
                                "data_removed": loan.data_removed})


def device_loss_reported(*, actor: Person, loss: DeviceLoss) -> AuditEvent:
    return events.record(event_type="device_loss_reported", actor=actor,
                         school=loss.device.school, obj=loss.device, object_type="device",
                         after={"what": loss.what,
                                "incident": loss.incident.reference if loss.incident else ""})


def software_requested(*, actor: Person, item: SoftwareApproval) -> AuditEvent:
    return events.record(event_type="software_requested", actor=actor, school=item.school,
                         obj=item, after={"purpose": item.purpose,
                                          "licence_notes": item.licence_notes})


def software_decided(*, actor: Person, item: SoftwareApproval) -> AuditEvent:
    return events.record(event_type="software_decided", actor=actor, school=item.school,
                         obj=item, after={"decision": item.decision,
                                          "note": item.decision_note})


def byod_agreement_recorded(*, actor: Person, agreement: ByodAgreement) -> AuditEvent:
    return events.record(event_type="byod_agreement_recorded", actor=actor,
                         school=agreement.school, obj=agreement.person, object_type="person",
                         after={"device": agreement.device_description,
                                "agreed_on": agreement.agreed_on.isoformat()})


def byod_agreement_ended(*, actor: Person, agreement: ByodAgreement) -> AuditEvent:
    return events.record(event_type="byod_agreement_ended", actor=actor,
                         school=agreement.school, obj=agreement.person, object_type="person",
                         after={"device": agreement.device_description,
                                "ended_on": str(agreement.ended_on)})


def devices_exported(*, actor: Person, school: School, rows: int,
                     register: str = "Device register") -> AuditEvent:
    return events.record(event_type="devices_exported", actor=actor, school=school,
                         object_type="device", object_label=register,
                         details={"rows": rows})
