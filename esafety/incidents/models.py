"""The online safety incident log: incidents, their evidence and their investigation.

Nothing here is ever deleted. Every change to an incident is made by a named action in
actions/, which appends an IncidentEvent (history_models.py) to the incident's hash chain
in the same transaction; `esafety evidence verify` recomputes those chains and the stored files.
"""

from pathlib import Path

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.incidents import rules

# Django finds the history's models through this import; migrations and chain.py read the
# history's helpers from here too.
from esafety.incidents.history_models import (  # noqa: F401
    GENESIS_HASH,
    IncidentChainHead,
    IncidentEvent,
    as_utc,
    canonical_json,
    chained_state,
    event_canonical,
    event_hash,
    head_problem,
    move_head,
    state_seal,
)

STATUS_NEW = "new"
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
STATUS_CHOICES = [(STATUS_NEW, "Reported"), (STATUS_OPEN, "Being looked into"),
                  (STATUS_CLOSED, "Closed")]

class IncidentSettings(models.Model):
    """Per-school choices for the incident log: who is told, who stands in, what letters say."""

    school = models.OneToOneField("directory.School", on_delete=models.PROTECT,
                                  related_name="incident_settings")
    designated_person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Told at once of every report (the DSL or online safety lead)")
    chair_of_governors = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", help_text="Receives allegations against the headteacher")
    letter_template = models.TextField(default=rules.DEFAULT_LETTER_TEMPLATE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self):
        return f"Incident settings for {self.school}"


class IncidentQuerySet(models.QuerySet):
    def for_school(self, school):
        return self.filter(school=school)


class Incident(models.Model):
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="incidents")
    reference = models.CharField(max_length=20, help_text="e.g. INC-2026-0007")
    kind = models.CharField(max_length=32, choices=rules.TYPE_CHOICES)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=STATUS_NEW)
    summary = models.CharField(max_length=200)
    description = models.TextField()
    occurred_at = models.DateTimeField(null=True, blank=True)
    location = models.CharField(max_length=200, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="incidents_reported")
    reported_at = models.DateTimeField()
    reported_via = models.CharField(max_length=16, default="staff",
                                    help_text="staff, pupil or parent form")
    # The people in a case and their parts (reporter, target, alleged...) are Involvement rows.
    # Allegations against staff: visible to the headteacher and whom they add (access.py),
    # never to the person they are about.
    subject_staff = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="allegations")
    police_referral = models.BooleanField(default=False)
    police_matters = models.JSONField(default=list, blank=True)
    designated_computer = models.CharField(max_length=200, blank=True)
    outcome = models.CharField(max_length=32, choices=rules.OUTCOME_CHOICES, blank=True)
    outcome_reasons = models.TextField(blank=True)
    police_override_reason = models.TextField(blank=True)
    judged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    judged_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    # Who moves the case on: one of the senior staff who may act on it, chosen by the DSL or
    # headteacher (the allegation's owner for an allegation). What must happen next, and by
    # when. Changed only by actions/casework.py, so each change is in the history.
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.PROTECT, related_name="cases_owned")
    next_action = models.CharField(max_length=200, blank=True)
    next_action_due = models.DateField(null=True, blank=True)
    # Optimistic locking: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

    # Not a field: the incident log sets it on the rows it lists (views/log.py).
    short_summary: str

    class Meta:
        ordering = ["-reported_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["school", "reference"],
                                               name="unique_incident_reference_per_school")]

    def __str__(self):
        return f"{self.reference} {self.kind_label}"

    @property
    def kind_label(self) -> str:
        return rules.TYPE_LABELS.get(self.kind, self.kind)

    @property
    def outcome_label(self) -> str:
        return rules.OUTCOME_LABELS.get(self.outcome, "")

    @property
    def is_allegation(self) -> bool:
        return self.subject_staff_id is not None

    @property
    def is_closed(self) -> bool:
        return self.status == STATUS_CLOSED

    @property
    def is_overdue(self) -> bool:
        """The next action's due date has passed and the case is still open."""
        return (not self.is_closed and self.next_action_due is not None
                and self.next_action_due < timezone.localdate())

    @property
    def images_not_accepted(self) -> bool:
        return self.kind in rules.NO_IMAGE_TYPES

    def police_matter_labels(self) -> list[str]:
        return [rules.POLICE_MATTER_LABELS.get(m, m) for m in self.police_matters]

    @property
    def people(self):
        """Everyone with a current part in the case (read-only: change parts by action)."""
        from esafety.directory.models import Person

        return Person.objects.filter(
            pk__in=self.involvements.current().values("person_id")).order_by("last_name",
                                                                             "first_name")

    def part_of(self, person) -> str | None:
        """The person's current part in this case, or None if they have none."""
        row = self.involvements.current().filter(person=person).first()
        return row.part if row else None




class InvolvementQuerySet(models.QuerySet):
    def current(self):
        return self.filter(removed_at__isnull=True)


