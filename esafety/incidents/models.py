"""The online safety incident log: incidents, their evidence and their investigation.

Nothing here is ever deleted. Every change to an incident is made by a named action in
actions.py, which appends an IncidentEvent to the incident's hash chain in the same
transaction; `esafety evidence verify` recomputes those chains and the stored files.
"""

import datetime
import hashlib
import json
from pathlib import Path

from django.conf import settings
from django.db import models

from esafety import keys
from esafety.incidents import rules

STATUS_NEW = "new"
STATUS_OPEN = "open"
STATUS_CLOSED = "closed"
STATUS_CHOICES = [(STATUS_NEW, "Reported"), (STATUS_OPEN, "Being looked into"),
                  (STATUS_CLOSED, "Closed")]

GENESIS_HASH = "0" * 64


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
    # Optimistic locking: an edit names the version it started from.
    version = models.PositiveIntegerField(default=1)

    objects = IncidentQuerySet.as_manager()

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


# What the chain seals (every event records state_seal(chained_state(incident))): every field
# of the incident itself (school, reporter, details, subject, judgement, closing...) and every
# row of the incident log that hangs off it (people and their parts, investigators, viewers,
# evidence and its sign-offs, ratings and their withdrawal, sanctions, takedown requests),
# found from the models' relations, so a new kind of row is sealed without a change here.
# Left out: the optimistic-locking counter, and the chain itself.
UNCHAINED_FIELDS = {"incident": {"version"}}
UNCHAINED_MODELS = {"incidentevent", "incidentchainhead"}


def as_utc(moment: datetime.datetime) -> str:
    """One spelling of a moment, however it was read back from the database."""
    return moment.astimezone(datetime.UTC).isoformat()


def _plain(value):
    if isinstance(value, datetime.datetime):
        return as_utc(value)
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def _sealed_row(row: models.Model) -> dict:
    """A row's fields as plain values. Empty ones are left out, so adding a field that
    starts empty does not unseal every history recorded before it existed."""
    skip = UNCHAINED_FIELDS.get(row._meta.model_name, set())
    data = {}
    for field in row._meta.concrete_fields:
        if field.attname in skip:
            continue
        value = _plain(getattr(row, field.attname))
        if value is None or value == "" or value == [] or value == {}:
            continue
        data[field.attname] = value
    return data


def _points_at(model, target) -> bool:
    return any(f.is_relation and f.many_to_one and f.related_model is not None
               and f.related_model._meta.label_lower == target._meta.label_lower
               for f in model._meta.concrete_fields)


def chained_state(incident: Incident) -> dict:
    """Everything about the incident that its history must vouch for, read from the database.

    Works on the models a migration hands over too (it only uses the models' relations).
    """
    model = type(incident)
    fresh = model._base_manager.get(pk=incident.pk)
    state = {"incident": _sealed_row(fresh)}
    for field in model._meta.many_to_many:
        state[field.name] = sorted(getattr(fresh, field.name).values_list("pk", flat=True))
    for relation in model._meta.related_objects:
        related = relation.related_model
        if (relation.many_to_many or related._meta.app_label != model._meta.app_label
                or related._meta.model_name in UNCHAINED_MODELS):
            continue
        link = relation.field.name
        rows = related._base_manager.filter(**{link: fresh.pk}).order_by("pk")
        state[related._meta.model_name] = [_sealed_row(r) for r in rows]
        # Rows that hang off those rows (a screenshot's sign-offs), unless they name the
        # incident themselves and are sealed above (a sanction's rating).
        for inner in related._meta.related_objects:
            deeper = inner.related_model
            if (inner.many_to_many or deeper._meta.app_label != model._meta.app_label
                    or deeper._meta.model_name in UNCHAINED_MODELS or _points_at(deeper, model)):
                continue
            rows = (deeper._base_manager.filter(**{f"{inner.field.name}__{link}": fresh.pk})
                    .order_by("pk"))
            state[f"{related._meta.model_name}.{deeper._meta.model_name}"] = [
                _sealed_row(r) for r in rows]
    return state


def incident_fields(incident: Incident) -> dict:
    """The incident's own fields as the chain seals them (kept in 'reported'/'edited' events)."""
    return chained_state(incident)["incident"]


def state_seal(state: dict) -> str:
    return hashlib.sha256(canonical_json(state).encode("utf-8")).hexdigest()


def event_canonical(*, incident_id, seq, at, actor_id, actor_label, kind, data) -> str:
    """The text an incident event's hash covers (also used by migrations, on plain values)."""
    return canonical_json({
        "incident": incident_id, "seq": seq, "at": as_utc(at), "actor": actor_id,
        "actor_label": actor_label, "kind": kind, "data": data,
    })


def event_hash(prev_hash: str, canonical: str) -> str:
    """HMAC-SHA256 with the chain key: without the key, nobody can recompute a history."""
    return keys.seal(prev_hash + canonical)


