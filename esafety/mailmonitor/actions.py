"""The only code that changes what mail monitoring keeps: named actions, one transaction
each, with their audit rows (events.py)."""

from __future__ import annotations

import dataclasses
import datetime
import logging
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from esafety.checks import concerns as check_concerns
from esafety.concerns import rules as concern_rules
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.engine.messages.checker import Finding, Verdict
from esafety.engine.messages.message import ParsedMessage, listed, shorten
from esafety.errors import InvalidInput, NotAllowed
from esafety.mailmonitor import events, storage
from esafety.mailmonitor.models import CapturedMessage, ContentAuthorisation, MonitorSettings

log = logging.getLogger(__name__)

MAX_EXCERPTS = 3
# The same message (by SHA-256) again within this time is a copy of one already kept.
DUPLICATE_WINDOW = datetime.timedelta(days=7)


@dataclass
class Recorded:
    captured: CapturedMessage
    concerns: list = field(default_factory=list)
    duplicate: bool = False  # the same message was already kept: counted, not kept again


def _recipients(msg: ParsedMessage) -> str:
    return listed([address for _, address in msg.recipients], 10)


def _finding(f: Finding) -> dict:
    return {"rule": f.rule.id, "title": f.rule.title, "action": f.action,
            "clauses": [str(c) for c in f.rule.clauses],
            "excerpts": [{"part": e.part, "excerpt": e.excerpt} for e in f.evidence[:MAX_EXCERPTS]]}


def _no_nul(text: str) -> str:
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


