"""Every change to the directory is one of these named actions, audited in its transaction."""

import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.directory import events, permissions, roles
from esafety.directory.access import check_actor
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.network import actions as network

PERSON_FIELDS = ["username", "first_name", "last_name", "email", "role", "external_id",
                 "year_group", "form", "date_of_birth", "access_expires_at", "left_on", "is_active"]


def person_snapshot(person: Person) -> dict:
    data = snapshot(person, PERSON_FIELDS)
    if person.pk and person.role == roles.PARENT:
        data["children"] = sorted(c.external_id or c.username for c in person.children.all())
    return data


def person_view(*, actor: Person, person: Person) -> None:
    """Someone opened a person's record. Records about children are need-to-know: who
    looked at a pupil's is itself recorded."""
    if person.is_pupil:
        events.person_viewed(actor=actor, person=person)


def person_leave(*, actor: Person, person: Person, left_on: datetime.date | None = None) -> Person:
    """003 §5.9: a leaver's access ends the moment they are recorded as leaving.

    A date in the future schedules it: the sign-in backend refuses them from that day.
    """
    check_actor(actor, school_id=person.school_id)
    today = timezone.localdate()
    left_on = left_on or today
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if actor is not None and actor.pk != person.pk:
            # Recording the head or the DSL as a leaver locks them out: only those who
            # could give their role may do it: nobody climbs above their own role.
            permissions.require_manage(actor, person, what="record them as a leaver")
            permissions.require_not_under_allegation(actor, person,
                                                     what="record them as a leaver")
        if person.left_on and person.left_on <= today and not person.is_active:
            raise Conflict(f"{person.display_name} has already left")
        before = person_snapshot(person)
        person.left_on = left_on
        if left_on <= today:
            person.is_active = False
        person.save(update_fields=["left_on", "is_active"])
        events.person_left(actor=actor, person=person, before=before,
                           after=person_snapshot(person))
        network.people_changed(school=person.school)
    return person


def person_reinstate(*, actor: Person, person: Person) -> Person:
    """Undo a leaver recorded in error (or a returner): access comes back."""
    check_actor(actor, school_id=person.school_id)
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        permissions.require_manage(actor, person, what="restore their access")
        before = person_snapshot(person)
        person.left_on = None
        person.is_active = True
        person.save(update_fields=["left_on", "is_active"])
        events.person_reinstated(actor=actor, person=person, before=before,
                                 after=person_snapshot(person))
        network.people_changed(school=person.school)
    return person


def guest_add(*, actor: Person, school: School, role: str, first_name: str, last_name: str, email: str = "",
              expires_at: datetime.datetime, username: str | None = None,
              password: str | None = None) -> Person:
    """A supply teacher, trainee or visitor, whose access ends by itself at `expires_at`."""
    if role not in roles.GUEST_ROLES:
        raise InvalidInput(f"{role!r} is not a guest role")
    if expires_at <= timezone.now():
        raise InvalidInput("the end of access must be in the future")
    check_actor(actor, school_id=school.id)
    if not permissions.may_grant(actor, role):
        raise NotAllowed(f"your role cannot give the role {roles.ROLE_LABELS[role]}")
    with transaction.atomic():
        person = Person(school=school, role=role, first_name=first_name, last_name=last_name,
                        email=email, access_expires_at=expires_at,
                        username=username or unique_username(first_name, last_name))
        if password:
            person.set_password(password)
        else:
            person.set_unusable_password()
        person.save()
        events.guest_added(actor=actor, guest=person, after=person_snapshot(person))
        network.people_changed(school=school)
    return person


def guest_extend(*, actor: Person, person: Person, expires_at: datetime.datetime) -> Person:
    check_actor(actor, school_id=person.school_id)
    if not person.is_guest:
        raise InvalidInput("only guests have an end of access")
    permissions.require_manage(actor, person, what="change their access")
    with transaction.atomic():
        before = person_snapshot(person)
        person.access_expires_at = expires_at
        person.save(update_fields=["access_expires_at"])
        events.guest_access_changed(actor=actor, guest=person, before=before,
                                    after=person_snapshot(person))
        network.people_changed(school=person.school)
    return person


def person_role_change(*, actor: Person | None, person: Person, role: str,
                       access_expires_at: datetime.datetime | None = None) -> Person:
    """Give a member of staff, governor or guest another role.

    The grant table (`permissions.GRANTS`) decides: nobody gives a role above their own,
    nobody changes their own, and the senior and safeguarding roles are given and taken
    away only by the headteacher or the operator. Someone with an open allegation about
    them cannot change the headteacher's or the chair of governors' role.
    """
    check_actor(actor, school_id=person.school_id)
    if role not in roles.STAFF_FILE_ROLES:
        raise InvalidInput(f"{role!r} is not a role for staff, governors or guests")
    if person.role not in roles.STAFF_FILE_ROLES:
        raise InvalidInput("pupils and parents keep their role (they come from their own files)")
    with transaction.atomic():
        person = Person.objects.select_for_update().get(pk=person.pk)
        if person.role == role:
            raise Conflict(f"{person.display_name} is already {roles.ROLE_LABELS[role].lower()}")
        permissions.require_role_change(actor, person, role)
        if role in roles.GUEST_ROLES:
            expires = access_expires_at or person.access_expires_at
            if expires is None or expires <= timezone.now():
                raise InvalidInput("a supply teacher, trainee or visitor needs an end of access "
                                   "in the future")
        else:
            expires = None  # staff and governors have no end of access
        before = person_snapshot(person)
        old_role = person.role
        person.role = role
        person.access_expires_at = expires
        person.save(update_fields=["role", "role_kind", "access_expires_at"])
        events.role_changed(actor=actor, person=person, old_role=old_role, before=before,
                            after=person_snapshot(person))
        network.people_changed(school=person.school)
    return person


def unique_username(first_name: str, last_name: str, taken: set[str] | None = None) -> str:
    """firstname.lastname, made safe and unique (a number is added if needed)."""
    import re
    import unicodedata

    def clean(text):
        text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        return re.sub(r"[^a-z0-9]+", "", text.lower())

    base = ".".join(part for part in (clean(first_name), clean(last_name)) if part) or "user"
    base = base[:140]
    candidate, n = base, 1
    while (taken is not None and candidate in taken) or Person.objects.filter(username=candidate).exists():
        n += 1
        candidate = f"{base}{n}"
    if taken is not None:
        taken.add(candidate)
    return candidate


SCHOOL_FIELDS = ["name", "year_start_month", "year_start_day", "email_domains"]


def school_update(*, actor: Person, school: School, **changes: Any) -> School:
    """Change the school's own settings (its name, when its year starts, its mail domains)."""
    permissions.require(actor, "change_school_settings", school, what="change the school's settings")
    unknown = set(changes) - set(SCHOOL_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(sorted(unknown))}")
    month = changes.get("year_start_month", school.year_start_month)
    day = changes.get("year_start_day", school.year_start_day)
    try:
        datetime.date(2024, month, day)  # a leap year, so 29 February is allowed
    except (TypeError, ValueError):
        raise InvalidInput("the school year must start on a real day of the year") from None
    with transaction.atomic():
        school = School.objects.select_for_update().get(pk=school.pk)
        before = snapshot(school, SCHOOL_FIELDS)
        for name, value in changes.items():
            setattr(school, name, value)
        school.save()
        events.school_settings_changed(actor=actor, school=school, before=before,
                                       after=snapshot(school, SCHOOL_FIELDS))
    return school
