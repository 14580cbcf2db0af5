"""The only code that changes authorisations: ask, decide, withdraw, use, end early, expire,
and the school's nominee. Nobody decides their own request or one about themselves."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.authorisations import events, notifications, selectors
from esafety.authorisations.models import (
    APPROVED,
    EXPIRED,
    KIND_CHOICES,
    MAX_DAYS,
    PENDING,
    REFUSED,
    REVOKED,
    WITHDRAWN,
    Authorisation,
    AuthorisationSettings,
    AuthorisationUse,
)
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed


def _same_school(school: School, *people: Person) -> None:
    for person in people:
        if person.school_id != school.pk:
            raise InvalidInput(f"{person.display_name} is not at {school}", code="other-school")


def access_request(*, actor: Person, school: School, kind: str, subject: Person,
                   reader: Person | None = None, reason: str, days: int) -> Authorisation:
    """Ask for access: whose, why, for how long, and who would read it (default the asker)."""
    permissions.require(actor, "request_access", school, what="ask for access to someone's mail")
    reader = reader or actor
    if kind not in dict(KIND_CHOICES):
        raise InvalidInput("choose what the access is for", code="bad-kind")
    _same_school(school, subject, reader)
    reason = (reason or "").strip()
    if len(reason) < 10:
        raise InvalidInput("say why the access is needed (a sentence at least)", code="no-reason")
    if not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"the access lasts between 1 and {MAX_DAYS} days", code="bad-days")
    if subject.pk == reader.pk:
        raise InvalidInput("nobody needs permission to read their own mail", code="own-mail")
    if not [p for p in selectors.deciders(school)
            if p.pk not in (actor.pk, subject.pk, reader.pk)]:
        raise InvalidInput("nobody can decide this request: the headteacher cannot decide one "
                           "they made or one about themselves, and no nominee is named. Ask "
                           "the headteacher to name a nominee, or the chair of governors",
                           code="no-decider")
    with transaction.atomic():
        auth = Authorisation.objects.create(
            school=school, kind=kind, subject=subject, reader=reader, reason=reason, days=days,
            requested_by=actor)
        events.access_requested(actor=actor, auth=auth)
        transaction.on_commit(lambda: notifications.request_waiting(auth))
    return auth


def _locked(auth: Authorisation) -> Authorisation:
    return Authorisation.objects.select_for_update(of=("self",)).select_related(
        "school", "subject", "reader", "requested_by").get(pk=auth.pk)


def access_decide(*, actor: Person, auth: Authorisation, approve: bool, note: str = "",
                  grounds_confirmed: bool = False) -> Authorisation:
    """Approve or refuse. 003 §2.7: whoever grants it "should be satisfied there are
    reasonable grounds", so approving needs that said."""
    with transaction.atomic():
        auth = _locked(auth)
        if not selectors.is_decider(actor, auth.school):
            raise NotAllowed("only the headteacher or their nominee can decide access")
        if actor.pk in (auth.requested_by_id, auth.subject_id, auth.reader_id):
            raise NotAllowed("nobody decides a request they made, or one about themselves")
        if auth.status != PENDING:
            raise Conflict(f"this request is already {auth.get_status_display().lower()}")
        note = (note or "").strip()
        if approve and not grounds_confirmed:
            raise InvalidInput("say you are satisfied there are reasonable grounds",
                               code="no-grounds")
        if not approve and not note:
            raise InvalidInput("say why the request is refused", code="no-note")
        now = timezone.now()
        auth.status = APPROVED if approve else REFUSED
        auth.decided_by, auth.decided_at, auth.decision_note = actor, now, note
        auth.expires_at = now + datetime.timedelta(days=auth.days) if approve else None
        auth.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                                 "expires_at"])
        events.access_decided(actor=actor, auth=auth, before=PENDING)
        transaction.on_commit(lambda: notifications.decided(auth))
    return auth


def access_withdraw(*, actor: Person, auth: Authorisation) -> Authorisation:
    with transaction.atomic():
        auth = _locked(auth)
        if actor.pk != auth.requested_by_id:
            raise NotAllowed("only the person who asked can withdraw the request")
        if auth.status != PENDING:
            raise Conflict(f"this request is already {auth.get_status_display().lower()}")
        auth.status, auth.ended_by, auth.ended_at = WITHDRAWN, actor, timezone.now()
        auth.save(update_fields=["status", "ended_by", "ended_at"])
        events.access_withdrawn(actor=actor, auth=auth)
    return auth