class Involvement(models.Model):
    """One person's part in a case. Never deleted: a change closes the row and opens another."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="involvements")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="case_parts")
    part = models.CharField(max_length=16, choices=rules.PARTS)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()
    removed_at = models.DateTimeField(null=True, blank=True)
    removed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    removed_reason = models.TextField(blank=True)

    objects = InvolvementQuerySet.as_manager()

    class Meta:
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"],
                                               condition=models.Q(removed_at__isnull=True),
                                               name="unique_current_involvement")]

    def __str__(self):
        return f"{self.person} ({self.part}) in {self.incident_id}"

    @property
    def part_label(self) -> str:
        return rules.PART_LABELS.get(self.part, self.part)

    @property
    def is_current(self) -> bool:
        return self.removed_at is None


class CurrentInvestigators(models.Manager):
    def get_queryset(self):
        return super().get_queryset().filter(stood_down_at__isnull=True)


class Investigator(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="investigators")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="investigations")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()
    # Kept, never deleted: when a case becomes an allegation, its owner chooses afresh.
    stood_down_at = models.DateTimeField(null=True, blank=True)

    # `incident.investigators` means the current ones; `Investigator.every` includes the past.
    every = models.Manager()
    objects = CurrentInvestigators()

    class Meta:
        default_manager_name = "objects"
        ordering = ["added_at", "id"]
        constraints = [models.UniqueConstraint(fields=["incident", "person"],
                                               condition=models.Q(stood_down_at__isnull=True),
                                               name="unique_current_investigator")]

    def __str__(self):
        return f"{self.person} investigates {self.incident_id}"


class AllegationViewer(models.Model):
    """Someone the headteacher (or chair of governors) has let into an allegation."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="viewers")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["incident", "person"],
                                               name="unique_allegation_viewer")]

    def __str__(self):
        return f"{self.person} may see {self.incident_id}"


class Evidence(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="evidence")
    kind = models.CharField(max_length=32, choices=rules.EVIDENCE_CHOICES)
    url = models.URLField(max_length=2000, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    text = models.TextField(blank=True, help_text="Description, nature of the content, or note")
    file_path = models.CharField(max_length=500, blank=True, help_text="Relative to MEDIA_ROOT")
    original_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    sha256 = models.CharField(max_length=64)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    added_at = models.DateTimeField()
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self):
        return f"{self.kind_label} {self.original_name or self.url or self.phone}".strip()

    @property
    def kind_label(self) -> str:
        return rules.EVIDENCE_LABELS.get(self.kind, self.kind)

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def has_file(self) -> bool:
        return bool(self.file_path)

    def absolute_path(self):
        return Path(settings.MEDIA_ROOT) / self.file_path

    def signers(self):
        return [s.person for s in self.signoffs.all()]


class ScreenshotSignoff(models.Model):
    """002: screenshots 'may be printed, signed and attached': here, signed by each investigator."""

    evidence = models.ForeignKey(Evidence, on_delete=models.PROTECT, related_name="signoffs")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField()

    class Meta:
        ordering = ["signed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["evidence", "person"],
                                               name="unique_screenshot_signoff")]

    def __str__(self):
        return f"{self.person} signed evidence {self.evidence_id}"


class Rating(models.Model):
    """004 Appendix I rating of one person's misuse, with the Appendix II factors."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="ratings")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    rating = models.CharField(max_length=16, choices=rules.RATING_CHOICES)
    dimensions = models.JSONField(default=dict, help_text="time, volume, capacity -> notes")
    factors = models.JSONField(default=dict, help_text="Appendix II factor -> notes")
    rated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                 related_name="+")
    rated_at = models.DateTimeField()
    # A mistaken rating is withdrawn with a reason, kept in the record and the history.
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["rated_at", "id"]

    # Not fields: what the case page shows with each rating (selectors.ratings_for_page).
    range: list[tuple[str, str]]
    staff_rating: str
    factor_rows: list[tuple[str, str]]
    dimension_rows: list[tuple[str, str]]

    def __str__(self):
        return f"{self.rating} ({self.incident_id})"

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def rating_label(self) -> str:
        return rules.RATING_BY_CODE[self.rating]["label"]


class Sanction(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="sanctions")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=32)
    reasons = models.TextField()
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    # What happened to an internet suspension: applied through filtering, or recorded only.
    enforcement = models.CharField(max_length=200, blank=True)
    # The rating the sanction rests on (004 App. I), and the headteacher's reasons when they
    # recorded it although the rules refused it.
    rating = models.ForeignKey(Rating, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="sanctions")
    override_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at", "id"]

    def __str__(self):
        return f"{self.kind_label} ({self.incident_id})"

    @property
    def kind_label(self) -> str:
        return rules.SANCTION_LABELS.get(self.kind, self.kind)


class TakedownRequest(models.Model):
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="takedowns")
    target = models.CharField(max_length=16, choices=rules.TAKEDOWN_TARGETS)
    target_name = models.CharField(max_length=200, help_text="Who: the site, provider or person")
    url = models.URLField(max_length=2000, blank=True)
    sent_on = models.DateField()
    outcome = models.CharField(max_length=16, choices=rules.TAKEDOWN_OUTCOMES, default="pending")
    outcome_on = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        ordering = ["sent_on", "id"]

    def __str__(self):
        return f"Takedown to {self.target_name} ({self.incident_id})"

    @property
    def target_label(self) -> str:
        return dict(rules.TAKEDOWN_TARGETS).get(self.target, self.target)

    @property
    def outcome_label(self) -> str:
        return dict(rules.TAKEDOWN_OUTCOMES).get(self.outcome, self.outcome)