def _without_nul(msg: ParsedMessage, verdict: Verdict) -> tuple[ParsedMessage, Verdict]:
    """The message's facts and the findings' excerpts with NUL characters replaced: PostgreSQL
    stores no NUL in text or JSON, and a copy that can never be stored would be refused
    (451) and retried for ever."""
    def pairs(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
        return [(_no_nul(name), _no_nul(address)) for name, address in items]

    sender = pairs([msg.sender])[0] if msg.sender else None
    msg = dataclasses.replace(msg, subject=_no_nul(msg.subject), sender=sender,
                              to=pairs(msg.to), cc=pairs(msg.cc), bcc=pairs(msg.bcc))
    findings = [dataclasses.replace(f, evidence=[
        dataclasses.replace(e, excerpt=_no_nul(e.excerpt), part=_no_nul(e.part))
        for e in f.evidence]) for f in verdict.findings]
    return msg, dataclasses.replace(verdict, findings=findings)


def captured_message_record(*, school: School, raw: bytes, sha256: str, msg: ParsedMessage,
                            verdict: Verdict, private: bool, journal_report: bool,
                            evidence_capture: bool, how: str) -> Recorded:
    """Keep a monitoring copy in which something was found: its findings and hash (and the
    whole message when the school captures evidence), and raise a concern for each finding
    that shows someone may be at risk (urgent ones emailed to the safeguarding leads after
    commit). Raises on any failure, leaving nothing behind (no row, no file)."""
    msg, verdict = _without_nul(msg, verdict)
    with transaction.atomic():
        again = (CapturedMessage.objects.select_for_update()
                 .filter(school=school, sha256=sha256,
                         received_at__gte=timezone.now() - DUPLICATE_WINDOW)
                 .order_by("-received_at").first())
        if again is not None:
            CapturedMessage.objects.filter(pk=again.pk).update(copies=F("copies") + 1)
            return Recorded(captured=again, duplicate=True)
    name = storage.save(school.slug, sha256, raw) if evidence_capture else ""
    try:
        with transaction.atomic():
            captured = CapturedMessage.objects.create(
                school=school, sha256=sha256, size=len(raw), journal_report=journal_report,
                sender=(msg.sender_address or "")[:320], recipients=_recipients(msg),
                subject=shorten(msg.subject, 300) if msg.subject.strip() else "",
                read_as=verdict.read_as[:300], private=private, verdict=verdict.verdict,
                findings=[_finding(f) for f in verdict.findings], evidence_file=name)
            # A private message's concern carries the safeguarding finding and its excerpt
            # (the lead must be able to act), not its subject (003 §2.6).
            outcome = check_concerns.message_check_concern_record(
                actor=None, school=school, verdict=verdict,
                msg=dataclasses.replace(msg, subject="") if private else msg,
                checked_by=f"automatically, from a monitoring copy of the school's mail ({how})"
                           + ("; marked private by its sender, so checked for safeguarding "
                              "only" if private else ""),
                source=concern_rules.MAIL_FLOW)
            if outcome.concerns:
                captured.concerns = [c.reference for c in outcome.concerns]
                captured.save(update_fields=["concerns"])
            events.captured_message_recorded(captured=captured)
    except BaseException:
        if name:
            storage.delete(school.slug, name)
        raise
    return Recorded(captured=captured, concerns=outcome.concerns)


def may_authorise(actor: Person, school: School) -> bool:
    """The headteacher, or the nominee named in the school's authorisation settings."""
    from esafety.authorisations.selectors import is_decider

    if getattr(actor, "school_id", None) != school.pk:
        return False
    return permissions.allowed(actor, "authorise_private_mail", school) or is_decider(
        actor, school)


def authorising_own_mail(actor: Person, sender: str) -> bool:
    """Whether `actor` sent the private message they would authorise reading: nobody decides
    about their own mail (as nobody decides a request for access about themselves), so the
    nominee, or the headteacher, must."""
    mine = (actor.email or "").strip().lower()
    return bool(mine) and (sender or "").strip().lower() == mine


OWN_MAIL = ("you sent this message, so someone else must authorise reading it: the "
            "headteacher or their nominee")


def _investigation(captured: CapturedMessage, reader: Person | None):
    """An investigation about the message's sender, in force, naming `reader` (003 §2.7)."""
    from esafety.authorisations.selectors import investigation_about_sender

    return investigation_about_sender(captured.school, captured.sender, reader)


def content_visible(captured: CapturedMessage, reader: Person | None = None) -> bool:
    """Whether reviewers may see what the message says: always, unless its sender marked
    it private; then only after an authorisation recorded on it, or (for `reader`) an
    investigation authorised about its sender that names them (003 §2.6, §2.7)."""
    if not captured.private or captured.authorisations.exists():
        return True
    return _investigation(captured, reader) is not None


def captured_message_view(*, actor: Person, captured: CapturedMessage) -> bool:
    """Record that `actor` opened the captured message; whether its content is shown. A
    private message shown under an investigation authorisation is recorded as a use of it."""
    permissions.require(actor, "review_captured_mail", captured.school,
                        what="read captured mail")
    with transaction.atomic():
        shown = not captured.private or captured.authorisations.exists()
        if not shown:
            investigation = _investigation(captured, actor)
            if investigation is not None:
                from esafety.authorisations.actions import access_use_record

                access_use_record(actor=actor, auth=investigation,
                                  what_was_done=f"Read captured message {captured.pk} (marked "
                                                "private by its sender) in Captured mail")
                shown = True
        events.captured_message_viewed(actor=actor, captured=captured, content_shown=shown)
    return shown


def captured_mail_list_view(*, actor: Person, school: School,
                            captured: list[CapturedMessage]) -> None:
    permissions.require(actor, "review_captured_mail", school, what="read captured mail")
    with transaction.atomic():
        events.captured_mail_list_viewed(actor=actor, school=school,
                                         captured=[c.pk for c in captured])


def content_authorise(*, actor: Person, captured: CapturedMessage,
                      reasons: str) -> ContentAuthorisation:
    """The headteacher (or nominee) records, with reasons, that a private message's content
    may be shown to reviewers (003 §2.6, §2.7)."""
    if not may_authorise(actor, captured.school):
        raise NotAllowed("Only the headteacher or their nominee may authorise reading "
                         "private mail.")
    if authorising_own_mail(actor, captured.sender):
        raise NotAllowed(OWN_MAIL)
    reasons = (reasons or "").strip()
    if len(reasons) < 10:
        raise InvalidInput("Say why reading this private message is necessary and "
                           "proportionate (at least a sentence).", code="reasons-required")
    with transaction.atomic():
        authorisation = ContentAuthorisation.objects.create(
            captured=captured, granted_by=actor, reasons=reasons[:4000])
        events.captured_content_authorised(actor=actor, authorisation=authorisation)
    return authorisation


def settings_for(school: School) -> MonitorSettings:
    """The school's settings (the defaults, unsaved, until someone changes them)."""
    found = MonitorSettings.objects.filter(school=school).first()
    return found if found is not None else MonitorSettings(school=school)


def _settings_facts(s: MonitorSettings) -> dict:
    return {"evidence_capture": s.evidence_capture, "retention_days": s.retention_days,
            "private_markers": s.private_markers}


def monitor_settings_change(*, actor: Person, school: School, evidence_capture: bool,
                            retention_days: int, private_markers: str) -> MonitorSettings:
    permissions.require(actor, "manage_mail_monitoring", school,
                        what="change the mail monitoring settings")
    if not 1 <= int(retention_days) <= 3650:
        raise InvalidInput("Keep captured mail between 1 and 3650 days.",
                           code="retention-out-of-range")
    with transaction.atomic():
        current = settings_for(school)
        before = _settings_facts(current)
        current.evidence_capture = evidence_capture
        current.retention_days = int(retention_days)
        current.private_markers = private_markers.strip()[:300]
        current.changed_by = actor
        current.changed_at = timezone.now()
        current.save()
        events.mail_monitor_settings_changed(actor=actor, school=school, before=before,
                                             after=_settings_facts(current))
    return current


def captured_mail_expire(*, school: School, now: datetime.datetime | None = None) -> dict:
    """Delete captured messages (and their files) older than the school's retention."""
    current = settings_for(school)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=current.retention_days)
    old = CapturedMessage.objects.filter(school=school, received_at__lt=cutoff)
    names = [n for n in old.values_list("evidence_file", flat=True) if n]
    files = 0
    with transaction.atomic():
        deleted = old.count()
        if not deleted:
            return {"deleted": 0,
                    "files": storage.delete_older_than(school.slug, cutoff.timestamp())}
        ContentAuthorisation.objects.filter(captured__in=old).delete()
        old.delete()
        events.captured_mail_expired(school=school, deleted=deleted, files=len(names),
                                     retention_days=current.retention_days)
    for name in names:  # after the rows: a crash here leaves a file, never a dangling row
        files += storage.delete(school.slug, name)
    # A file left by such a crash is past retention too: swept by its age.
    files += storage.delete_older_than(school.slug, cutoff.timestamp())
    return {"deleted": deleted, "files": files}
