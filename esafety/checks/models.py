"""What the message checker needs to know beyond the directory of people."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ApprovedRecipient(models.Model):
    """An address (or a whole domain) one pupil may email (004 §3.2.3)."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="approved_recipients")
    pupil = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                              related_name="approved_recipients")
    # "someone@example.org", or a bare domain "example.org" for everyone there.
    address = models.CharField(max_length=254)
    note = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["address"]
        constraints = [models.UniqueConstraint(fields=["pupil", "address"],
                                               name="unique_approved_recipient_per_pupil")]

    def __str__(self):
        return f"{self.address} for {self.pupil}"


class Correspondent(models.Model):
    """An outside address or domain the school corresponds with (attachments from others
    are flagged as coming from an unknown sender, 000 §8)."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="correspondents")
    address = models.CharField(max_length=254)
    note = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["address"]
        constraints = [models.UniqueConstraint(fields=["school", "address"],
                                               name="unique_correspondent_per_school")]

    def __str__(self):
        return self.address
