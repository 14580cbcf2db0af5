"""Reviewing held mail: view (always audited), release, return, delete, and the retention
job (reading private mail: private_mail.py).

Release re-injects the stored message to the mail server's re-injection port (the next
hop the filter used when it held it), return sends it back to its sender with the reason,
and delete removes it; the file goes from the held store once the message has left.

A release is done only when every recipient has it or was refused for good: the mail
server may take the message for some recipients and answer "try again later" (4xx) for
others, and those must not lose it. The held store's note beside the message (its .json)
keeps who has it and who was refused for good, so a second release sends it only to the
rest; each release's audit row says what the mail server did for every recipient.
"""

from __future__ import annotations

import datetime
import email.policy
import email.utils
import json
import logging
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.engine.messages.message import listed
from esafety.errors import Conflict, InvalidInput
from esafety.mailfilter import events, notices
from esafety.mailfilter.actions.private_mail import content_shown_to
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.publishing import folder, mail_settings
from esafety.mailfilter.reinjection import deliver
from esafety.mailfilter.server import EVENTS_DIR, HELD_DIR, _write_private

log = logging.getLogger(__name__)

MAX_SHOWN = 200_000
NAMED = 20  # addresses named in the note a reviewer sees at once; the page lists more, the trail all


def held_paths(held: HeldMessage) -> tuple[Path, Path]:
    base = folder(held.school) / HELD_DIR
    return base / f"{held.key}.eml", base / f"{held.key}.json"


def held_mail_list_view(*, actor: Person, school: School, count: int) -> None:
    permissions.require(actor, "review_held_mail", school, what="review held mail")
    events.held_mail_list_viewed(actor=actor, school=school, count=count)


def held_message_view(*, actor: Person, held: HeldMessage) -> str | None:
    """Record the view; the message's text when the reviewer may read it (never for private
    mail without the authorisation of the headteacher or their nominee), else None. A
    private message shown under an investigation authorisation is recorded as a use of it,
    as captured mail's is."""
    permissions.require(actor, "review_held_mail", held.school, what="review held mail")
    with transaction.atomic():
        content = None
        raw = None
        if held.content_removed_at is None:
            try:
                raw = held_paths(held)[0].read_bytes()
            except OSError:
                raw = None
        # (Read first: a use of an investigation is recorded only when the text is shown.)
        if raw is not None and content_shown_to(held, actor):
            content = raw[:MAX_SHOWN].decode("utf-8", "replace")
        events.held_message_viewed(actor=actor, held=held, content_shown=content is not None)
    return content


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
    """All or nothing (the notice a return sends): Conflict unless every recipient took it."""
    result = deliver(next_hop, mail_from, rcpts, raw)
    if result.waiting:
        raise Conflict(f"the mail server could not take the message just now "
                       f"({next(iter(result.waiting.values()))}); it is still held: try "
                       "again in a few minutes", code="mail-server-down")
    if result.refused:
        raise Conflict(f"the mail server refused it ({next(iter(result.refused.values()))}); "
                       "the message is still held", code="mail-server-refused")


@dataclass
class Release:
    """What one release did: to whom it was delivered, who is still waiting for it (it stays
    held for them) and who was refused for good."""

    held: HeldMessage
    delivered: list[str]
    waiting: dict[str, str]
    refused: dict[str, str]
    delivered_before: int = 0  # recipients an earlier release already reached

    @property
    def finished(self) -> bool:
        """Nobody is left waiting: the message has left the held store."""
        return self.held.status == HeldMessage.RELEASED

    @property
    def nobody_left(self) -> bool:
        """Every recipient refused it for good and nobody has it: still held, to return or
        delete."""
        return not self.finished and not self.waiting

    def summary(self) -> str:
        """In plain words, for the reviewer who pressed the button."""
        parts = []
        if self.delivered:
            parts.append(f"Delivered to {_named(self.delivered)}.")
        if self.refused:
            parts.append(f"The mail server refused it for good for {_named(list(self.refused))}"
                         f": they will not get it ({next(iter(self.refused.values()))}).")
        if self.waiting:
            parts.append(f"Not delivered yet to {_named(list(self.waiting))}: the mail server "
                         f"could not take it for them just now "
                         f"({next(iter(self.waiting.values()))}). The message is still held "
                         "for them: release it again in a few minutes and it goes only to "
                         "them.")
        elif self.nobody_left:
            parts.append("Nobody has it, so it is still held: return it to its sender or "
                         "delete it.")
        else:
            parts.insert(0, "Released.")
        return " ".join(parts)


def _named(addresses: list[str]) -> str:
    return listed(addresses, NAMED)


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


