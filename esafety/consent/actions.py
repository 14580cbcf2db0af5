"""The only code that changes consents, published items and the school's channels."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.consent import events, selectors
from esafety.consent.models import (
    AGREED,
    DECISION_LABELS,
    PURPOSE_LABELS,
    WITHDRAWN,
    Consent,
    PublishedItem,
    SchoolChannel,
)
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed

# From Year 7 pupils decide with their parents (002 "Use of digital and video images").
DECIDES_WITH_PARENT_FROM_YEAR = 7


def _require_pupil(school: School, pupil: Person) -> None:
    if pupil.school_id != school.pk:
        raise NotAllowed("that belongs to another school")
    if not pupil.is_pupil:
        raise InvalidInput(f"{pupil.display_name} is not a pupil", code="not-pupil")


def _check_date(day: datetime.date, what: str) -> None:
    today = timezone.localdate()
    if day > today:
        raise InvalidInput(f"the {what} cannot be in the future", code="future-date")
    if day < today - datetime.timedelta(days=365 * 20):
        raise InvalidInput(f"the {what} is too long ago", code="old-date")


def may_give_for(actor: Person, pupil: Person) -> bool:
    """A parent or carer for their own child; the office and leaders for any pupil."""
    if permissions.allowed(actor, "record_consents", pupil.school_id):
        return True
    return (permissions.allowed(actor, "give_own_child_consent", pupil.school_id)
            and actor.children.filter(pk=pupil.pk).exists())


def consent_record(*, actor: Person, pupil: Person, purpose: str, decision: str,
                   given_on: datetime.date | None = None, given_by: Person | None = None,
                   given_by_name: str = "", pupil_agreed: bool | None = None,
                   note: str = "") -> Consent:
    """A parent's (and, for older pupils, the pupil's) decision about one purpose. Staff
    record a paper form; a parent records their own. Never overwrites: history is kept."""
    school = pupil.school
    if school is None:
        raise InvalidInput("that pupil has no school")
    _require_pupil(school, pupil)
    if not may_give_for(actor, pupil):
        raise NotAllowed("you can change consents only for your own child")
    if purpose not in PURPOSE_LABELS:
        raise InvalidInput("choose what the consent is for", code="unknown-purpose")
    if decision not in DECISION_LABELS:
        raise InvalidInput("choose agree or do not agree", code="unknown-decision")
    given_on = given_on or timezone.localdate()
    _check_date(given_on, "date given")
    if actor.is_parent:
        given_by, given_by_name = actor, ""
    elif given_by is not None:
        if given_by.school_id != school.pk or not given_by.children.filter(pk=pupil.pk).exists():
            raise InvalidInput(f"{given_by.display_name} is not a parent or carer of "
                               f"{pupil.display_name}", code="not-parent")
    given_by_name = " ".join((given_by_name or "").split())[:200]
    if given_by is None and not given_by_name:
        raise InvalidInput("say which parent or carer gave it", code="missing-giver")
    if (pupil.year_group or 0) < DECIDES_WITH_PARENT_FROM_YEAR:
        pupil_agreed = None
    with transaction.atomic():
        Person.objects.select_for_update().filter(pk=pupil.pk).first()
        standing = selectors.current_consents([pupil.pk]).get(pupil.pk, {}).get(purpose)
        if decision == WITHDRAWN and (standing is None or standing.decision != AGREED):
            raise Conflict("there is no consent to withdraw")
        consent = Consent.objects.create(
            school=school, pupil=pupil, purpose=purpose, decision=decision, given_on=given_on,
            given_by=given_by, given_by_name=given_by_name if given_by is None else "",
            pupil_agreed=pupil_agreed, recorded_by=actor, recorded_at=timezone.now(),
            note=(note or "")[:500])
        if decision == WITHDRAWN:
            events.consent_withdrawn(actor=actor, consent=consent)
        else:
            events.consent_recorded(actor=actor, consent=consent)
    return consent


def consents_view(*, actor: Person, pupil: Person) -> None:
    """Someone opened a pupil's consents: who looked at a child's record is recorded."""
    events.consents_viewed(actor=actor, pupil=pupil)


def lookup_record(*, actor: Person, school: School, purpose: str, form: str, names: int,
                  found: int) -> None:
    permissions.require(actor, "view_consents", school, what="look up consents")
    events.consent_lookup_made(actor=actor, school=school, purpose=purpose, form=form[:40],
                               names=names, found=found)


def export_record(*, actor: Person, school: School, rows: int,
                  register: str = "Consents") -> None:
    permissions.require(actor, "export_consents", school, what="download consents")
    events.consents_exported(actor=actor, school=school, rows=rows, register=register)


def published_item_add(*, actor: Person, school: School, title: str, purpose: str,
                       where: str, published_on: datetime.date,
                       pupils: list[Person]) -> PublishedItem:
    """What was published, where, and which pupils are in it (003 §8.2)."""
    permissions.require(actor, "record_published_items", school,
                        what="record published items")
    title = " ".join((title or "").split())[:200]
    if not title:
        raise InvalidInput("say what was published", code="missing-title")
    if purpose not in PURPOSE_LABELS:
        raise InvalidInput("choose where it was published", code="unknown-purpose")
    _check_date(published_on, "date published")
    for pupil in pupils:
        _require_pupil(school, pupil)
    with transaction.atomic():
        item = PublishedItem.objects.create(
            school=school, title=title, purpose=purpose, where=(where or "")[:300],
            published_on=published_on, added_by=actor, added_at=timezone.now())
        item.pupils.set(pupils)
        events.published_item_added(actor=actor, item=item)
    return item


def published_item_remove(*, actor: Person, item: PublishedItem, note: str = "") -> PublishedItem:
    """Taken down (a leaver, a withdrawn consent, or no longer wanted)."""
    permissions.require(actor, "record_published_items", item.school_id,
                        what="record a removal")
    with transaction.atomic():
        item = PublishedItem.objects.select_for_update().get(pk=item.pk)
        if item.removed_on is not None:
            raise Conflict("that item is already recorded as removed")
        item.removed_on = timezone.localdate()
        item.removed_by = actor
        item.removal_note = (note or "")[:500]
        item.save(update_fields=["removed_on", "removed_by", "removal_note"])
        events.published_item_removed(actor=actor, item=item)
    return item


CHANNEL_FIELDS = ["name", "platform", "address", "run_by", "note", "closed_on"]


def channel_save(*, actor: Person, school: School, channel: SchoolChannel | None = None,
                 name: str, platform: str, address: str = "", run_by: Person | None = None,
                 note: str = "", closed_on: datetime.date | None = None) -> SchoolChannel:
    """Add or change one of the school's own accounts or sites. A change of who runs it or
    where it is asks for SLT approval again (003 §6.8)."""
    permissions.require(actor, "manage_school_channels", school,
                        what="change the school's social media accounts")
    name = " ".join((name or "").split())[:200]
    platform = " ".join((platform or "").split())[:100]
    if not name or not platform:
        raise InvalidInput("give the account's name and where it is (the platform)",
                           code="missing-name")
    if run_by is not None and (run_by.school_id != school.pk or not run_by.is_staff_member):
        raise InvalidInput("the account must be run by a member of staff", code="not-staff")
    if closed_on is not None:
        _check_date(closed_on, "date closed")
    with transaction.atomic():
        before = None
        if channel is None:
            channel = SchoolChannel(school=school, added_at=timezone.now())
        else:
            channel = SchoolChannel.objects.select_for_update().get(pk=channel.pk, school=school)
            before = snapshot(channel, CHANNEL_FIELDS)
        changed_hands = channel.pk is not None and (
            channel.run_by_id != (run_by.pk if run_by else None)
            or channel.address != address[:300])
        channel.name, channel.platform, channel.address = name, platform, (address or "")[:300]
        channel.run_by, channel.note, channel.closed_on = run_by, (note or "")[:500], closed_on
        if changed_hands:
            channel.approved_by, channel.approved_on = None, None
        channel.save()
        events.school_channel_saved(actor=actor, channel=channel, before=before,
                                    after=snapshot(channel, CHANNEL_FIELDS + ["approved_on"]))
    return channel


def channel_approve(*, actor: Person, channel: SchoolChannel) -> SchoolChannel:
    """SLT approval of an account or site (003 §6.8: set up only with SLT approval)."""
    permissions.require(actor, "approve_school_channels", channel.school_id,
                        what="approve the school's social media accounts")
    with transaction.atomic():
        channel = SchoolChannel.objects.select_for_update().get(pk=channel.pk)
        if channel.approved_on is not None:
            raise Conflict("that account is already approved")
        if channel.run_by_id is None:
            raise InvalidInput("name who runs it before approving it", code="no-runner")
        channel.approved_by, channel.approved_on = actor, timezone.localdate()
        channel.save(update_fields=["approved_by", "approved_on"])
        events.school_channel_approved(actor=actor, channel=channel)
    return channel


