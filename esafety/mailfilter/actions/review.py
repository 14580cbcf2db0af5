"""Reviewing held mail: view (always audited), release, return, delete, the headteacher's
authorisation to read private mail, and the retention job.

Release re-injects the stored message to the mail server's re-injection port (the next
hop the filter used when it held it), return sends it back to its sender with the reason,
and delete removes it; the file goes from the held store once the message has left.
"""

from __future__ import annotations

import datetime
import email.policy
import email.utils
import json
import smtplib
from email.message import EmailMessage
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput
from esafety.mailfilter import events
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.publishing import folder, mail_settings
from esafety.mailfilter.server import HELD_DIR

MAX_SHOWN = 200_000


def held_paths(held: HeldMessage) -> tuple[Path, Path]:
    base = folder(held.school) / HELD_DIR
    return base / f"{held.key}.eml", base / f"{held.key}.json"


def held_mail_list_view(*, actor: Person, school: School, count: int) -> None:
    permissions.require(actor, "review_held_mail", school, what="review held mail")
    events.held_mail_list_viewed(actor=actor, school=school, count=count)


def held_message_view(*, actor: Person, held: HeldMessage) -> str | None:
    """Record the view; the message's text when the reviewer may read it (never for private
    mail without the headteacher's authorisation), else None."""
    permissions.require(actor, "review_held_mail", held.school, what="review held mail")
    content = None
    if content_visible(held, actor) and held.content_removed_at is None:
        try:
            raw = held_paths(held)[0].read_bytes()
            content = raw[:MAX_SHOWN].decode("utf-8", "replace")
        except OSError:
            content = None
    events.held_message_viewed(actor=actor, held=held, content_shown=content is not None)
    return content


def content_visible(held: HeldMessage, reader: Person) -> bool:
    """Whether `reader` may see what the message says: always, unless its sender marked it
    private; then only after the headteacher's authorisation recorded on it, or an
    investigation about its sender, beyond day-to-day monitoring, authorised by the
    headteacher or nominee and naming `reader` (003 §2.6, §2.7; esafety/authorisations)."""
    if held.content_authorised:
        return True
    if not held.sender:
        return False
    from esafety.authorisations.selectors import investigation_authorised

    sender = Person.objects.filter(school=held.school, email__iexact=held.sender).first()
    return investigation_authorised(held.school, sender, reader) is not None


def _locked(held: HeldMessage) -> HeldMessage:
    row = HeldMessage.objects.select_for_update().get(pk=held.pk)
    if row.status != HeldMessage.HELD:
        raise Conflict(f"this message has already been dealt with ({row.status_label.lower()})",
                       code="held-message-decided")
    if row.content_removed_at is not None:
        raise Conflict("this message was removed when its retention ended",
                       code="held-message-expired")
    return row


def _send(next_hop: tuple[str, int], mail_from: str, rcpts: list[str], raw: bytes) -> None:
    try:
        with smtplib.SMTP(next_hop[0], next_hop[1], timeout=60,
                          local_hostname="esafety-mail-filter") as smtp:
            refused = smtp.sendmail(mail_from, rcpts, raw)
    except (OSError, smtplib.SMTPException) as exc:
        raise Conflict(f"the mail server could not take the message just now ({exc}); it is "
                       "still held: try again in a few minutes", code="mail-server-down") from None
    if refused and len(refused) == len(rcpts):
        raise Conflict("the mail server refused every recipient; the message is still held",
                       code="mail-server-refused")


def _meta(held: HeldMessage) -> tuple[bytes, dict]:
    eml, meta = held_paths(held)
    try:
        return eml.read_bytes(), json.loads(meta.read_bytes())
    except (OSError, ValueError):
        raise Conflict("the held message's file is missing from the held store",
                       code="held-file-missing") from None


def _decide(held: HeldMessage, actor: Person, status: str, note: str) -> HeldMessage:
    held.status = status
    held.decided_by = actor
    held.decided_at = timezone.now()
    held.decision_note = (note or "")[:500]
    held.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return held


def _remove_files(held: HeldMessage) -> None:
    for path in held_paths(held):
        path.unlink(missing_ok=True)


def held_message_release(*, actor: Person, held: HeldMessage, note: str = "") -> HeldMessage:
    """Deliver it as it was sent (re-injected); then it leaves the held store."""
    permissions.require(actor, "review_held_mail", held.school, what="release held mail")
    with transaction.atomic():
        row = _locked(held)
        raw, meta = _meta(row)
        _send(tuple(meta["next_hop"]), meta.get("mail_from", ""), meta["rcpts"], raw)
        _decide(row, actor, HeldMessage.RELEASED, note)
        events.held_message_released(actor=actor, held=row)
    _remove_files(row)
    return row