def _progress(meta: dict) -> tuple[list[str], dict[str, str], list[str]]:
    """From the held store's note: who has it, who refused it for good, who is still to get
    it (in the envelope's order)."""
    delivered = list(meta.get("delivered", []))
    refused = dict(meta.get("refused", {}))
    done = set(delivered) | set(refused)
    to_send = list(dict.fromkeys(r for r in meta["rcpts"] if r not in done))
    return delivered, refused, to_send


def _save_progress(held: HeldMessage, meta: dict) -> bool:
    try:
        _write_private(held_paths(held)[1], json.dumps(meta).encode())
    except OSError:
        log.exception("held message %s: who has it could not be saved", held.pk)
        return False
    return True


def held_message_release(*, actor: Person, held: HeldMessage, note: str = "") -> Release:
    """Deliver it as it was sent (re-injected) to every recipient who does not have it yet.
    When the mail server takes it for all of them (or refuses some for good), it is released
    and leaves the held store; when it answers "try again later" for any, it stays held for
    them. Each release is audited with the mail server's answer for every recipient."""
    permissions.require(actor, "review_held_mail", held.school, what="release held mail")
    with transaction.atomic():
        row = _locked(held)
        raw, meta = _meta(row)
        delivered, refused, to_send = _progress(meta)
        if not to_send:
            raise Conflict("the mail server has refused this message for good for every "
                           "recipient, so there is nobody left to deliver it to: return it to "
                           "its sender or delete it", code="nobody-left")
        result = deliver(tuple(meta["next_hop"]), meta.get("mail_from", ""), to_send, raw)
        meta["delivered"] = delivered + result.delivered
        meta["refused"] = {**refused, **result.refused}
        # Saved at once, before anything else can fail: a second release must not send it
        # again to those who have it.
        saved = _save_progress(row, meta) if result.delivered or result.refused else True
        finished = not result.waiting and bool(meta["delivered"])
        if finished:
            _decide(row, actor, HeldMessage.RELEASED, note)
        events.held_message_released(actor=actor, held=row, note=(note or "")[:500], delivery={
            "delivered": result.delivered,
            "not_delivered_yet": result.waiting,
            "refused_for_good": result.refused,
            "delivered_before": len(delivered),
            "still_held": not finished,
            "progress_saved": saved})
    if finished:
        _remove_files(row)
    return Release(held=row, delivered=result.delivered, waiting=result.waiting,
                   refused=result.refused, delivered_before=len(delivered))


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
        if row.audience == "pupils":
            # Plain words, no clause codes, nothing of the message sent back (notices.py).
            notice.replace_header("Subject", "Your email was not sent")
            notice.set_content(notices.returned_to_pupil_text(
                row.recipients, row.rule_titles, note),
                cte="quoted-printable")
        else:
            delivered = meta.get("delivered", [])
            text = (f"Your message was not delivered by {row.school.name} and is returned to "
                    f"you, because:\n\n{row.reason}\n\n"
                    + (f"(An earlier release had delivered it to {_named(delivered)}.)\n\n"
                       if delivered else "")
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
    unlisted = unlisted_held_files(school, cutoff)
    if not expired and not unlisted:
        return 0
    with transaction.atomic():
        for row in expired:
            if row.status == HeldMessage.HELD:
                row.status = HeldMessage.DELETED
                row.decision_note = f"Removed when the retention of {days} days ended."
            row.content_removed_at = now
            row.save(update_fields=["status", "decision_note", "content_removed_at"])
        events.held_mail_expired(school=school, count=len(expired) + len(unlisted), days=days)
    for row in expired:
        _remove_files(row)
    for path in unlisted:
        path.unlink(missing_ok=True)
        path.with_suffix(".json").unlink(missing_ok=True)
    return len(expired) + len(unlisted)


def unlisted_held_files(school: School, cutoff: datetime.datetime) -> list[Path]:
    """Copies in the held store, held before `cutoff`, that never became a held message
    here, with no note still waiting to be loaded: the filter stopped after writing the copy
    and before its note, and when the mail server offered the message again it was decided
    otherwise (the school's lists had changed). Nobody can review them, and they hold a
    message's words: retention removes them with the rest (counted in its dry run)."""
    held_dir = folder(school) / HELD_DIR
    if not held_dir.is_dir():
        return []
    known = set(HeldMessage.objects.filter(school=school).values_list("key", flat=True))
    waiting = {name.rpartition("-")[2].removesuffix(".json")
               for name in _names(folder(school) / EVENTS_DIR)}
    found = []
    for path in held_dir.glob("*.eml"):
        if path.stem in known or path.stem in waiting:
            continue
        try:
            mtime = path.stat().st_mtime
        except OSError:
            continue
        if datetime.datetime.fromtimestamp(mtime, datetime.UTC) < cutoff:
            found.append(path)
    return found


def _names(directory: Path) -> list[str]:
    try:
        return [entry.name for entry in directory.iterdir()]
    except OSError:
        return []
