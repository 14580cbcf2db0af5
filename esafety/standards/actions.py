"""The only code that changes the standards records: naming a role holder, giving a reason
for a filtering decision, noting rule changes, recording checks (esafety's own and staff's),
and the annual review with its actions."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput
from esafety.standards import events, notifications, selectors, selfcheck
from esafety.standards.models import (
    AUTOMATIC,
    CHECK_KINDS,
    MANUAL,
    MONITORING,
    ROLE_CHOICES,
    Check,
    FilteringDecision,
    ResponsibleRole,
    Review,
    ReviewAction,
)


def _require(actor: Person | None, school: School, what: str) -> None:
    permissions.require(actor, "manage_standards", school, what=what)


def _ours(school: School, person: Person | None) -> None:
    if person is not None and person.school_id != school.pk:
        raise InvalidInput(f"{person.display_name} is not at {school}", code="other-school")


def role_name(*, actor: Person | None, school: School, role: str, person: Person | None = None,
              provider_name: str = "", provider_contact: str = "") -> ResponsibleRole:
    """Name who holds a DfE role: someone from the school, or (the IT provider) a company."""
    _require(actor, school, "name who is responsible")
    if role not in dict(ROLE_CHOICES):
        raise InvalidInput("choose a role", code="bad-role")
    _ours(school, person)
    provider_name = (provider_name or "").strip()
    if person is None and not provider_name:
        raise InvalidInput("choose a person, or name the provider", code="nobody")
    if person is not None and provider_name:
        raise InvalidInput("choose a person or name a provider, not both", code="both")
    if person is None and role != "it_provider":
        raise InvalidInput("this role is held by someone at the school", code="needs-person")
    if person is not None and not person.can_use_systems():
        raise InvalidInput(f"{person.display_name} no longer works here", code="left")
    with transaction.atomic():
        before = selectors.current_roles(school)
        was = next(r["holder"] for r in before if r["role"] == role)
        row = ResponsibleRole.objects.create(
            school=school, role=role, person=person, provider_name=provider_name,
            provider_contact=(provider_contact or "").strip()[:300], recorded_by=actor)
        events.standards_role_named(actor=actor, row=row, before=was.holder if was else "")
    return row


def reason_record(*, actor: Person | None, school: School, group: str, category: str,
                  reason: str) -> FilteringDecision:
    """Say why a category is blocked or allowed for a group: a new row (history kept)."""
    _require(actor, school, "give reasons for filtering decisions")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise InvalidInput("write the reason in a few words at least", code="no-reason")
    live = next((r for r in selectors.register(school)
                 if r["group"] == group and r["category"] == category), None)
    if live is None:
        raise InvalidInput("that category and group are not in the filtering rules",
                           code="unknown")
    with transaction.atomic():
        before = live["reason"].reason if live["reason"] else ""
        row = FilteringDecision.objects.create(
            school=school, group=group, category=category,
            category_label=live["category_label"], answer=live["answer"],
            answer_words=live["answer_words"], reason=reason[:4000], recorded_by=actor)
        events.filtering_reason_recorded(actor=actor, row=row, before=before)
    return row


def reasons_record_many(*, actor: Person | None, school: School,
                        reasons: dict[tuple[str, str], str]) -> int:
    """Reasons for many categories at once (group, category) -> reason: the register read
    once, one row each, and one audit row for the lot (the rows themselves are the history)."""
    _require(actor, school, "give reasons for filtering decisions")
    live = {(r["group"], r["category"]): r for r in selectors.register(school)}
    rows = []
    for key, reason in reasons.items():
        reason = (reason or "").strip()
        if key not in live or len(reason) < 5:
            continue
        r = live[key]
        rows.append(FilteringDecision(
            school=school, group=r["group"], category=r["category"],
            category_label=r["category_label"], answer=r["answer"],
            answer_words=r["answer_words"], reason=reason[:4000], recorded_by=actor))
    with transaction.atomic():
        FilteringDecision.objects.bulk_create(rows)
        events.filtering_reasons_recorded(actor=actor, school=school, count=len(rows))
    return len(rows)


def rule_changes_note(*, school: School) -> int:
    """The system notes each live rule that differs from the register's last answer, so the
    history shows when rules changed (and the reason is asked for again)."""
    latest = selectors.latest_decisions(school)
    noted = 0
    with transaction.atomic():
        for live in selectors.register(school):
            last = latest.get((live["group"], live["category"]))
            if last is None or last.answer == live["answer"]:
                continue
            row = FilteringDecision.objects.create(
                school=school, group=live["group"], category=live["category"],
                category_label=live["category_label"], answer=live["answer"],
                answer_words=live["answer_words"], reason="", recorded_by=None)
            events.filtering_rule_change_noted(row=row, before=last.answer_words)
            noted += 1
    return noted


def check_run_automatic(*, actor: Person | None, school: School,
                        now: datetime.datetime | None = None) -> Check:
    """Ask the filter about a known address in every category, for every group; record it.
    The scheduled job runs it daily (actor None); staff may run it on demand."""
    if actor is not None:
        _require(actor, school, "run a filtering check")
    outcome = selfcheck.run(school, now)
    with transaction.atomic():
        check = Check.objects.create(
            school=school, kind=AUTOMATIC, at=now or timezone.now(), by=actor,
            what_was_tested=outcome.what_was_tested, passed=outcome.passed,
            result=outcome.result, cases=outcome.cases,
            action_taken="" if outcome.passed else (
                "Passed to those who look after filtering and the senior leader responsible."))
        events.standards_check_recorded(actor=actor, check=check)
        if not check.passed:
            transaction.on_commit(lambda: notifications.check_failed(check))
    return check


def check_due_run(*, school: School, now: datetime.datetime | None = None) -> Check | None:
    """The daily job: a check unless one was made in the last day; rule changes noted."""
    now = now or timezone.now()
    rule_changes_note(school=school)
    last = Check.objects.filter(school=school, kind=AUTOMATIC).order_by("-at").first()
    if last is not None and now - last.at < datetime.timedelta(hours=23):
        return None
    return check_run_automatic(actor=None, school=school, now=now)


def check_record(*, actor: Person, school: School, kind: str, at: datetime.datetime,
                 what_was_tested: str, passed: bool, result: str,
                 action_taken: str = "") -> Check:
    """A check made by staff: when, who, what was tested, the result, what was done."""
    _require(actor, school, "record a check")
    if kind not in (MANUAL, MONITORING):
        raise InvalidInput(f"choose one of: {', '.join(dict(CHECK_KINDS)[k] for k in (MANUAL, MONITORING))}",
                           code="bad-kind")
    what_was_tested = (what_was_tested or "").strip()
    result = (result or "").strip()
    if not what_was_tested or not result:
        raise InvalidInput("say what was tested and what happened", code="incomplete")
    if at > timezone.now() + datetime.timedelta(minutes=5):
        raise InvalidInput("a check cannot be in the future", code="future")
    if not passed and not (action_taken or "").strip():
        raise InvalidInput("say what was done about it", code="no-action")
    with transaction.atomic():
        check = Check.objects.create(school=school, kind=kind, at=at, by=actor,
                                     what_was_tested=what_was_tested[:4000], passed=passed,
                                     result=result[:4000],
                                     action_taken=(action_taken or "").strip()[:4000])
        events.standards_check_recorded(actor=actor, check=check)
    return check


def review_record(*, actor: Person, school: School, held_on: datetime.date,
                  governor: Person | None, led_by: Person | None, who_took_part: str,
                  findings: str) -> Review:
    _require(actor, school, "record a review")
    _ours(school, governor)
    _ours(school, led_by)
    if governor is not None and governor.role != "governor":
        raise InvalidInput(f"{governor.display_name} is not a governor", code="not-governor")
    findings = (findings or "").strip()
    if not findings:
        raise InvalidInput("write what the review found", code="no-findings")
    if held_on > timezone.localdate():
        raise InvalidInput("a review cannot be in the future", code="future")
    with transaction.atomic():
        review = Review.objects.create(school=school, held_on=held_on, governor=governor,
                                       led_by=led_by, who_took_part=(who_took_part or "")[:500],
                                       findings=findings, recorded_by=actor)
        events.standards_review_recorded(actor=actor, review=review)
    return review


def action_add(*, actor: Person, review: Review, what: str, owner: Person,
               due_on: datetime.date) -> ReviewAction:
    _require(actor, review.school, "add an action")
    _ours(review.school, owner)
    what = (what or "").strip()
    if not what:
        raise InvalidInput("say what is to be done", code="no-what")
    if not owner.is_staff_member and owner.role != "governor":
        raise InvalidInput(f"{owner.display_name} cannot own an action", code="bad-owner")
    with transaction.atomic():
        action = ReviewAction.objects.create(review=review, what=what[:500], owner=owner,
                                             due_on=due_on)
        events.standards_action_added(actor=actor, action=action)
        transaction.on_commit(lambda: notifications.action_owned(action))
    return action


def action_done(*, actor: Person, action: ReviewAction, note: str = "",
                on: datetime.date | None = None) -> ReviewAction:
    _require(actor, action.review.school, "mark an action done")
    with transaction.atomic():
        action = ReviewAction.objects.select_for_update(of=("self",)).select_related(
            "review__school", "owner").get(pk=action.pk)
        if action.done_on is not None:
            raise Conflict("that action is already done")
        action.done_on = on or timezone.localdate()
        action.done_note = (note or "").strip()[:500]
        action.save(update_fields=["done_on", "done_note"])
        events.standards_action_done(actor=actor, action=action)
    return action


def export_record(*, actor: Person, school: School, which: str, rows: int) -> None:
    events.standards_exported(actor=actor, school=school, which=which, rows=rows)
