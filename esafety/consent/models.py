"""Consent for photographs and published work, the register of what was published with whom
in it, and the school's own social media accounts and sites.

002 "Use of digital and video images": written permission from parents or carers before
photographs of pupils are published, and pupils' work published only with permission;
004 §3.2.7: parents sign to agree or disagree. Nothing is overwritten: every decision is a new
row, so a withdrawal keeps the consent it withdrew (the latest row per purpose is the answer).
"""

from __future__ import annotations

from django.db import models

from esafety.directory.models import Person, School

WEBSITE = "website"
NEWSPAPER = "newspaper"
SOCIAL_MEDIA = "social_media"
PUBLISH_WORK = "publish_work"
PURPOSES = [
    (WEBSITE, "Photographs on the school website"),
    (NEWSPAPER, "Photographs in newspapers"),
    (SOCIAL_MEDIA, "Photographs on the school's social media"),
    (PUBLISH_WORK, "Publishing their work"),
]
PURPOSE_LABELS = dict(PURPOSES)
# What a parent reads: the same purposes, in plain words.
PARENT_PURPOSE_LABELS = {
    WEBSITE: "Photos of my child on the school website",
    NEWSPAPER: "Photos of my child in local newspapers",
    SOCIAL_MEDIA: "Photos of my child on the school's social media pages",
    PUBLISH_WORK: "My child's work shown on the website or in print",
}

AGREED = "agreed"
REFUSED = "refused"
WITHDRAWN = "withdrawn"
DECISIONS = [(AGREED, "Agreed"), (REFUSED, "Did not agree"), (WITHDRAWN, "Withdrawn")]
DECISION_LABELS = dict(DECISIONS)


class Consent(models.Model):
    """One decision about one purpose for one pupil. The latest per purpose stands."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="consents")
    purpose = models.CharField(max_length=20, choices=PURPOSES)
    decision = models.CharField(max_length=12, choices=DECISIONS)
    given_on = models.DateField()
    # Who gave it: a parent or carer esafety knows, or a name (a paper form).
    given_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    given_by_name = models.CharField(max_length=200, blank=True)
    # Older pupils decide with their parents (002 "Use of digital and video images").
    pupil_agreed = models.BooleanField(null=True, blank=True)
    recorded_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField()
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["pupil", "purpose", "-recorded_at"])]

    def __str__(self) -> str:
        return f"{PURPOSE_LABELS.get(self.purpose, self.purpose)}: {self.get_decision_display()}"

    @property
    def giver_label(self) -> str:
        if self.given_by_id:
            return self.given_by.display_name if self.given_by else ""
        return self.given_by_name


class PublishedItem(models.Model):
    """Something the school published with pupils in it (003 §8.2: removed once they leave)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    title = models.CharField(max_length=200)
    purpose = models.CharField(max_length=20, choices=PURPOSES)
    where = models.CharField(max_length=300, blank=True, help_text="Address or where it appeared")
    published_on = models.DateField()
    pupils = models.ManyToManyField(Person, related_name="published_items")
    added_by = models.ForeignKey(Person, null=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField()
    removed_on = models.DateField(null=True, blank=True)
    removed_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    removal_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-published_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class SchoolChannel(models.Model):
    """One of the school's own social media accounts or sites (003 §6.8, 004 §2.1.8)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=200)
    platform = models.CharField(max_length=100)
    address = models.CharField(max_length=300, blank=True)
    run_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    approved_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    approved_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    note = models.CharField(max_length=500, blank=True)
    added_at = models.DateTimeField()

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return f"{self.name} ({self.platform})"