class IncidentEvent(models.Model):
    """One entry in an incident's append-only, hash-chained history."""

    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, related_name="events")
    seq = models.PositiveIntegerField()
    at = models.DateTimeField()
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT,
                              related_name="+")
    actor_label = models.CharField(max_length=200)
    kind = models.CharField(max_length=48)
    data = models.JSONField(default=dict)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["incident", "seq"]
        constraints = [models.UniqueConstraint(fields=["incident", "seq"],
                                               name="unique_incident_event_seq")]

    def __str__(self):
        return f"{self.incident_id}#{self.seq} {self.kind}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("incident events are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("incident events are append-only")

    def canonical(self) -> str:
        return event_canonical(incident_id=self.incident_id, seq=self.seq, at=self.at,
                               actor_id=self.actor_id, actor_label=self.actor_label,
                               kind=self.kind, data=self.data)

    def compute_hash(self) -> str:
        return event_hash(self.prev_hash, self.canonical())

    @property
    def label(self) -> str:
        return EVENT_LABELS.get(self.kind, self.kind.replace("_", " "))

    @property
    def part_label(self) -> str:
        """For a change of someone's part in the case: the part, in words."""
        part = self.data.get("part") if isinstance(self.data, dict) else None
        return rules.PART_LABELS.get(part, "") if self.kind.startswith("involvement") else ""


def head_seal(incident_id: int, seq: int, hash_: str) -> str:
    """The keyed seal over where an incident's history ends (see IncidentChainHead)."""
    return keys.seal(f"incident-head|{incident_id}|{seq}|{hash_}")


def head_problem(incident_id: int, head: dict | None, last: tuple[int, str] | None) -> str | None:
    """What is wrong with an incident's head (a dict of seq, hash and seal, or None) given
    the (seq, hash) of the history's last event (None: no events), in plain words."""
    if head is None:
        return "the record of where its history ends is missing" if last else None
    if head["seal"] != head_seal(incident_id, head["seq"], head["hash"]):
        return "the record of where its history ends was altered"
    if last is None:
        return f"all {head['seq']} events of its history are missing"
    if last[0] < head["seq"]:
        return (f"its history should end at event {head['seq']} but ends at event {last[0]}: "
                f"the last events were removed")
    if last[0] > head["seq"]:
        return (f"its history goes on after event {head['seq']}, where esafety last "
                f"recorded its end")
    if last[1] != head["hash"]:
        return f"event {head['seq']} is not the one its history ended with"
    return None


def move_head(head_model, incident_id: int, seq: int, hash_: str) -> None:
    """Record `seq`/`hash_` as the end of the incident's history. Call in the transaction
    that appends the event (also used by migrations, with the model they hand over)."""
    sealed = {"seq": seq, "hash": hash_, "seal": head_seal(incident_id, seq, hash_)}
    if not head_model.objects.filter(incident_id=incident_id).update(**sealed):
        head_model.objects.create(incident_id=incident_id, **sealed)


class IncidentChainHead(models.Model):
    """Where an incident's history ends: its last event's place and hash, under a seal keyed
    with the chain key. Moved on with every event, in the same transaction, so cutting events
    off the end of a history (after dropping the guards) no longer passes verification."""

    incident = models.OneToOneField(Incident, on_delete=models.PROTECT, related_name="chain_head")
    seq = models.PositiveIntegerField()
    hash = models.CharField(max_length=64)
    seal = models.CharField(max_length=64)

    def __str__(self):
        return f"{self.incident_id} ends at #{self.seq}"


EVENT_LABELS = {
    "reported": "Reported", "edited": "Details changed", "note": "Note",
    "evidence_added": "Evidence added", "evidence_withdrawn": "Evidence withdrawn",
    "investigator_added": "Investigator named", "viewer_added": "Given access",
    "screenshot_signed": "Screenshot signed off", "judged": "Judgement recorded",
    "closed": "Closed", "reopened": "Reopened", "rated": "Misuse rated",
    "sanction_recorded": "Sanction recorded", "takedown_requested": "Takedown request sent",
    "takedown_updated": "Takedown outcome", "acknowledged": "Acknowledged",
    "police_referral": "Marked for police referral",
    "police_matters": "Police-reportable content recorded",
    "allegation": "Passed on as an allegation about a member of staff",
    "history_keyed": "History sealed with the school's key (upgrade)",
    "history_resealed": "History sealed again (upgrade)",
    "involvement_added": "Person added to the case", "involvement_changed": "Part changed",
    "involvement_removed": "Person taken off the case", "rating_withdrawn": "Rating withdrawn",
    "image_removed": "File removed (images of a child are never kept)",
    "notification_sent": "Alert emailed",
    "notification_failed": "Alert email NOT sent",
}


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


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
