"""The only code that changes notices: reading, acknowledging, preferences, contacts."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput, NotAllowed
from esafety.notices import events
from esafety.notices.models import Notice, Preference, UrgentContacts


def _own(actor: Person, notice: Notice) -> Notice:
    if notice.recipient_id != actor.pk:
        raise NotAllowed("that notice is not yours")
    return notice


def notice_mark_read(*, actor: Person, notice: Notice) -> Notice:
    with transaction.atomic():
        notice = _own(actor, Notice.objects.select_for_update().get(pk=notice.pk))
        if notice.read_at is None:
            notice.read_at = timezone.now()
            notice.save(update_fields=["read_at"])
    return notice


def notice_mark_all_read(*, actor: Person) -> int:
    return Notice.objects.filter(recipient=actor, read_at__isnull=True).update(
        read_at=timezone.now())


def notice_acknowledge(*, actor: Person, notice: Notice) -> Notice:
    """"I have seen this": for urgent notices, so the school knows who has it in hand."""
    with transaction.atomic():
        notice = _own(actor, Notice.objects.select_for_update().get(pk=notice.pk))
        if not notice.urgent:
            raise InvalidInput("only urgent notices are acknowledged", code="not-urgent")
        if notice.acknowledged_at is None:
            notice.acknowledged_at = timezone.now()
            notice.read_at = notice.read_at or notice.acknowledged_at
            notice.save(update_fields=["acknowledged_at", "read_at"])
            events.notice_acknowledged(actor=actor, notice=notice)
    return notice


def preferences_update(*, actor: Person, email_routine: bool) -> Preference:
    with transaction.atomic():
        pref, _ = Preference.objects.select_for_update().get_or_create(person=actor)
        if pref.email_routine != email_routine:
            pref.email_routine = email_routine
            pref.updated_at = timezone.now()
            pref.save(update_fields=["email_routine", "updated_at"])
            events.notice_preferences_changed(actor=actor, email_routine=email_routine)
    return pref


def urgent_contacts_set(*, actor: Person, school: School, people: list[Person]) -> UrgentContacts:
    """The deputies and out-of-hours contacts told of every urgent concern: current staff of
    this school only."""
    permissions.require(actor, "manage_urgent_contacts", school,
                        what="choose who is told of urgent concerns")
    for person in people:
        if person.school_id != school.pk or not person.is_staff_member \
                or not person.can_use_systems():
            raise InvalidInput(f"{person.display_name} is not current staff at {school}",
                               code="not-staff")
    with transaction.atomic():
        contacts, _ = UrgentContacts.objects.select_for_update().get_or_create(school=school)
        before = sorted(p.display_name for p in contacts.people.all())
        contacts.people.set(people)
        contacts.updated_at = timezone.now()
        contacts.save(update_fields=["updated_at"])
        after = sorted(p.display_name for p in people)
        if before != after:
            events.urgent_contacts_changed(actor=actor, school=school, before=before,
                                           after=after)
    return contacts
