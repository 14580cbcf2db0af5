"""Reads for the network pages, the snapshot and the commands; never writes."""

from __future__ import annotations

import datetime
import ipaddress
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.network.models import ClientBinding, NetworkSettings
from esafety.policies import status
from esafety.policies.models import Acceptance, PolicyDocument

# A helper whose heartbeat is older than this has stopped (the helpers beat every 5 s).
HEARTBEAT_STALE_SECONDS = 60


def settings_for(school: School) -> NetworkSettings:
    """The school's network settings, or (none saved yet) the defaults, unsaved: pages read
    this and never write."""
    found = NetworkSettings.objects.filter(school=school).first()
    return found if found is not None else NetworkSettings(school=school)


def valid_address(text: str) -> str | None:
    """The address in its usual written form, or None if it is not an IP address."""
    try:
        return str(ipaddress.ip_address(text.strip()))
    except (ValueError, AttributeError):
        return None


def live_binding(school: School, address: str,
                 now: datetime.datetime | None = None) -> ClientBinding | None:
    return (ClientBinding.objects.live(now or timezone.now())
            .filter(school=school, address=address).select_related("person").first())


def live_bindings(school: School, now: datetime.datetime | None = None):
    return (ClientBinding.objects.live(now or timezone.now()).filter(school=school)
            .select_related("person").order_by("address"))


def refusal_reason(person: Person) -> str | None:
    """Why a person may not use the internet now ("left", "expired", "inactive"), or None."""
    if person.has_left():
        return ClientBinding.LEFT
    if person.access_has_expired():
        return ClientBinding.EXPIRED
    if not person.is_active:
        return ClientBinding.INACTIVE
    return None


def refused_people(school: School) -> dict[str, str]:
    """The school's people with a username who may not use the systems now, and why."""
    current = Person.objects.filter(school=school).current().values("pk")
    refused: dict[str, str] = {}
    for person in (Person.objects.filter(school=school).exclude(pk__in=current)
                   .exclude(username="").only("username", "is_active", "left_on",
                                              "access_expires_at")):
        refused[person.username] = refusal_reason(person) or ClientBinding.INACTIVE
    return refused


def aup_pending(school: School) -> list[str]:
    """Current people who have not accepted the current AUP for their audience (declined or
    not answered; pupils: not this school year), as the compliance page counts them."""
    pending: set[str] = set()
    for document in PolicyDocument.objects.filter(school=school).exclude(audience=""):
        version = status.current_aup(school, document.audience)
        if version is None:
            continue
        for row in status.compliance(version):
            if row.status != Acceptance.ACCEPTED:
                pending.add(row.person.username)
    return sorted(pending)


def read_json(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


@dataclass
class Helper:
    kind: str
    pid: int
    at: float
    policy_version: str
    bindings_version: int | None
    stopped: bool
    behind: bool

    @property
    def seconds_ago(self) -> int:
        return max(0, int(time.time() - self.at))


@dataclass
class NetworkStatus:
    """What the IT manager's page shows."""

    policy_version: str | None
    policy_published_at: datetime.datetime | None
    policy_age_seconds: int | None
    bindings_version: int | None
    bindings_written_at: datetime.datetime | None
    live_bindings: int
    limit_minutes: int
    helpers: list[Helper] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def helpers_behind(self) -> list[Helper]:
        return [h for h in self.helpers if h.behind and not h.stopped]

    @property
    def helpers_running(self) -> list[Helper]:
        return [h for h in self.helpers if not h.stopped]


def _moment(value: Any) -> datetime.datetime | None:
    if isinstance(value, (int, float)):
        return datetime.datetime.fromtimestamp(value, tz=datetime.UTC)
    if isinstance(value, str):
        try:
            moment = datetime.datetime.fromisoformat(value)
        except ValueError:
            return None
        return moment if timezone.is_aware(moment) else timezone.make_aware(moment)
    return None


def heartbeats(folder: Path, policy_version: str | None,
               now: float | None = None) -> list[Helper]:
    """The helpers' heartbeat files (written by the helpers themselves), newest first."""
    now = time.time() if now is None else now
    helpers = []
    for path in sorted((folder / "heartbeats").glob("*.json")):
        data = read_json(path)
        if data is None or not isinstance(data.get("at"), (int, float)):
            continue
        stopped = now - data["at"] > HEARTBEAT_STALE_SECONDS
        version = str(data.get("policy_version", ""))
        bindings = data.get("bindings_version")
        helpers.append(Helper(
            kind=str(data.get("kind", path.stem.split("-")[0]))[:20],
            pid=data["pid"] if isinstance(data.get("pid"), int) else 0, at=float(data["at"]),
            policy_version=version,
            bindings_version=bindings if isinstance(bindings, int) else None, stopped=stopped,
            behind=policy_version is not None and version != policy_version))
    return sorted(helpers, key=lambda h: -h.at)


def network_status(school: School, folder: Path,
                   now: datetime.datetime | None = None) -> NetworkStatus:
    """The snapshot's age, the helpers' heartbeats, who is behind, how many are signed in."""
    now = now or timezone.now()
    config = settings_for(school)
    policy = read_json(folder / "policy.json")
    bindings = read_json(folder / "bindings.json")
    published = _moment(policy.get("published_at")) if policy else None
    version = str(policy.get("version")) if policy and "version" in policy else None
    problems = []
    if policy is None:
        problems.append("The filter's policy has not been published yet (or cannot be read).")
    return NetworkStatus(
        policy_version=version, policy_published_at=published,
        policy_age_seconds=int((now - published).total_seconds()) if published else None,
        bindings_version=bindings.get("version") if bindings else None,
        bindings_written_at=_moment(bindings.get("written_at")) if bindings else None,
        live_bindings=live_bindings(school, now).count(),
        limit_minutes=config.snapshot_age_limit_minutes,
        helpers=heartbeats(folder, version, now.timestamp()), problems=problems)
