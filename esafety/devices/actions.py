"""The only code that changes the device register, loans, losses, software approvals and
BYOD agreements."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.devices import events
from esafety.devices.models import (
    APPROVED,
    IN_USE,
    KIND_LABELS,
    LOST,
    PENDING,
    REFUSED,
    STOLEN,
    ByodAgreement,
    Device,
    DeviceLoss,
    Loan,
    SoftwareApproval,
)
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed

DEVICE_FIELDS = ["name", "kind", "serial", "holder", "encrypted", "antivirus_current",
                 "last_checked_on", "status", "notes"]


def _text(value: str, limit: int) -> str:
    return " ".join((value or "").split())[:limit]


def _in_school(school: School, person: Person | None, what: str) -> None:
    if person is not None and person.school_id != school.pk:
        raise InvalidInput(f"{what} must be someone at this school", code="other-school")


def _not_future(day: datetime.date | None, what: str) -> None:
    if day is not None and day > timezone.localdate():
        raise InvalidInput(f"the {what} cannot be in the future", code="future-date")


def device_save(*, actor: Person, school: School, device: Device | None = None, name: str,
                kind: str, serial: str = "", holder: Person | None = None,
                encrypted: bool = False, antivirus_current: bool = False,
                last_checked_on: datetime.date | None = None, notes: str = "") -> Device:
    """Add a device to the register, or record a check or a change of holder."""
    permissions.require(actor, "manage_devices", school, what="change the device register")
    name = _text(name, 200)
    if not name:
        raise InvalidInput("give the device a name or asset tag", code="missing-name")
    if kind not in KIND_LABELS:
        raise InvalidInput("choose what kind of device it is", code="unknown-kind")
    _in_school(school, holder, "the holder")
    _not_future(last_checked_on, "date of the last check")
    with transaction.atomic():
        before = None
        if device is None:
            device = Device(school=school, added_at=timezone.now())
        else:
            device = Device.objects.select_for_update().get(pk=device.pk, school=school)
            before = snapshot(device, DEVICE_FIELDS)
        device.name, device.kind, device.serial = name, kind, _text(serial, 100)
        device.holder, device.encrypted = holder, encrypted
        device.antivirus_current, device.last_checked_on = antivirus_current, last_checked_on
        device.notes = (notes or "")[:500]
        device.save()
        events.device_saved(actor=actor, device=device, before=before,
                            after=snapshot(device, DEVICE_FIELDS))
    return device


def device_lend(*, actor: Person, device: Device, borrower: Person, due_on: datetime.date,
                lent_on: datetime.date | None = None, note: str = "") -> Loan:
    """004 §2.1.1: whoever takes school equipment off site is responsible for it."""
    permissions.require(actor, "manage_devices", device.school_id, what="lend devices")
    _in_school(device.school, borrower, "the borrower")
    lent_on = lent_on or timezone.localdate()
    _not_future(lent_on, "date lent")
    if due_on < lent_on:
        raise InvalidInput("the return date must be after the day it was lent", code="due-early")
    if due_on > lent_on + datetime.timedelta(days=400):
        raise InvalidInput("a loan is for a year at most", code="due-late")
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.status != IN_USE:
            raise Conflict(f"{device.name} is {device.get_status_display().lower()}")
        if device.loans.filter(returned_on__isnull=True).exists():
            raise Conflict(f"{device.name} is already out on loan")
        loan = Loan.objects.create(device=device, borrower=borrower, lent_by=actor,
                                   lent_on=lent_on, due_on=due_on, note=(note or "")[:500])
        events.device_lent(actor=actor, loan=loan)
    return loan


def device_return(*, actor: Person, loan: Loan, data_removed: bool,
                  returned_on: datetime.date | None = None) -> Loan:
    """Back in school, with "personal data removed" signed off (004 §2.1.1: loaned cameras
    and devices are cleared of personal data)."""
    permissions.require(actor, "manage_devices", loan.device.school_id,
                        what="record devices returned")
    returned_on = returned_on or timezone.localdate()
    _not_future(returned_on, "date returned")
    with transaction.atomic():
        loan = Loan.objects.select_for_update(of=("self",)).select_related("device").get(pk=loan.pk)
        if loan.returned_on is not None and loan.data_removed:
            raise Conflict("that loan is already returned and signed off")
        if returned_on < loan.lent_on:
            raise InvalidInput("it cannot come back before it was lent", code="return-early")
        loan.returned_on = loan.returned_on or returned_on
        loan.received_by = loan.received_by or actor
        loan.data_removed = data_removed
        loan.save(update_fields=["returned_on", "received_by", "data_removed"])
        events.device_returned(actor=actor, loan=loan)
    return loan


def device_report_loss(*, actor: Person, device: Device, what: str,
                       description: str) -> DeviceLoss:
    """A device lost or stolen: recorded here and reported in the online-safety log as an
    incident, so the designated person is told (002 "Bring Your Own Device": loss or theft
    reported)."""
    from esafety.incidents import rules
    from esafety.incidents.actions.report import incident_report

    permissions.require(actor, "manage_devices", device.school_id,
                        what="report a device lost or stolen")
    if what not in (LOST, STOLEN):
        raise InvalidInput("say whether it was lost or stolen", code="unknown-loss")
    description = (description or "").strip()
    if not description:
        raise InvalidInput("say what happened", code="missing-description")
    with transaction.atomic():
        device = Device.objects.select_for_update(of=("self",)).select_related("holder").get(pk=device.pk)
        if device.status in (LOST, STOLEN):
            raise Conflict(f"{device.name} is already reported {device.get_status_display().lower()}")
        people = [device.holder] if device.holder and device.holder.is_active else []
        word = "lost" if what == LOST else "stolen"
        incident = incident_report(
            actor=actor, kind=rules.DEVICE_LOSS,
            summary=f"{device.get_kind_display()} {device.name} {word}"[:200],
            description=f"{device.get_kind_display()} {device.name} "
                        f"({'encrypted' if device.encrypted else 'NOT encrypted'}) "
                        f"was {word}.\n\n{description}",
            people=people)
        device.status = what
        device.save(update_fields=["status"])
        loss = DeviceLoss.objects.create(device=device, what=what, reported_by=actor,
                                         reported_at=timezone.now(), incident=incident)
        events.device_loss_reported(actor=actor, loss=loss)
    return loss


def software_request(*, actor: Person, school: School, name: str, purpose: str = "",
                     licence_notes: str = "",
                     licence_renewal_on: datetime.date | None = None) -> SoftwareApproval:
    permissions.require(actor, "manage_devices", school, what="ask for software approval")
    name = _text(name, 200)
    if not name:
        raise InvalidInput("name the software or app", code="missing-name")
    with transaction.atomic():
        item = SoftwareApproval.objects.create(
            school=school, name=name, purpose=(purpose or "")[:500],
            licence_notes=(licence_notes or "")[:500], licence_renewal_on=licence_renewal_on,
            requested_by=actor, requested_at=timezone.now())
        events.software_requested(actor=actor, item=item)
    return item


def software_decide(*, actor: Person, item: SoftwareApproval, approve: bool,
                    note: str = "") -> SoftwareApproval:
    """004 §2.1.5: only software approved by the headteacher is installed."""
    permissions.require(actor, "approve_software", item.school_id, what="approve software")
    with transaction.atomic():
        item = SoftwareApproval.objects.select_for_update().get(pk=item.pk)
        if item.decision != PENDING:
            raise Conflict(f"{item.name} is already decided")
        item.decision = APPROVED if approve else REFUSED
        item.decided_by, item.decided_at = actor, timezone.now()
        item.decision_note = (note or "")[:500]
        item.save(update_fields=["decision", "decided_by", "decided_at", "decision_note"])
        events.software_decided(actor=actor, item=item)
    return item


def byod_record(*, actor: Person, school: School, person: Person, device_description: str,
                agreed_on: datetime.date | None = None, note: str = "") -> ByodAgreement:
    """002 "Bring Your Own Device": someone agreed to the rules for their own device."""
    permissions.require(actor, "manage_devices", school, what="record BYOD agreements")
    if person.school_id != school.pk:
        raise NotAllowed("that belongs to another school")
    device_description = _text(device_description, 200)
    if not device_description:
        raise InvalidInput("describe the device", code="missing-device")
    agreed_on = agreed_on or timezone.localdate()
    _not_future(agreed_on, "date agreed")
    with transaction.atomic():
        agreement = ByodAgreement.objects.create(
            school=school, person=person, device_description=device_description,
            agreed_on=agreed_on, recorded_by=actor, note=(note or "")[:500])
        events.byod_agreement_recorded(actor=actor, agreement=agreement)
    return agreement


def byod_end(*, actor: Person, agreement: ByodAgreement) -> ByodAgreement:
    permissions.require(actor, "manage_devices", agreement.school_id,
                        what="end BYOD agreements")
    with transaction.atomic():
        agreement = ByodAgreement.objects.select_for_update().get(pk=agreement.pk)
        if agreement.ended_on is not None:
            raise Conflict("that agreement has already ended")
        agreement.ended_on = timezone.localdate()
        agreement.save(update_fields=["ended_on"])
        events.byod_agreement_ended(actor=actor, agreement=agreement)
    return agreement


def export_record(*, actor: Person, school: School, rows: int,
                  register: str = "Device register") -> None:
    permissions.require(actor, "view_devices", school, what="download the device register")
    events.devices_exported(actor=actor, school=school, rows=rows, register=register)
