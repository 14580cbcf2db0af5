"""Telling staff that something the school published must come down (003 §8.2: material is
removed once the pupils in it leave; a withdrawn consent is an opt-out, §8.4)."""

from __future__ import annotations

from django.urls import reverse

from esafety.consent import selectors
from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.notices import kinds
from esafety.notices import notifications as notices


def takedowns_due(school_pk: int) -> int:
    """Each published item flagged to take down is passed to whoever recorded it (or, if they
    have gone, to those who record consents), once for each new reason. How many were told."""
    from esafety.directory.models import School

    school = School.objects.get(pk=school_pk)
    keepers = list(Person.objects.current().filter(
        school=school, role__in=permissions.roles_with("record_consents")))
    count = 0
    for row in selectors.published_items(school):
        if not row.flagged:
            continue
        item = row.item
        adder = item.added_by
        people = [adder] if adder is not None and adder.can_use_systems() else keepers
        told = notices.tell(
            people, kind=kinds.TAKE_DOWN, school=school,
            title=f"Please take down “{item.title}”",
            lines=[f"At {school}: {item.get_purpose_display().lower()}, published "
                   f"{item.published_on:%d %B %Y}, must come down: "
                   f"{len(row.reasons)} pupil{'s' if len(row.reasons) != 1 else ''} in it "
                   f"may no longer appear. Record it as taken down on the published items "
                   f"page when it is done."],
            path=reverse("consent:items"), about=("publisheditem", item.pk),
            key=f"takedown:{item.pk}:{len(row.reasons)}")
        count += len(told.notices)
    return count
