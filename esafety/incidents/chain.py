"""Checking that nothing in the incident log was changed behind esafety's back.

For every incident: each event's hash must recompute from the previous hash and the
event's canonical JSON, the sequence must have no gaps, the incident's current details
must match the chain's last seal, and every evidence item must match both the hash the
chain recorded for it and (for files) the bytes on disk.
"""

from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

from esafety.incidents import evidence as files
from esafety.incidents.models import (
    GENESIS_HASH,
    Evidence,
    Incident,
    IncidentEvent,
    chained_state,
    state_seal,
)


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
    prev = GENESIS_HASH
    expected_seq = 1
    last_seal = None
    recorded = {}  # evidence id -> sha256 the chain recorded
    for event in IncidentEvent.objects.filter(incident=incident).order_by("seq"):
        check.events += 1
        if event.seq != expected_seq:
            check.problems.append(f"event {expected_seq} is missing (next is {event.seq})")
            expected_seq = event.seq
        if event.prev_hash != prev:
            check.problems.append(f"event {event.seq} does not follow event {event.seq - 1}")
        if event.compute_hash() != event.hash:
            check.problems.append(f"event {event.seq} ({event.kind}) was altered")
        prev = event.hash
        expected_seq += 1
        last_seal = (event.data or {}).get("state_sha256", last_seal)
        if event.kind == "evidence_added":
            recorded[event.data.get("evidence")] = event.data.get("sha256")
    if check.events == 0:
        check.problems.append("its history is missing")
    elif last_seal != state_seal(chained_state(incident)):
        check.problems.append("its details were changed outside esafety")
    for item in Evidence.objects.filter(incident=incident).order_by("pk"):
        check.problems.extend(_check_item(item, recorded, check))
    return check


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


def verify_all(school=None) -> list[IncidentCheck]:
    incidents = Incident.objects.select_related("school").order_by("school_id", "pk")
    if school is not None:
        incidents = incidents.filter(school=school)
    return [verify_incident(incident) for incident in incidents]
