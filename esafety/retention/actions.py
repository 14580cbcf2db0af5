"""Changing the retention schedule, and running it: a dry run, confirmation, the purge."""

from __future__ import annotations

import datetime
import logging
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from esafety.directory.permissions import require
from esafety.errors import Conflict, InvalidInput
from esafety.retention import events, purging, registry
from esafety.retention.models import PurgeRun, RetentionSetting

if TYPE_CHECKING:
    from esafety.directory.models import Person, School

log = logging.getLogger(__name__)

# Nobody needs more than a century; a typo of 36500 days is caught at 100 years.
LONGEST_DAYS = 100 * registry.YEAR


def days_for(school: School, record_type: registry.RecordType) -> int:
    """How long `school` keeps this type of record now, in days."""
    if record_type.get_days is not None:
        return record_type.get_days(school)
    setting = RetentionSetting.objects.filter(school=school,
                                              record_type=record_type.name).first()
    return setting.days if setting else record_type.default_days


def retention_set(*, actor: Person | None, school: School, record_type: str,
                  days: int) -> int:
    """Keep one type of record for `days`: never less than its legal minimum."""
    require(actor, "manage_retention", school, what="change how long records are kept")
    if not registry.known(record_type):
        raise InvalidInput("there is no such type of record", code="record-type")
    kind = registry.get(record_type)
    if days < kind.minimum_days:
        raise InvalidInput(
            f"{kind.label} must be kept for at least {registry.days_text(kind.minimum_days)} "
            f"({kind.minimum_basis})", code="below-minimum")
    if days > LONGEST_DAYS:
        raise InvalidInput("keep records for at most 100 years", code="too-long")
    with transaction.atomic():
        before = days_for(school, kind)
        if kind.set_days is not None:
            kind.set_days(school, days)
        else:
            RetentionSetting.objects.update_or_create(
                school=school, record_type=kind.name,
                defaults={"days": days, "updated_at": timezone.now(),
                          "updated_by": actor if getattr(actor, "pk", None) else None})
        events.retention_set(actor=actor, school=school, record_type=kind.name,
                             before=before, after=days)
    return days


def _plan(school: School, now: datetime.datetime) -> dict[str, dict]:
    plan = {}
    for kind in registry.types():
        days = days_for(school, kind)
        cutoff = now - datetime.timedelta(days=days)
        plan[kind.name] = {"label": kind.label, "days": days, "period": registry.days_text(days),
                           "cutoff": cutoff.isoformat(), "count": kind.count(school, cutoff)}
    return plan


def purge_prepare(*, actor: Person | None, school: School) -> PurgeRun:
    """The dry run: count what the schedule would remove now. Nothing is removed until the
    head or the DSL confirms it. An earlier unconfirmed dry run is replaced."""
    require(actor, "manage_retention", school, what="run the retention schedule")
    with transaction.atomic():
        for old in PurgeRun.objects.select_for_update().filter(school=school,
                                                               state=PurgeRun.PREPARED):
            old.state = PurgeRun.CANCELLED
            old.save(update_fields=["state"])
            events.retention_cancelled(actor=actor, run=old)
        run = PurgeRun.objects.create(
            school=school, prepared_by=actor if getattr(actor, "pk", None) else None,
            plan=_plan(school, timezone.now()))
        events.retention_dry_run(actor=actor, run=run)
    return run


def purge_confirm(*, actor: Person, run: PurgeRun) -> PurgeRun:
    """The head or the DSL confirms a dry run; the scheduled job purges it (at once on the
    queue)."""
    require(actor, "manage_retention", run.school, what="confirm a retention purge")
    with transaction.atomic():
        run = PurgeRun.objects.select_for_update().get(pk=run.pk)
        if run.state != PurgeRun.PREPARED:
            raise Conflict("this dry run was already confirmed or cancelled", code="not-prepared")
        run.state, run.confirmed_at, run.confirmed_by = PurgeRun.CONFIRMED, timezone.now(), actor
        run.save(update_fields=["state", "confirmed_at", "confirmed_by"])
        events.retention_confirmed(actor=actor, run=run)
        from esafety.retention.tasks import retention_task
        from esafety.tasks import enqueue_after_commit

        enqueue_after_commit(retention_task, run.school_id)
    return run


def purge_cancel(*, actor: Person, run: PurgeRun) -> PurgeRun:
    require(actor, "manage_retention", run.school, what="cancel a retention purge")
    with transaction.atomic():
        run = PurgeRun.objects.select_for_update().get(pk=run.pk)
        if run.state != PurgeRun.PREPARED:
            raise Conflict("only a dry run waiting for confirmation can be cancelled",
                           code="not-prepared")
        run.state = PurgeRun.CANCELLED
        run.save(update_fields=["state"])
        events.retention_cancelled(actor=actor, run=run)
    return run


