"""The record types the retention schedule covers, each registered by the app that owns it.

An app registers a type once (in its AppConfig.ready(), or at import of a module ready()
imports) with its legal minimum, its default, and two functions: how many records of a school
are older than a cutoff, and how to purge them. The retention app asks nothing else of it:

    from esafety.retention.registry import RecordType, register

    register(RecordType(
        name="held_mail", label="Held mail", minimum_days=30, default_days=90,
        minimum_basis="...why no shorter...", purpose="...why it is kept...",
        seen_by="view_held_mail", count=count_held, purge=purge_held))

An app that keeps its period in its own settings passes `get_days(school)` and
`set_days(school, days)` too. `count(school, cutoff)` returns an int and never writes; `purge(school, cutoff, actor)`
removes (or seals) what `count` counted, inside the caller's transaction, and returns how many
records went. Both take the cutoff as an aware datetime: records from before it go.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from esafety.directory.models import Person, School

Count = Callable[["School", datetime.datetime], int]
Purge = Callable[["School", datetime.datetime, "Person | None"], int]

YEAR = 365


@dataclass(frozen=True)
class RecordType:
    name: str  # a stable key (stored in settings and audit rows): never rename one
    label: str  # in the school's words: "Safeguarding concerns"
    minimum_days: int  # the school may not choose less (minimum_basis says why)
    default_days: int
    minimum_basis: str  # the law or guidance behind the minimum, in plain words
    purpose: str  # why esafety holds it (for the DPIA and the notices)
    seen_by: str  # the capability in the permission table that reads it
    count: Count
    purge: Purge
    counted_from: str = "when it was recorded"  # what the age is measured from
    order: int = 100
    # For an app that keeps its period in its own settings (read by its own job): how to
    # read and change it there, so the schedule and the app never disagree.
    get_days: Callable[[School], int] | None = None
    set_days: Callable[[School, int], None] | None = None

    def __post_init__(self):
        if self.minimum_days < 1 or self.default_days < self.minimum_days:
            raise ValueError(f"{self.name}: the default must be at least the minimum")


_TYPES: dict[str, RecordType] = {}


def register(record_type: RecordType) -> RecordType:
    """Add a record type (registering the same name again replaces it: reloads in tests)."""
    _TYPES[record_type.name] = record_type
    return record_type


def types() -> list[RecordType]:
    return sorted(_TYPES.values(), key=lambda t: (t.order, t.label))


def get(name: str) -> RecordType:
    return _TYPES[name]


def known(name: str) -> bool:
    return name in _TYPES


def days_text(days: int) -> str:
    """A period as a school would say it: "7 years", "90 days"."""
    if days % YEAR == 0:
        years = days // YEAR
        return f"{years} year{'s' if years != 1 else ''}"
    return f"{days} day{'s' if days != 1 else ''}"
