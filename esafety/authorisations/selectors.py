"""Reads about authorisations; never writes.

Other apps ask the two questions here before someone reads another person's mail:
`mailbox_access_authorised` (proxy access, 000 §1, 003 §5.9) and `investigation_authorised`
(003 §2.7: "any investigation other than day-to-day monitoring requires the authority of the
Principal or his/her nominee"). Each gives the authorisation in force, or None.
"""

from __future__ import annotations

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from esafety.authorisations.models import (
    ACCOUNT,
    APPROVED,
    INVESTIGATION,
    MAILBOX,
    PENDING,
    Authorisation,
    AuthorisationSettings,
)
from esafety.directory import permissions
from esafety.directory.models import Person, School


def _in_force(school: School, kind: str, subject: Person | None, reader: Person | None,
              at: datetime.datetime | None) -> Authorisation | None:
    if school is None or subject is None or reader is None:
        return None
    if getattr(subject, "pk", None) is None or getattr(reader, "pk", None) is None:
        return None
    at = at or timezone.now()
    return (Authorisation.objects
            .filter(school=school, kind=kind, subject_id=subject.pk, reader_id=reader.pk,
                    status=APPROVED, decided_at__lte=at, expires_at__gt=at)
            .order_by("-expires_at", "-pk").first())


def investigation_authorised(school: School, subject_person: Person | None,
                             reader_person: Person | None,
                             at: datetime.datetime | None = None) -> Authorisation | None:
    """The approved, unexpired authorisation for an investigation beyond day-to-day
    monitoring (003 §2.7) about `subject_person` that names `reader_person` as its reader,
    in force at `at` (default now); None if there is none."""
    return _in_force(school, INVESTIGATION, subject_person, reader_person, at)


def investigation_about_sender(school: School, sender: str, reader_person: Person | None,
                               at: datetime.datetime | None = None) -> Authorisation | None:
    """investigation_authorised about whoever at `school` has the address `sender` (the
    sender of a message marked private); None for an address nobody there has."""
    if reader_person is None or not sender:
        return None
    subject = Person.objects.filter(school=school, email__iexact=sender).first()
    return investigation_authorised(school, subject, reader_person, at)


def mailbox_access_authorised(school: School, mailbox_owner: Person | None,
                              person: Person | None,
                              at: datetime.datetime | None = None) -> Authorisation | None:
    """The approved, unexpired authorisation for `person` to open `mailbox_owner`'s mailbox
    (000 §1, 003 §5.9), in force at `at` (default now); None if there is none."""
    return _in_force(school, MAILBOX, mailbox_owner, person, at)


def account_access_authorised(school: School, account_owner: Person | None,
                              person: Person | None,
                              at: datetime.datetime | None = None) -> Authorisation | None:
    """The approved, unexpired authorisation for `person` to open `account_owner`'s account
    or files (000 §1), in force at `at` (default now); None if there is none."""
    return _in_force(school, ACCOUNT, account_owner, person, at)


def nominee(school: School) -> Person | None:
    found = AuthorisationSettings.objects.filter(school=school).select_related("nominee").first()
    return found.nominee if found else None


def deciders(school: School) -> list[Person]:
    """Who decides requests: the headteacher(s) and the school's nominee, while current."""
    people = list(Person.objects.current().filter(
        school=school, role__in=permissions.roles_with("approve_access")))
    named = nominee(school)
    if named is not None and named.can_use_systems() and named not in people:
        people.append(named)
    return people


def is_decider(person: Person, school: School) -> bool:
    if permissions.is_operator(person):
        return True
    if person.school_id != school.pk:
        return False
    if permissions.allowed(person, "approve_access", school):
        return True
    named = nominee(school)
    return named is not None and named.pk == person.pk


def visible_to(person: Person, school: School) -> QuerySet[Authorisation]:
    """The authorisations `person` may see: a decider sees all but those about themselves
    while open; everyone else the ones they asked for or are named to read. The subject
    never sees a request while it is open (need-to-know)."""
    base = Authorisation.objects.filter(school=school).select_related(
        "subject", "reader", "requested_by", "decided_by", "ended_by")
    if person.school_id != school.pk and not permissions.is_operator(person):
        return base.none()
    if is_decider(person, school):
        found = base
    else:
        found = base.filter(Q(requested_by=person) | Q(reader=person))
    return found.exclude(subject_id=person.pk, status=PENDING)


def waiting_for(person: Person, school: School) -> QuerySet[Authorisation]:
    """Requests waiting for `person` to decide: never their own, never about them."""
    if not is_decider(person, school):
        return Authorisation.objects.none()
    return (visible_to(person, school).filter(status=PENDING)
            .exclude(requested_by=person).exclude(subject=person))
