"""Schools and the people in them.

A Person is also the sign-in account: everyone who uses the school's systems is someone
the school knows, with one role. People are never deleted; leavers are deactivated.
"""

import datetime
from typing import ClassVar

from django.contrib.auth.models import AbstractUser, UserManager
from django.core.management.base import CommandError
from django.db import models
from django.utils import timezone

from esafety.directory import roles
from esafety.errors import InvalidInput


class Trust(models.Model):
    """A multi-academy trust holding several schools."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self):
        return self.name


class UnknownSchool(InvalidInput, CommandError):
    """No school has that short name. An InvalidInput for the web and the checks CLI, and a
    CommandError so a management command stops with the one line, not a traceback."""

    code = "unknown-school"


class SchoolQuerySet(models.QuerySet["School"]):
    def by_slug(self, slug: str) -> "School":
        """The school with this short name (the one lookup by slug), or UnknownSchool
        naming the schools there are."""
        try:
            return self.get(slug=slug)
        except (School.DoesNotExist, ValueError, TypeError):
            known = ", ".join(School.objects.order_by("pk").values_list("slug", flat=True))
            raise UnknownSchool(f"no school '{slug}' (known: {known or 'none yet'})") from None


class School(models.Model):
    trust = models.ForeignKey(Trust, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="schools")
    name = models.CharField(max_length=200)
    slug = models.SlugField(max_length=60, unique=True,
                            help_text="Short name used on the command line, e.g. hollins-park")
    # 004 §3.1: pupils sign "at the beginning of each year"; the school says when that is.
    year_start_month = models.PositiveSmallIntegerField(default=9)
    year_start_day = models.PositiveSmallIntegerField(default=1)
    email_domains = models.CharField(
        max_length=500, blank=True,
        help_text="The school's own mail domains, comma separated (e.g. hollinspark.sch.uk)")

    objects = SchoolQuerySet.as_manager()

    def __str__(self):
        return self.name

    def school_year_start(self, on: datetime.date | None = None) -> datetime.date:
        """First day of the school year that `on` (default today) falls in."""
        on = on or timezone.localdate()
        start = _safe_date(on.year, self.year_start_month, self.year_start_day)
        if on < start:
            start = _safe_date(on.year - 1, self.year_start_month, self.year_start_day)
        return start

    def school_year_label(self, on: datetime.date | None = None) -> str:
        start = self.school_year_start(on)
        return f"{start.year}/{str(start.year + 1)[-2:]}"

    @property
    def domains(self) -> list[str]:
        return [d.strip().lower() for d in self.email_domains.split(",") if d.strip()]


def _safe_date(year: int, month: int, day: int) -> datetime.date:
    # A school year starting on 29 February would not exist most years.
    while True:
        try:
            return datetime.date(year, month, day)
        except ValueError:
            day -= 1


class PersonQuerySet(models.QuerySet):
    def in_school(self, school):
        return self.filter(school=school)

    def current(self):
        """People who can use the systems now: active, not left, and (guests) not expired.

        The query twin of `Person.can_use_systems`; the one place this is written.
        """
        now = timezone.now()
        return self.filter(
            models.Q(is_active=True),
            models.Q(left_on__isnull=True) | models.Q(left_on__gt=timezone.localdate(now)),
            models.Q(access_expires_at__isnull=True) | models.Q(access_expires_at__gt=now))


class PersonManager(UserManager.from_queryset(PersonQuerySet)):  # type: ignore[misc]
    pass


class Person(AbstractUser):
    """Someone the school knows: staff, pupil, parent, governor or guest."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="people")
    role = models.CharField(max_length=32, choices=roles.ROLE_CHOICES)
    # The identifier the school's MIS uses (staff code, UPN/admission number, contact id).
    external_id = models.CharField(max_length=64, blank=True)
    year_group = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  help_text="0 is Reception")
    form = models.CharField(max_length=32, blank=True, help_text="Registration group or class")
    date_of_birth = models.DateField(null=True, blank=True)
    children = models.ManyToManyField("self", symmetrical=False, blank=True,
                                      related_name="parents")
    # Guests (supply teachers, trainees, visitors) cannot sign in after this moment.
    access_expires_at = models.DateTimeField(null=True, blank=True)
    # 003 §5.9: a leaver's access ends when they leave.
    left_on = models.DateField(null=True, blank=True)
    role_kind = models.CharField(
        max_length=16, editable=False, default="staff",
        help_text="Which MIS file this person comes from: staff, pupils or parents")

    objects: ClassVar[PersonManager] = PersonManager()

    class Meta:
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "role_kind", "external_id"],
                                    name="unique_external_id_per_school_and_kind",
                                    condition=~models.Q(external_id="")),
        ]

    def __str__(self):
        return self.display_name

    def save(self, *args, **kwargs):
        # Derived, not domain flow: keeps external ids unique within each MIS file.
        self.role_kind = self.kind_for_role(self.role)
        super().save(*args, **kwargs)

    @staticmethod
    def kind_for_role(role: str) -> str:
        if role == roles.PUPIL:
            return "pupils"
        if role == roles.PARENT:
            return "parents"
        return "staff"

    @property
    def display_name(self) -> str:
        name = f"{self.first_name} {self.last_name}".strip()
        return name or self.username

    @property
    def role_label(self) -> str:
        return roles.ROLE_LABELS.get(self.role, self.role)

    @property
    def is_staff_member(self) -> bool:
        return self.role in roles.STAFF_ROLES

    @property
    def is_pupil(self) -> bool:
        return self.role == roles.PUPIL

    @property
    def is_parent(self) -> bool:
        return self.role == roles.PARENT

    @property
    def is_guest(self) -> bool:
        return self.role in roles.GUEST_ROLES

    @property
    def key_stage(self) -> int | None:
        return roles.key_stage(self.year_group) if self.is_pupil else None

    @property
    def year_label(self) -> str:
        return roles.year_label(self.year_group) if self.is_pupil else ""

    @property
    def audience(self) -> str | None:
        return roles.audience_for(self.role, self.year_group)

    @property
    def filtering_group(self) -> str:
        return roles.filtering_group(self.role, self.year_group)

    def has_left(self, today: datetime.date | None = None) -> bool:
        return self.left_on is not None and self.left_on <= (today or timezone.localdate())

    def access_has_expired(self, now: datetime.datetime | None = None) -> bool:
        return self.access_expires_at is not None and self.access_expires_at <= (
            now or timezone.now())

    def can_use_systems(self) -> bool:
        """Whether this person may sign in at all right now."""
        return (self.is_active and not self.has_left() and not self.access_has_expired()
                and (self.school_id is not None or self.is_superuser))

