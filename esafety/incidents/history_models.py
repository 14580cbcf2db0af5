"""An incident's history: the hash-chained events, the sealed head, and what they seal.

Every change to an incident appends an IncidentEvent (history.py) in the same transaction;
each event's hash covers the one before it, keyed with the chain key, and seals the whole
case as it is now; the head records where the history ends. chain.py checks all of it.
Imported by models.py, so Django finds these models (and migrations see no change).
"""

from __future__ import annotations

import datetime
import hashlib
import json
from typing import TYPE_CHECKING, Any, TypedDict

from django.conf import settings
from django.db import models

from esafety import keys
from esafety.incidents import rules

if TYPE_CHECKING:
    from esafety.incidents.models import Incident

GENESIS_HASH = "0" * 64


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
    name = row._meta.model_name
    skip = UNCHAINED_FIELDS.get(name, set()) if name is not None else set()
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
    state: dict[str, Any] = {"incident": _sealed_row(fresh)}
    for field in model._meta.many_to_many:
        state[field.name] = sorted(getattr(fresh, field.name).values_list("pk", flat=True))
    for relation in model._meta.related_objects:
        related = relation.related_model
        related_name = related._meta.model_name
        if (relation.many_to_many or related._meta.app_label != model._meta.app_label
                or related_name is None or related_name in UNCHAINED_MODELS):
            continue
        link = relation.field.name
        rows = related._base_manager.filter(**{link: fresh.pk}).order_by("pk")
        state[related_name] = [_sealed_row(r) for r in rows]
        # Rows that hang off those rows (a screenshot's sign-offs), unless they name the
        # incident themselves and are sealed above (a sanction's rating).
        for inner in related._meta.related_objects:
            deeper = inner.related_model
            if (inner.many_to_many or deeper._meta.app_label != model._meta.app_label
                    or deeper._meta.model_name in UNCHAINED_MODELS or _points_at(deeper, model)):
                continue
            rows = (deeper._base_manager.filter(**{f"{inner.field.name}__{link}": fresh.pk})
                    .order_by("pk"))
            state[f"{related_name}.{deeper._meta.model_name}"] = [
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

    incident = models.ForeignKey("incidents.Incident", on_delete=models.PROTECT,
                                 related_name="events")
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
        if part is None or not self.kind.startswith("involvement"):
            return ""
        return rules.PART_LABELS.get(part, "")


def head_seal(incident_id: int, seq: int, hash_: str) -> str:
    """The keyed seal over where an incident's history ends (see IncidentChainHead)."""
    return keys.seal(f"incident-head|{incident_id}|{seq}|{hash_}")


class HeadRow(TypedDict):
    """An incident's chain head as read from the database."""

    seq: int
    hash: str
    seal: str


def head_problem(incident_id: int, head: HeadRow | None,
                 last: tuple[int, str] | None) -> str | None:
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

    incident = models.OneToOneField("incidents.Incident", on_delete=models.PROTECT,
                                    related_name="chain_head")
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
    "parents_told": "Parents or carers told",
    "owner_set": "Owner chosen", "next_action_set": "Next action set",
}


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)
