"""Reads for the retention pages, the DPIA description and the notices; never writes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from esafety.directory import permissions, roles
from esafety.retention import registry
from esafety.retention.models import PurgeRun

if TYPE_CHECKING:
    from esafety.directory.models import School


@dataclass
class ScheduleRow:
    record_type: registry.RecordType
    days: int
    is_default: bool

    @property
    def period(self) -> str:
        return registry.days_text(self.days)

    @property
    def minimum(self) -> str:
        return registry.days_text(self.record_type.minimum_days)

    @property
    def default(self) -> str:
        return registry.days_text(self.record_type.default_days)

    @property
    def seen_by(self) -> list[str]:
        return role_labels(self.record_type.seen_by)


def role_labels(capability: str) -> list[str]:
    """Who may read records behind a capability, in words, from the permission table."""
    try:
        found = permissions.roles_with(capability)
    except KeyError:
        return []
    return sorted(str(roles.ROLE_LABELS.get(role, role.replace("_", " "))) for role in found)


def schedule(school: School) -> list[ScheduleRow]:
    from esafety.retention.actions import days_for

    return [ScheduleRow(kind, days_for(school, kind), days_for(school, kind) ==
                        kind.default_days) for kind in registry.types()]


def runs(school: School, limit: int = 10) -> list[PurgeRun]:
    return list(PurgeRun.objects.filter(school=school)
                .select_related("prepared_by", "confirmed_by")[:limit])


def waiting_run(school: School) -> PurgeRun | None:
    return PurgeRun.objects.filter(school=school, state=PurgeRun.PREPARED).first()
