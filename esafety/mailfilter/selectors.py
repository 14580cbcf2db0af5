"""Reads for the held-mail pages; never writes."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.mailfilter.access import may_authorise_private_mail
from esafety.mailfilter.models import FilteredMessage, GroupApproval, HeldMessage

SHOWN = 100  # addresses listed on a page in each group; the audit trail keeps them all


def held_for(school: School, *, waiting_only: bool = True, limit: int = 200) -> QuerySet:
    rows = HeldMessage.objects.filter(school=school).select_related("decided_by")
    if waiting_only:
        rows = rows.filter(status=HeldMessage.HELD)
    return rows.order_by("-held_at")[:limit]


def waiting_count(school: School) -> int:
    return HeldMessage.objects.filter(school=school, status=HeldMessage.HELD).count()


def private_waiting(school: School) -> QuerySet[HeldMessage]:
    """Private held messages nobody may read until the headteacher or their nominee records
    why (003 §2.6, §2.7): still held, their content still kept, not yet authorised. Oldest
    first: the longest wait is the most pressing."""
    return HeldMessage.objects.filter(
        school=school, private=True, authorised_at__isnull=True, status=HeldMessage.HELD,
        content_removed_at__isnull=True).order_by("held_at", "pk")


def private_authorisers(school: School) -> list[Person]:
    """Who may authorise reading private held mail at `school`, while they may use the
    systems: the headteacher(s) and the nominee (access.may_authorise_private_mail)."""
    from esafety.authorisations.selectors import deciders

    people = list(Person.objects.current().filter(
        school=school, role__in=permissions.roles_with("authorise_private_mail")))
    people += [p for p in deciders(school) if p not in people]
    return [p for p in people if may_authorise_private_mail(p, school)]


@dataclass
class PrivateWaiting:
    """What someone who may authorise is shown of one private held message while it waits:
    who sent it, to how many, when and why it was held. Never its subject or what it says:
    deciding whether to read it is what they are asked to do."""

    pk: int
    sender: str
    recipient_count: int
    held_at: datetime.datetime
    why: str

    @property
    def url(self) -> str:
        return reverse("mailfilter:held_authorise", args=[self.pk])


def why_held(held: HeldMessage) -> str:
    """Why the filter held it, in plain words: the titles of the rules it found (not their
    evidence, which quotes the message)."""
    return "; ".join(held.rule_titles) or "a rule of the school's mail filter"


def private_waiting_for(person: Person, school: School, *,
                        limit: int = 50) -> tuple[int, list[PrivateWaiting]]:
    """How many private held messages wait for `person` to authorise reading them, and the
    first `limit` of them; (0, []) for anyone who may not authorise."""
    if person.school_id != school.pk or not may_authorise_private_mail(person, school):
        return 0, []
    rows = private_waiting(school)
    shown = [PrivateWaiting(pk=h.pk, sender=h.sender,
                            recipient_count=h.recipient_count or len(h.recipients),
                            held_at=h.held_at, why=why_held(h)) for h in rows[:limit]]
    count = len(shown) if len(shown) < limit else rows.count()
    return count, shown


def group_approvals_for(school: School) -> QuerySet:
    return GroupApproval.objects.filter(school=school).select_related("added_by")


def filtered_for(school: School, *, limit: int = 100) -> QuerySet:
    """Messages returned or refused, newest first."""
    return FilteredMessage.objects.filter(school=school).order_by("-at")[:limit]


@dataclass
class Deliveries:
    """What the releases of one held message did, from their audit rows (each release's row
    has the mail server's answer for every recipient it tried)."""

    attempts: list[dict] = field(default_factory=list)  # oldest first
    delivered: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)  # refused for good
    waiting: dict[str, str] = field(default_factory=dict)  # not delivered yet: still held

    @property
    def nobody_left(self) -> bool:
        """Tried, yet nobody has it and nobody waits for it: every recipient refused it for
        good (it stays held, to return or delete)."""
        return bool(self.attempts) and not self.delivered and not self.waiting

    def shown(self, group: str) -> list[tuple[str, str]]:
        found = getattr(self, group)
        items = [(a, "") for a in found] if isinstance(found, list) else list(found.items())
        return items[:SHOWN]

    @property
    def delivered_shown(self) -> list[tuple[str, str]]:
        return self.shown("delivered")

    @property
    def refused_shown(self) -> list[tuple[str, str]]:
        return self.shown("refused")

    @property
    def waiting_shown(self) -> list[tuple[str, str]]:
        return self.shown("waiting")


def _releases(school: School, pks: list[int]) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(school=school, object_type="heldmessage",
                                     object_id__in=[str(pk) for pk in pks],
                                     event_type="held_message_released").order_by("at", "id")


def deliveries_for(held: HeldMessage) -> Deliveries:
    """Every release of `held`: who has it, who refused it for good, and (while it is still
    held) who is still waiting for it."""
    out = Deliveries()
    for event in _releases(held.school, [held.pk]):
        delivery = (event.details or {}).get("delivery")
        if not isinstance(delivery, dict):
            continue  # a release recorded before each recipient's answer was kept
        out.attempts.append({"at": event.at, "by": event.actor_label,
                             "delivered": len(delivery.get("delivered", [])),
                             "not_delivered_yet": len(delivery.get("not_delivered_yet", {})),
                             "refused_for_good": len(delivery.get("refused_for_good", {}))})
        out.delivered += [a for a in delivery.get("delivered", []) if a not in out.delivered]
        out.refused.update(delivery.get("refused_for_good", {}))
        # Each release tries everyone still waiting, so the last one says who still is.
        out.waiting = dict(delivery.get("not_delivered_yet", {}))
    if not held.is_waiting:
        out.waiting = {}
    return out


def with_deliveries(rows: list[HeldMessage]) -> list[tuple[HeldMessage, int]]:
    """The held list's rows, each with how many recipients a release could not reach yet
    while it is still held for them (one query for the page)."""
    waiting = [row for row in rows if row.is_waiting]
    last: dict[str, int] = {}
    if waiting:
        for event in _releases(waiting[0].school, [row.pk for row in waiting]):
            delivery = (event.details or {}).get("delivery")
            if isinstance(delivery, dict):
                last[event.object_id] = len(delivery.get("not_delivered_yet", {}))
    return [(row, last.get(str(row.pk), 0) if row.is_waiting else 0) for row in rows]
