"""Demo devices a school would recognise: staff laptops (one not yet encrypted), the office
desktops, the trips camera out on loan and overdue, iPads, approved software and a few
BYOD agreements."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.devices import actions
from esafety.devices.models import CAMERA, DESKTOP, DRIVE, LAPTOP, TABLET, Device
from esafety.directory import roles
from esafety.directory.models import Person, School


def load_demo_devices(school: School) -> None:
    """Idempotent: a school that already has devices gets nothing more."""
    if Device.objects.filter(school=school).exists():
        return
    head = Person.objects.filter(school=school, role=roles.HEADTEACHER).order_by("pk").first()
    it = Person.objects.filter(school=school, role=roles.IT_MANAGER).order_by("pk").first()
    if head is None or it is None:
        return
    today = timezone.localdate()
    staff = list(Person.objects.current().filter(school=school, role=roles.TEACHER)
                 .order_by("pk")[:6])
    ago = lambda days: today - datetime.timedelta(days=days)  # noqa: E731
    laptops = []
    for n, teacher in enumerate(staff, start=1):
        laptops.append(actions.device_save(
            actor=it, school=school, name=f"LAP-{n:03d}", kind=LAPTOP, serial=f"5CG{n:04d}X",
            holder=teacher, encrypted=n != 4, antivirus_current=n != 2,
            last_checked_on=ago(60 + n * 20) if n != 5 else ago(420),
            notes="BitLocker" if n != 4 else "Waiting for BitLocker"))
    for n in range(1, 3):
        actions.device_save(actor=it, school=school, name=f"OFFICE-PC-{n}", kind=DESKTOP,
                            encrypted=True, antivirus_current=True, last_checked_on=ago(30))
    for n in range(1, 4):
        actions.device_save(actor=it, school=school, name=f"IPAD-{n:02d}", kind=TABLET,
                            encrypted=True, last_checked_on=ago(90), notes="Year 5 class set")
    camera = actions.device_save(actor=it, school=school, name="CAM-TRIPS", kind=CAMERA,
                                 last_checked_on=ago(100), notes="School trips camera")
    drive = actions.device_save(actor=it, school=school, name="USB-ENC-01", kind=DRIVE,
                                encrypted=True, last_checked_on=ago(10),
                                notes="Encrypted drive for the exams office")
    if staff:
        loan = actions.device_lend(actor=it, device=camera, borrower=staff[0],
                                   lent_on=ago(30), due_on=ago(16),
                                   note="Year 7 residential")
        assert loan
        done = actions.device_lend(actor=it, device=drive, borrower=staff[-1],
                                   lent_on=ago(20), due_on=ago(13))
        actions.device_return(actor=it, loan=done, data_removed=True, returned_on=ago(14))
    for name, purpose, licence, approve in [
        ("Microsoft 365 A3", "Email, documents and Teams", "Per-user licence, renews August",
         True),
        ("Sophos Intercept X", "Anti-virus on every school computer",
         "Site licence, 250 devices", True),
        ("Seesaw", "Primary learning journals", "Free for schools; parents' app", True),
        ("TikTok", "Drama department promotion", "", False),
        ("Canva for Education", "Posters and presentations", "Free for schools", None),
    ]:
        item = actions.software_request(actor=it, school=school, name=name, purpose=purpose,
                                        licence_notes=licence)
        if approve is not None:
            actions.software_decide(actor=head, item=item, approve=approve,
                                    note="" if approve else "Not for a school account (003 §6.8)")
    others = Person.objects.current().filter(school=school, role__in=[
        roles.SUPPORT_STAFF, roles.TEACHER]).order_by("-pk")[:3]
    for person, device in zip(others, ["iPhone 13", "Samsung Galaxy S22", "Personal iPad"],
                              strict=False):
        actions.byod_record(actor=it, school=school, person=person, device_description=device,
                            agreed_on=ago(80))