def purge_apply(*, run: PurgeRun) -> PurgeRun:
    """Purge a confirmed run, exactly as the dry run counted it (its cutoffs, not later ones).
    Run by the scheduled job; one audit event per type purged. The audit trail goes last, so
    the events that record this purge are never part of it."""
    with transaction.atomic():
        run = PurgeRun.objects.select_for_update(of=("self",)).select_related("school").get(pk=run.pk)
        if run.state != PurgeRun.CONFIRMED:
            return run
        results, problems = {}, []
        names = sorted(run.plan, key=lambda n: n == "audit")
        for name in names:
            item = run.plan[name]
            if not registry.known(name):
                problems.append(f"{item.get('label', name)}: no longer registered; nothing "
                                f"removed")
                continue
            kind = registry.get(name)
            cutoff = datetime.datetime.fromisoformat(item["cutoff"])
            try:
                # One type's failure (an app's removal broken) must not keep the others:
                # its savepoint rolls back (a lifted guard with it) and it is said below.
                with transaction.atomic():
                    purged = kind.purge(run.school, cutoff, run.confirmed_by) \
                        if item["count"] else 0
            except Exception as error:  # noqa: BLE001 - recorded on the run and logged
                log.exception("retention: %s could not be purged", name)
                problems.append(f"{kind.label}: could not be removed ({type(error).__name__}); "
                                f"nothing of this type was removed")
                purged = 0
            left = purging.skipped(name)
            if left:
                problems.append(f"{kind.label}: {left} record(s) were already altered outside "
                                f"esafety and were left for the history check to show")
            results[name] = purged
            events.records_purged(actor=run.confirmed_by, run=run, record_type=name,
                                  cutoff=item["cutoff"], purged=purged, skipped=left)
        run.state, run.done_at = PurgeRun.DONE, timezone.now()
        run.results, run.problems = results, problems
        run.save(update_fields=["state", "done_at", "results", "problems"])
    return run


# A dry run is prepared for the head and DSL this often (the job looks daily).
DRY_RUN_EVERY = datetime.timedelta(days=7)


def scheduled_run(*, school: School) -> dict:
    """The scheduled job for one school: purge what was confirmed; and, if nothing is waiting
    and the last dry run is a week old, prepare the next one for the head or DSL."""
    done = []
    for run in PurgeRun.objects.filter(school=school, state=PurgeRun.CONFIRMED).order_by("pk"):
        done.append(purge_apply(run=run).pk)
    waiting = PurgeRun.objects.filter(school=school, state=PurgeRun.PREPARED).exists()
    last = PurgeRun.objects.filter(school=school).order_by("-prepared_at").first()
    prepared = None
    if not waiting and (last is None or timezone.now() - last.prepared_at >= DRY_RUN_EVERY):
        run = purge_prepare(actor=None, school=school)
        if run.total == 0:
            run.state = PurgeRun.DONE
            run.done_at = timezone.now()
            run.save(update_fields=["state", "done_at"])
        else:
            from esafety.retention.notifications import dry_run_waiting

            transaction.on_commit(lambda: dry_run_waiting(run.pk))
        prepared = run.pk
    return {"purged": done, "prepared": prepared}


# --- subject access ------------------------------------------------------------------------

def subject_access_preview(*, actor: Person | None, subject: Person):
    """What a bundle about `subject` would hold and which names it removes (a sensitive read:
    audited)."""
    from esafety.retention import subject as bundles

    require(actor, "export_subject_access", subject.school,
            what="see what esafety holds about someone")
    bundle = bundles.build(subject)
    with transaction.atomic():
        events.subject_access_previewed(actor=actor, subject=subject)
    return bundle


def subject_access_export(*, actor: Person | None, subject: Person,
                          redactions_confirmed: bool) -> tuple[str, bytes]:
    """The bundle as a zip (file name, bytes), once the reviewer has confirmed what it removes."""
    from esafety.retention import subject as bundles

    require(actor, "export_subject_access", subject.school,
            what="make a subject-access bundle")
    if not redactions_confirmed:
        raise InvalidInput("check the names that will be removed, and confirm, before the "
                           "bundle is made", code="unconfirmed")
    bundle = bundles.build(subject)
    data = bundles.as_zip(bundle)
    with transaction.atomic():
        events.subject_access_exported(actor=actor, subject=subject, sections=bundle.counts,
                                       redacted=sum(bundle.redactions.values()))
    return bundles.file_name(bundle), data