def held_message_return(*, actor: Person, held: HeldMessage, note: str = "") -> HeldMessage:
    """Send it back to its sender with the reason and the reviewer's note."""
    permissions.require(actor, "review_held_mail", held.school, what="return held mail")
    if not held.sender:
        raise InvalidInput("this message has no sender to return it to: delete it instead",
                           code="no-sender")
    with transaction.atomic():
        row = _locked(held)
        raw, meta = _meta(row)
        config = mail_settings(row.school)
        notice = EmailMessage()
        domain = (row.school.domains or ["localhost"])[0]
        notice["From"] = email.utils.formataddr(
            (f"{row.school.name} mail", config.postmaster or f"postmaster@{domain}"))
        notice["To"] = row.sender
        notice["Subject"] = "Returned: please send a revised version"
        notice["Auto-Submitted"] = "auto-replied"
        notice["Message-ID"] = email.utils.make_msgid(domain="esafety.invalid")
        text = (f"Your message was not delivered by {row.school.name} and is returned to "
                f"you, because:\n\n{row.reason}\n\n"
                + (f"The reviewer adds: {note}\n\n" if note else "")
                + "Please send a revised version. Your original message is attached.\n")
        notice.set_content(text, cte="quoted-printable")
        notice.add_attachment(raw[:10 * 1024 * 1024], maintype="application",
                              subtype="octet-stream", filename="original-message.eml")
        _send(tuple(meta["next_hop"]), "", [row.sender], notice.as_bytes(policy=email.policy.SMTP))
        _decide(row, actor, HeldMessage.RETURNED, note)
        events.held_message_returned(actor=actor, held=row)
    _remove_files(row)
    return row


def held_message_delete(*, actor: Person, held: HeldMessage, note: str = "") -> HeldMessage:
    permissions.require(actor, "review_held_mail", held.school, what="delete held mail")
    with transaction.atomic():
        row = _locked(held)
        _decide(row, actor, HeldMessage.DELETED, note)
        events.held_message_deleted(actor=actor, held=row)
    _remove_files(row)
    return row


def held_message_authorise(*, actor: Person, held: HeldMessage, reasons: str) -> HeldMessage:
    """003 §2.6, §2.7: the headteacher records why a private message may be read."""
    permissions.require(actor, "authorise_private_mail", held.school,
                        what="authorise reading private mail")
    reasons = " ".join((reasons or "").split())
    if len(reasons) < 20:
        raise InvalidInput("give the reasons in a sentence or two (at least 20 characters): "
                           "why reading this message is necessary and proportionate",
                           code="reasons-required")
    with transaction.atomic():
        row = HeldMessage.objects.select_for_update().get(pk=held.pk)
        if not row.private or row.authorised_at is not None:
            raise Conflict("this message needs no further authorisation",
                           code="already-authorised")
        row.authorised_by, row.authorised_at = actor, timezone.now()
        row.authorisation_reasons = reasons[:2000]
        row.save(update_fields=["authorised_by", "authorised_at", "authorisation_reasons"])
        events.held_message_authorised(actor=actor, held=row)
    return row


def held_mail_expire(school: School, now: datetime.datetime | None = None, *,
                     cutoff: datetime.datetime | None = None) -> int:
    """Remove held messages past the school's retention from the held store (the rows stay,
    saying when their content was removed). Returns how many. Called by the retention
    schedule's confirmed purge (with the dry run's `cutoff`), never by a job of its own."""
    now = now or timezone.now()
    days = mail_settings(school).held_retention_days
    cutoff = cutoff or now - datetime.timedelta(days=days)
    expired = list(HeldMessage.objects.filter(school=school, content_removed_at__isnull=True,
                                              held_at__lt=cutoff))
    if not expired:
        return 0
    with transaction.atomic():
        for row in expired:
            if row.status == HeldMessage.HELD:
                row.status = HeldMessage.DELETED
                row.decision_note = f"Removed when the retention of {days} days ended."
            row.content_removed_at = now
            row.save(update_fields=["status", "decision_note", "content_removed_at"])
        events.held_mail_expired(school=school, count=len(expired), days=days)
    for row in expired:
        _remove_files(row)
    return len(expired)
