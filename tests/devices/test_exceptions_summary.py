"""The governors' pack reads plain counts of device exceptions."""

import datetime

from django.utils import timezone

from esafety.devices import selectors
from esafety.devices.models import LAPTOP, Device, Loan


def test_counts_each_kind_of_exception(school, other_school, teacher):
    today = timezone.localdate()
    Device.objects.create(school=school, name="LAP-001", kind=LAPTOP, encrypted=True,
                          antivirus_current=True, last_checked_on=today, added_at=timezone.now())
    bad = Device.objects.create(school=school, name="LAP-002", kind=LAPTOP, encrypted=False,
                                antivirus_current=False, added_at=timezone.now())
    Device.objects.create(school=other_school, name="LAP-X", kind=LAPTOP,
                          added_at=timezone.now())
    Loan.objects.create(device=bad, borrower=teacher, lent_on=today - datetime.timedelta(days=20),
                        due_on=today - datetime.timedelta(days=1))
    assert selectors.exceptions_summary(school) == {
        "devices": 2, "unencrypted": 1, "antivirus_out_of_date": 1, "unchecked_for_a_year": 1,
        "overdue_loans": 1, "returned_without_data_removed": 0, "software_waiting": 0,
        "byod_agreements": 0}
