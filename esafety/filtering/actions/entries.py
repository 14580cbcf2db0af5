"""The school's own allow, block and approved-site lists."""

from __future__ import annotations

from django.db import transaction

from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput
from esafety.filtering import events
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.models import SchoolEntry
from esafety.filtering.sites import clean_host


def school_entry_add(*, actor: Person | None, school: School, kind: str, site: str,
                     note: str = "") -> SchoolEntry:
    """The school's own allow, block or approved-site entry."""
    require(actor, "manage_filtering", "change the school's own lists", school)
    if kind not in dict(SchoolEntry.KINDS):
        raise InvalidInput(f"unknown list {kind!r}", code="kind-unknown")
    host = clean_host(site)
    with transaction.atomic():
        if SchoolEntry.objects.filter(school=school, kind=kind, host=host).exists():
            raise Conflict(f"{host} is already on that list", code="entry-exists")
        entry = SchoolEntry.objects.create(school=school, kind=kind, host=host, note=note[:300],
                                           added_by=actor if getattr(actor, "pk", None) else None)
        events.entry_added(actor=actor, school=school, entry=entry)
        publish_policy_after_commit(school)
    return entry


def school_entry_remove(*, actor: Person | None, entry: SchoolEntry) -> None:
    require(actor, "manage_filtering", "change the school's own lists", entry.school)
    with transaction.atomic():
        events.entry_removed(actor=actor, school=entry.school, entry=entry)
        school = entry.school
        entry.delete()
        publish_policy_after_commit(school)
