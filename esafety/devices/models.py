"""The school's devices, loans, losses, approved software and Bring Your Own Device
agreements (004 §2.1.1, §2.1.5, §2.1.9; 002 "Bring Your Own Device")."""

from __future__ import annotations

from django.db import models

from esafety.directory.models import Person, School

LAPTOP = "laptop"
DESKTOP = "desktop"
TABLET = "tablet"
PHONE = "phone"
CAMERA = "camera"
DRIVE = "drive"
OTHER = "other"
KINDS = [(LAPTOP, "Laptop"), (DESKTOP, "Desktop computer"), (TABLET, "Tablet"),
         (PHONE, "Mobile phone"), (CAMERA, "Camera"), (DRIVE, "Encrypted USB drive"),
         (OTHER, "Other")]
KIND_LABELS = dict(KINDS)
# 004 §2.1.1 "all laptops encrypted"; §2.1.9 encrypted drives only: anything that carries
# personal data off site must be encrypted.
MUST_BE_ENCRYPTED = frozenset({LAPTOP, TABLET, PHONE, DRIVE})
# 004 §2.1.5: anti-virus kept up to date on the computers that run it.
NEEDS_ANTIVIRUS = frozenset({LAPTOP, DESKTOP})

IN_USE = "in_use"
LOST = "lost"
STOLEN = "stolen"
RETIRED = "retired"
STATUSES = [(IN_USE, "In use"), (LOST, "Lost"), (STOLEN, "Stolen"), (RETIRED, "Retired")]


class Device(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200, help_text="Asset tag or name, e.g. LAP-014")
    kind = models.CharField(max_length=12, choices=KINDS)
    serial = models.CharField(max_length=100, blank=True)
    holder = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+", help_text="Who looks after it day to day")
    encrypted = models.BooleanField(default=False)
    antivirus_current = models.BooleanField(default=False)
    last_checked_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=STATUSES, default=IN_USE)
    notes = models.CharField(max_length=500, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display().lower()})"

    @property
    def antivirus_label(self) -> str:
        if self.kind not in NEEDS_ANTIVIRUS:
            return "Not needed"
        return "Up to date" if self.antivirus_current else "Out of date"


class Loan(models.Model):
    """A device lent out, and its return with "personal data removed" signed off (004 §2.1.1:
    loaned cameras and devices cleared of personal data)."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans")
    borrower = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    lent_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    lent_on = models.DateField()
    due_on = models.DateField()
    returned_on = models.DateField(null=True, blank=True)
    received_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    data_removed = models.BooleanField(default=False)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-lent_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.device.name} lent to {self.borrower.display_name}"


class DeviceLoss(models.Model):
    """A device lost or stolen, reported as an incident in the online-safety log."""

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="losses")
    what = models.CharField(max_length=10, choices=[(LOST, "Lost"), (STOLEN, "Stolen")])
    reported_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField()
    incident = models.ForeignKey("incidents.Incident", null=True, on_delete=models.PROTECT,
                                 related_name="+")

    class Meta:
        ordering = ["-reported_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.device.name}: {self.get_what_display().lower()}"


PENDING = "pending"
APPROVED = "approved"
REFUSED = "refused"
SOFTWARE_DECISIONS = [(PENDING, "Waiting for the headteacher"), (APPROVED, "Approved"),
                      (REFUSED, "Not approved")]


class SoftwareApproval(models.Model):
    """Software or an app the school uses, approved by the headteacher (004 §2.1.5)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    purpose = models.CharField(max_length=500, blank=True)
    licence_notes = models.CharField(max_length=500, blank=True)
    licence_renewal_on = models.DateField(null=True, blank=True)
    requested_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT,
                                     related_name="+")
    requested_at = models.DateTimeField()
    decision = models.CharField(max_length=10, choices=SOFTWARE_DECISIONS, default=PENDING)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ByodAgreement(models.Model):
    """002 "Bring Your Own Device": someone's agreement to the rules for their own device."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    device_description = models.CharField(max_length=200)
    agreed_on = models.DateField()
    recorded_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    ended_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-agreed_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.person.display_name}: {self.device_description}"
