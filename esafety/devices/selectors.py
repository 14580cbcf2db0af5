"""Reads for the devices pages and the governors' pack; never writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from esafety.devices.models import (
    IN_USE,
    MUST_BE_ENCRYPTED,
    NEEDS_ANTIVIRUS,
    PENDING,
    ByodAgreement,
    Device,
    Loan,
    SoftwareApproval,
)
from esafety.directory.models import School

# A device nobody has checked for this long is an exception (004 §2.1.5 anti-virus kept up
# to date; 002 "Bring Your Own Device" audits).
CHECK_EVERY = datetime.timedelta(days=365)


def devices(school: School):
    return Device.objects.filter(school=school).select_related("holder")


def loans(school: School):
    return Loan.objects.filter(device__school=school).select_related(
        "device", "borrower", "lent_by", "received_by")


def software(school: School):
    return SoftwareApproval.objects.filter(school=school).select_related(
        "requested_by", "decided_by")


def byod(school: School):
    return ByodAgreement.objects.filter(school=school).select_related("person", "recorded_by")


@dataclass
class Exceptions:
    unencrypted: list[Device]
    antivirus_out_of_date: list[Device]
    unchecked: list[Device]
    overdue_loans: list[Loan]
    unreturned_data: list[Loan]
    software_waiting: list[SoftwareApproval]

    @property
    def total(self) -> int:
        return (len(self.unencrypted) + len(self.antivirus_out_of_date) + len(self.unchecked)
                + len(self.overdue_loans) + len(self.unreturned_data))


def exceptions(school: School, today: datetime.date | None = None) -> Exceptions:
    today = today or timezone.localdate()
    in_use = list(devices(school).filter(status=IN_USE))
    return Exceptions(
        unencrypted=[d for d in in_use if d.kind in MUST_BE_ENCRYPTED and not d.encrypted],
        antivirus_out_of_date=[d for d in in_use
                               if d.kind in NEEDS_ANTIVIRUS and not d.antivirus_current],
        unchecked=[d for d in in_use
                   if d.last_checked_on is None or d.last_checked_on < today - CHECK_EVERY],
        overdue_loans=list(loans(school).filter(returned_on__isnull=True, due_on__lt=today)),
        unreturned_data=list(loans(school).filter(returned_on__isnull=False,
                                                  data_removed=False)),
        software_waiting=list(software(school).filter(decision=PENDING)),
    )


def exceptions_summary(school: School) -> dict[str, int]:
    """Counts for the governors' pack: devices in use and each kind of exception."""
    found = exceptions(school)
    return {
        "devices": devices(school).filter(status=IN_USE).count(),
        "unencrypted": len(found.unencrypted),
        "antivirus_out_of_date": len(found.antivirus_out_of_date),
        "unchecked_for_a_year": len(found.unchecked),
        "overdue_loans": len(found.overdue_loans),
        "returned_without_data_removed": len(found.unreturned_data),
        "software_waiting": len(found.software_waiting),
        "byod_agreements": byod(school).filter(ended_on__isnull=True).count(),
    }
