"""Reports that a block is wrong: anyone signed in makes one, an approver deals with it."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person
from esafety.engine.urls.normalise import parse_target
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering import access, events, notifications
from esafety.filtering.actions.publishing import publish_policy_after_commit
from esafety.filtering.models import SchoolEntry, WrongBlockReport


def wrong_block_report(*, actor: Person, url: str, category: str = "", rule: str = "",
                       comment: str = "") -> WrongBlockReport:
    """Anyone signed in can say a block is wrong; the report reaches the IT manager."""
    school = actor.school if actor is not None else None
    if school is None:
        raise NotAllowed("sign in to report a wrong block")
    target = parse_target(url.strip()) if url and url.strip() else None
    if target is None:
        raise InvalidInput("the blocked address is missing", code="url-missing")
    with transaction.atomic():
        report = WrongBlockReport.objects.create(
            school=school, reported_by=actor, url=url.strip()[:2000], host=target.host,
            category=category[:64], rule=rule[:32], comment=comment.strip()[:2000])
        events.wrong_block_reported(actor=actor, report=report)
        transaction.on_commit(lambda: notifications.wrong_block_reported(report))
    return report


def wrong_block_resolve(*, actor: Person, report: WrongBlockReport, allow_site: bool,
                        note: str = "") -> WrongBlockReport:
    """Either allow the site for everyone (a school allow entry) or keep the block."""
    access.require_report_resolver(actor, report.school)
    with transaction.atomic():
        report = WrongBlockReport.objects.select_for_update().get(pk=report.pk)
        if report.status != WrongBlockReport.OPEN:
            raise Conflict("this report has already been dealt with")
        report.status = WrongBlockReport.UNBLOCKED if allow_site else WrongBlockReport.KEPT
        report.resolved_by = actor
        report.resolved_at = timezone.now()
        report.resolution_note = note.strip()
        report.save()
        if allow_site and not SchoolEntry.objects.filter(
                school=report.school, kind=SchoolEntry.ALLOW, host=report.host).exists():
            SchoolEntry.objects.create(school=report.school, kind=SchoolEntry.ALLOW,
                                       host=report.host, added_by=actor,
                                       note=f"Wrong block report #{report.pk}")
            publish_policy_after_commit(report.school)
        events.wrong_block_resolved(actor=actor, report=report)
    return report