def access_revoke(*, actor: Person, auth: Authorisation, reason: str) -> Authorisation:
    """End an approved access early: a decider, or the reader giving it up."""
    with transaction.atomic():
        auth = _locked(auth)
        if not (selectors.is_decider(actor, auth.school) or actor.pk == auth.reader_id):
            raise NotAllowed("only the headteacher, their nominee or the reader can end it")
        if actor.pk == auth.subject_id:
            raise NotAllowed("this access is about you: ask the headteacher")
        if not auth.in_force():
            raise Conflict("this access is not in force")
        reason = (reason or "").strip()
        if not reason:
            raise InvalidInput("say why the access is ended early", code="no-reason")
        auth.status, auth.ended_by, auth.ended_at, auth.end_reason = (
            REVOKED, actor, timezone.now(), reason)
        auth.save(update_fields=["status", "ended_by", "ended_at", "end_reason"])
        events.access_revoked(actor=actor, auth=auth)
        transaction.on_commit(lambda: notifications.ended_one(auth))
    return auth


def access_use_record(*, actor: Person, auth: Authorisation, what_was_done: str,
                      used_at: datetime.datetime | None = None) -> AuthorisationUse:
    """"I used this access": only the named reader, only while it is in force."""
    what_was_done = (what_was_done or "").strip()
    with transaction.atomic():
        auth = _locked(auth)
        if actor.pk != auth.reader_id:
            raise NotAllowed("only the person named to read it can record a use")
        used_at = used_at or timezone.now()
        if not auth.in_force(used_at):
            raise Conflict("this access is not in force, so it cannot be used")
        if not what_was_done:
            raise InvalidInput("say what was done", code="no-what")
        use = AuthorisationUse.objects.create(authorisation=auth, used_by=actor,
                                              used_at=used_at, what_was_done=what_was_done)
        events.access_used(actor=actor, use=use)
    return use


def access_expire_due(*, school: School, now: datetime.datetime | None = None) -> int:
    """The scheduled job: approved access past its end is marked ended and the requester
    and reader told. Safe to run twice."""
    now = now or timezone.now()
    ended = []
    with transaction.atomic():
        for auth in (Authorisation.objects.select_for_update()
                     .filter(school=school, status=APPROVED, expires_at__lte=now)
                     .select_related("school", "subject", "reader", "requested_by")):
            auth.status, auth.ended_at = EXPIRED, now
            auth.save(update_fields=["status", "ended_at"])
            events.access_expired(auth=auth)
            ended.append(auth)
        transaction.on_commit(lambda: notifications.each_ended(ended))
    return len(ended)


def access_view(*, actor: Person, auth: Authorisation) -> None:
    events.access_viewed(actor=actor, auth=auth)


def access_list_view(*, actor: Person, school: School, shown: int) -> None:
    events.access_list_viewed(actor=actor, school=school, shown=shown)


def access_export(*, actor: Person, school: School, rows: int) -> None:
    events.access_exported(actor=actor, school=school, rows=rows)


def nominee_set(*, actor: Person, school: School, nominee: Person | None) -> AuthorisationSettings:
    """The headteacher names who decides when they cannot (003 §2.7 "or his/her nominee")."""
    permissions.require(actor, "approve_access", school, what="choose the nominee")
    if nominee is not None:
        _same_school(school, nominee)
        if not nominee.is_staff_member or not nominee.can_use_systems():
            raise InvalidInput(f"{nominee.display_name} is not current staff", code="not-staff")
    with transaction.atomic():
        found, _ = AuthorisationSettings.objects.select_for_update().get_or_create(school=school)
        before = found.nominee.display_name if found.nominee else ""
        after = nominee.display_name if nominee else ""
        found.nominee, found.updated_at = nominee, timezone.now()
        found.save(update_fields=["nominee", "updated_at"])
        if before != after:
            events.access_nominee_changed(actor=actor, school=school, before=before, after=after)
    return found
