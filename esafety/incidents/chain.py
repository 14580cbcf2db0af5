"""Checking that nothing in the incident log was changed behind esafety's back.

For every incident: each event's hash must recompute (HMAC-SHA256 with the chain key, see
esafety/keys.py) from the previous hash and the event's canonical JSON, the sequence must
have no gaps, the whole case as it is now (the incident and every row that hangs off it,
models.chained_state) must match the chain's last seal, and every evidence item must match
both the hash the chain recorded for it and (for files) the bytes on disk. The incident's
head (models.IncidentChainHead: its last event's place and hash under a keyed seal) must
be intact and match the history's last event, so events cut off the end are found too.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from esafety.directory.models import School
from esafety.incidents import evidence as files
from esafety.incidents.models import (
    GENESIS_HASH,
    Evidence,
    Incident,
    IncidentChainHead,
    IncidentEvent,
    chained_state,
    event_canonical,
    event_hash,
    head_problem,
    move_head,
    state_seal,
)
from esafety.retention.sealing import event_sealed

# A purge under the school's retention schedule (esafety/retention/sealing.py: emptied
# events keep their place and hash under a keyed purge seal).
PURGE_KIND = "records_purged"

# Events appended by migrations (0003 keyed the histories; see reseal_histories).
MIGRATION_KINDS = {"history_keyed", "history_resealed"}


@dataclass
class IncidentCheck:
    incident: Incident
    events: int = 0
    files: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_incident(incident: Incident) -> IncidentCheck:
    check = IncidentCheck(incident=incident)
    # The head first: an event another writer commits while we read is after it.
    head = (IncidentChainHead.objects.filter(incident_id=incident.pk)
            .values("seq", "hash", "seal").first())
    prev = GENESIS_HASH
    expected_seq = 1
    last_seal = None
    at_head = None  # (seq, hash) of the event the head should name
    recorded = {}  # evidence id -> sha256 the chain recorded
    purged: set[int] = set()  # evidence emptied under the retention schedule (sealed)
    for event in IncidentEvent.objects.filter(incident=incident).order_by("seq"):
        check.events += 1
        if head is None or event.seq <= head["seq"]:
            at_head = (event.seq, event.hash)
        if event.seq != expected_seq:
            check.problems.append(f"event {expected_seq} is missing (next is {event.seq})")
            expected_seq = event.seq
        if event.prev_hash != prev:
            check.problems.append(f"event {event.seq} does not follow event {event.seq - 1}")
        if event.compute_hash() != event.hash and not event_sealed(event):
            check.problems.append(f"event {event.seq} ({event.kind}) was altered")
        if event.kind == PURGE_KIND:
            purged.update((event.data or {}).get("evidence_purged", []))
        prev = event.hash
        expected_seq += 1
        last_seal = (event.data or {}).get("state_sha256", last_seal)
        if event.kind == "evidence_added":
            recorded[event.data.get("evidence")] = event.data.get("sha256")
        if event.kind in MIGRATION_KINDS:
            check.problems.extend(_before_keying(event))
        if (event.data or {}).get("head_problem"):
            # Found by esafety when it added this event (the head then moved on past it).
            check.problems.append(f"before event {event.seq} was added: "
                                  f"{event.data['head_problem']}")
    problem = head_problem(incident.pk, head, at_head)
    if problem:
        check.problems.append(problem)
    if check.events == 0:
        check.problems.append("its history is missing")
    elif last_seal != state_seal(chained_state(incident)):
        check.problems.append("its details were changed outside esafety")
    for item in Evidence.objects.filter(incident=incident).order_by("pk"):
        if item.pk in purged and item.pk in recorded:
            continue  # its content went with a purge the chain records; the state seal covers it
        check.problems.extend(_check_item(item, recorded, check))
    return check


def _before_keying(event: IncidentEvent) -> list[str]:
    """A history that was already altered when it was keyed stays marked as altered."""
    problems = []
    if event.data.get("previous_chain_intact") is False:
        problems.append(f"its history had already been altered when it was keyed "
                        f"(event {event.seq})")
    if event.data.get("previous_seal_matched") is False:
        problems.append(f"its details had already been changed outside esafety when its "
                        f"history was keyed (event {event.seq})")
    return problems


def _check_item(item: Evidence, recorded: dict, check: IncidentCheck) -> list[str]:
    problems = []
    if item.pk not in recorded:
        problems.append(f"evidence {item.pk} is not in the history")
    elif recorded[item.pk] != item.sha256:
        problems.append(f"evidence {item.pk}'s recorded hash was changed")
    if item.file_path:
        check.files += 1
        path = Path(settings.MEDIA_ROOT) / item.file_path
        try:
            actual = files.sha256_bytes(path.read_bytes())
        except FileNotFoundError:
            # A file removed on purpose (000 §2: images of a child are never kept) is
            # recorded in the chain as an "image_removed" event; only then is absence fine.
            if item.pk not in files.removed_image_ids(item.incident_id):
                problems.append(f"evidence {item.pk}'s file {item.original_name} is missing")
            return problems
        if actual != recorded.get(item.pk, item.sha256):
            problems.append(f"evidence {item.pk}'s file {item.original_name} was altered")
    else:
        actual = files.sha256_text_item(kind=item.kind, url=item.url, phone=item.phone,
                                        text=item.text)
        if actual != recorded.get(item.pk, item.sha256):
            problems.append(f"evidence {item.pk} ({item.kind_label}) was altered")
    return problems


def verify_all(school: School | None = None) -> list[IncidentCheck]:
    incidents = Incident.objects.select_related("school").order_by("school_id", "pk")
    if school is not None:
        incidents = incidents.filter(school=school)
    return [verify_incident(incident) for incident in incidents]


# --- for migrations ---------------------------------------------------------------------

def append_migration_event(apps, incident, *, kind: str, data: dict):
    """Append an event sealing the whole case now, with the models a migration hands over."""
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    last = (IncidentEvent.objects.filter(incident_id=incident.pk).order_by("-seq")
            .values("seq", "hash").first())
    data = {**data, "state_sha256": state_seal(chained_state(incident))}
    event = IncidentEvent(incident_id=incident.pk, seq=(last["seq"] + 1) if last else 1,
                          at=timezone.now(), actor_id=None, actor_label="esafety (upgrade)",
                          kind=kind, data=data,
                          prev_hash=last["hash"] if last else GENESIS_HASH)
    event.hash = event_hash(event.prev_hash, event_canonical(
        incident_id=incident.pk, seq=event.seq, at=event.at, actor_id=None,
        actor_label=event.actor_label, kind=kind, data=event.data))
    event.save()
    try:
        head_model = apps.get_model("incidents", "IncidentChainHead")
    except LookupError:
        pass  # before migration 0005 there was no head
    else:
        move_head(head_model, incident.pk, event.seq, event.hash)
    return event


def seal_heads(apps, schema_editor):
    """RunPython (migration 0005): record where every existing history ends, sealed.

    It vouches for the history it finds, like reseal_histories: for upgrades of the
    (pre-release) demo and test databases."""
    Incident = apps.get_model("incidents", "Incident")
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    head_model = apps.get_model("incidents", "IncidentChainHead")
    for incident in Incident.objects.order_by("pk"):
        last = (IncidentEvent.objects.filter(incident_id=incident.pk).order_by("-seq")
                .values("seq", "hash").first())
        if last:
            move_head(head_model, incident.pk, last["seq"], last["hash"])


def reseal_histories(apps, schema_editor):
    """RunPython for a later migration that changes what the seal covers for existing rows
    (removes a sealed field, fills a new one in, moves rows to a new model): appends a
    "history_resealed" event to every incident, sealing the case as the migration left it.

    Only for upgrades of the (pre-release) demo and test databases: it vouches for the
    state it finds, so a migration must not call it over a history that failed verification.
    """
    Incident = apps.get_model("incidents", "Incident")
    for incident in Incident.objects.order_by("pk"):
        append_migration_event(apps, incident, kind="history_resealed",
                               data={"migration": True})
