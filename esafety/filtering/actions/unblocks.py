"""Unblock requests (002 "Education - Students"): a member of staff asks, an approver the
school names decides, and the unblock starts and ends by itself."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering import access, events, notifications
from esafety.filtering.access import require
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.models import GROUP_LABELS, Category, UnblockRequest
from esafety.filtering.sites import clean_site

UNBLOCK_FIELDS = ["status", "decided_by", "decided_at", "decision_note", "starts_at", "ends_at"]
LONGEST_UNBLOCK_DAYS = 92  # a term


def unblock_request(*, actor: Person, category: Category | None = None, site: str = "",
                    groups: list[str] | None = None, form: str = "", reason: str,
                    starts_at: datetime.datetime, ends_at: datetime.datetime) -> UnblockRequest:
    """A member of staff asks for a category, a site or a page (and the pages below it) to be
    unblocked for a group or class, for a stated period, with a reason. Statutory categories
    cannot be requested. ``www.bbc.co.uk/bitesize`` asks for that page only."""
    require(actor, "request_unblock", "request an unblock")
    school = actor.school
    if school is None:  # the service operator: unblocks are a school's
        raise NotAllowed("only someone in a school can ask for an unblock")
    groups = [g for g in (groups or []) if g]
    if category is None and not site.strip():
        raise InvalidInput("say which category or site should be unblocked", code="what-missing")
    if category is not None and site.strip():
        raise InvalidInput("ask for a category or a site, not both", code="what-both")
    if category is not None:
        if category.school_id != school.id:
            raise NotAllowed("that category belongs to another school")
        if category.statutory:
            raise NotAllowed(f"{category.label} is always blocked and cannot be unblocked",
                             code="statutory")
    host, path = clean_site(site) if site.strip() else ("", "")
    unknown = [g for g in groups if g not in GROUP_LABELS]
    if unknown:
        raise InvalidInput(f"unknown group {unknown[0]!r}", code="group-unknown")
    form = form.strip()[:32]
    if not groups and not form:
        raise InvalidInput("say which group or class the unblock is for", code="who-missing")
    if not reason or len(reason.strip()) < 10:
        raise InvalidInput("give a reason the IT manager can judge (at least a sentence)",
                           code="reason-missing")
    if not ends_at > starts_at:
        raise InvalidInput("the unblock must end after it starts", code="period-order")
    if ends_at <= timezone.now():
        raise InvalidInput("the period has already ended", code="period-past")
    if ends_at - starts_at > datetime.timedelta(days=LONGEST_UNBLOCK_DAYS):
        raise InvalidInput("an unblock can last at most a term (92 days)", code="period-long")
    with transaction.atomic():
        request = UnblockRequest.objects.create(
            school=school, requested_by=actor, category=category, site=host, path=path,
            groups=groups, form=form, reason=reason.strip(), starts_at=starts_at,
            ends_at=ends_at)
        events.unblock_requested(actor=actor, request=request, after={
            "category": category.name if category else "", "site": host, "path": path,
            "groups": groups, "form": form, "reason": request.reason,
            "starts_at": starts_at.isoformat(), "ends_at": ends_at.isoformat()})
        transaction.on_commit(lambda: notifications.unblock_requested(request.pk))
    return request


def _decide(actor: Person, request: UnblockRequest, status: str, note: str,
            record: Callable, whole_site: bool = False) -> UnblockRequest:
    school = request.school
    if not getattr(actor, "is_superuser", False):
        if not access.is_approver(actor, school):
            raise NotAllowed("only the people the school names may decide unblock requests")
        if request.requested_by_id == actor.pk:
            raise NotAllowed("someone else must decide your own request", code="own-request")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != UnblockRequest.PENDING:
            raise Conflict(f"this request is already {request.get_status_display().lower()}")
        if (status == UnblockRequest.APPROVED and request.category is not None
                and request.category.statutory):
            raise NotAllowed(f"{request.category.label} is always blocked", code="statutory")
        if status == UnblockRequest.APPROVED and request.ends_at <= timezone.now():
            raise Conflict("the requested period has already ended", code="period-past")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        details = {}
        if whole_site:
            if not (request.site and request.path):
                raise InvalidInput("only a request for a page can be widened to its whole "
                                   "site", code="not-a-page")
            # Knowingly: the audit row says what was asked and what was opened instead.
            request.whole_site = True
            details = {"widened_to_whole_site": request.site, "asked_for": request.asked_for}
        request.status = status
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note.strip()
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note",
                                    "whole_site"])
        record(actor=actor, request=request, before=before,
               after=events.snapshot(request, UNBLOCK_FIELDS), details=details)
        if status == UnblockRequest.APPROVED:
            publish_policy_after_commit(school)
        transaction.on_commit(lambda: notifications.unblock_decided(request.pk))
    return request


def unblock_approve(*, actor: Person, request: UnblockRequest, note: str = "",
                    whole_site: bool = False) -> UnblockRequest:
    """Approve: the unblock takes effect at its start and ends by itself at its end.

    A request for a page unblocks that page and the pages below it; `whole_site` opens the
    whole site instead, which the approver must choose explicitly (it is audited)."""
    return _decide(actor, request, UnblockRequest.APPROVED, note, events.unblock_approved,
                   whole_site=whole_site)


def unblock_refuse(*, actor: Person, request: UnblockRequest, note: str) -> UnblockRequest:
    if not note or not note.strip():
        raise InvalidInput("say why the request is refused", code="note-missing")
    return _decide(actor, request, UnblockRequest.REFUSED, note, events.unblock_refused)


def unblock_end_early(*, actor: Person, request: UnblockRequest,
                      note: str = "") -> UnblockRequest:
    """End an approved unblock now (the study period finished early, or it was misused)."""
    school = request.school
    if not getattr(actor, "is_superuser", False) and not (
            access.is_approver(actor, school)
            or actor.school_id == school.id and actor.pk == request.requested_by_id):
        raise NotAllowed("only the requester or an approver may end an unblock")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        now = timezone.now()
        if request.status != UnblockRequest.APPROVED or request.ends_at <= now:
            raise Conflict("this unblock is not running")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        request.ends_at = max(now, request.starts_at)
        request.save(update_fields=["ends_at"])
        events.unblock_ended_early(actor=actor, request=request, before=before,
                                   after=events.snapshot(request, UNBLOCK_FIELDS), note=note)
        publish_policy_after_commit(school)
    return request


def unblock_withdraw(*, actor: Person, request: UnblockRequest) -> UnblockRequest:
    if actor.pk != request.requested_by_id:
        raise NotAllowed("only the person who asked can withdraw a request")
    with transaction.atomic():
        request = UnblockRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != UnblockRequest.PENDING:
            raise Conflict("only a request waiting for a decision can be withdrawn")
        before = events.snapshot(request, UNBLOCK_FIELDS)
        request.status = UnblockRequest.WITHDRAWN
        request.save(update_fields=["status"])
        events.unblock_withdrawn(actor=actor, request=request, before=before,
                                 after=events.snapshot(request, UNBLOCK_FIELDS))
    return request
