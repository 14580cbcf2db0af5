"""Reads for the consent pages, the lookup and the governors' pack; never writes."""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone

from esafety.consent.models import (
    AGREED,
    PURPOSE_LABELS,
    PURPOSES,
    Consent,
    PublishedItem,
    SchoolChannel,
)
from esafety.directory import roles
from esafety.directory.models import Person, School


def pupils(school: School):
    """The school's pupils on roll (leavers are not photographed any more)."""
    return Person.objects.current().filter(school=school, role=roles.PUPIL)


def current_consents(pupil_ids) -> dict[int, dict[str, Consent]]:
    """pupil id -> purpose -> the decision that stands (the latest); none: never asked."""
    found: dict[int, dict[str, Consent]] = {}
    for consent in Consent.objects.filter(pupil_id__in=list(pupil_ids)).select_related(
            "given_by", "recorded_by").order_by("pupil_id", "purpose", "-recorded_at", "-pk"):
        found.setdefault(consent.pupil_id, {}).setdefault(consent.purpose, consent)
    return found


def may_appear(standing: dict[str, Consent], purpose: str) -> bool:
    """Only a standing "agreed" allows it: no answer is no (002: written permission first)."""
    consent = standing.get(purpose)
    return consent is not None and consent.decision == AGREED


def history(pupil: Person):
    return Consent.objects.filter(pupil=pupil).select_related("given_by", "recorded_by")


@dataclass
class PupilRow:
    pupil: Person
    standing: dict[str, Consent]
    cells: list[tuple[str, str, Consent | None]] = field(default_factory=list)
    must_not: list[str] = field(default_factory=list)


def rows_for(people: list[Person]) -> list[PupilRow]:
    standing = current_consents(p.pk for p in people)
    rows = []
    for pupil in people:
        own = standing.get(pupil.pk, {})
        rows.append(PupilRow(
            pupil=pupil, standing=own,
            cells=[(code, label, own.get(code)) for code, label in PURPOSES],
            must_not=[label for code, label in PURPOSES if not may_appear(own, code)]))
    return rows


def forms_in(school: School) -> list[str]:
    return sorted(set(pupils(school).exclude(form="").values_list("form", flat=True)))


def year_groups_in(school: School) -> list[int]:
    return sorted(set(pupils(school).exclude(year_group__isnull=True)
                      .values_list("year_group", flat=True)))


_SPLIT = re.compile(r"[\n,;]+")


@dataclass
class Lookup:
    rows: list[PupilRow]
    not_found: list[str]
    purpose: str

    @property
    def must_not_appear(self) -> list[PupilRow]:
        return [row for row in self.rows if not may_appear(row.standing, self.purpose)]


def lookup(school: School, *, purpose: str, form: str = "", year_group: int | None = None,
           names: str = "") -> Lookup:
    """Who in a class or a year group, or in a pasted list of names, must not appear for
    `purpose`."""
    found: list[Person] = []
    not_found: list[str] = []
    everyone = pupils(school)
    if form:
        found = list(everyone.filter(form=form))
    if year_group is not None:
        found += list(everyone.filter(year_group=year_group))
    for raw in _SPLIT.split(names or "")[:500]:
        name = " ".join(raw.split())[:200]
        if not name:
            continue
        parts = name.split(" ")
        matches = everyone.filter(first_name__iexact=parts[0], last_name__iexact=parts[-1]) \
            if len(parts) > 1 else everyone.filter(Q(first_name__iexact=name)
                                                  | Q(last_name__iexact=name))
        matched = list(matches[:10])
        if matched:
            found.extend(matched)
        else:
            not_found.append(name)
    unique = list({p.pk: p for p in found}.values())
    unique.sort(key=lambda p: (p.last_name, p.first_name))
    return Lookup(rows=rows_for(unique), not_found=not_found, purpose=purpose)


@dataclass
class ItemRow:
    item: PublishedItem
    reasons: list[str]

    @property
    def flagged(self) -> bool:
        return bool(self.reasons) and self.item.removed_on is None


def published_items(school: School, today: datetime.date | None = None) -> list[ItemRow]:
    """Every published item, each with the reasons it must come down (003 §8.2: a pupil in
    it has left; or a consent for where it appeared is no longer "agreed")."""
    today = today or timezone.localdate()
    items = list(PublishedItem.objects.filter(school=school).select_related(
        "added_by", "removed_by").prefetch_related(
        Prefetch("pupils", queryset=Person.objects.order_by("last_name", "first_name"))))
    pupil_ids = {p.pk for item in items for p in item.pupils.all()}
    standing = current_consents(pupil_ids)
    rows = []
    for item in items:
        reasons = []
        for pupil in item.pupils.all():
            if pupil.left_on is not None and pupil.left_on <= today:
                reasons.append(f"{pupil.display_name} has left the school")
            elif not may_appear(standing.get(pupil.pk, {}), item.purpose):
                reasons.append(f"{pupil.display_name} has no consent for "
                               f"{PURPOSE_LABELS[item.purpose].lower()}")
        rows.append(ItemRow(item=item, reasons=reasons))
    return rows


def channels(school: School):
    return SchoolChannel.objects.filter(school=school).select_related("run_by", "approved_by")


def exceptions_summary(school: School) -> dict[str, int]:
    """Counts for the governors' pack: pupils on roll, those without a standing "agreed" for
    each purpose, published items waiting to come down, and channels without SLT approval."""
    on_roll = list(pupils(school).values_list("pk", flat=True))
    standing = current_consents(on_roll)
    summary: dict[str, int] = {"pupils": len(on_roll)}
    for code, _ in PURPOSES:
        summary[f"no_consent_{code}"] = sum(
            1 for pk in on_roll if not may_appear(standing.get(pk, {}), code))
    summary["items_to_remove"] = sum(1 for row in published_items(school) if row.flagged)
    open_channels = channels(school).filter(closed_on__isnull=True)
    summary["channels"] = open_channels.count()
    summary["channels_unapproved"] = open_channels.filter(approved_on__isnull=True).count()
    return summary
