"""Monitoring copies as they arrive: unwrap a journal report, and tell whether the sender
marked the message private. Pure Python (no Django).

The copies come three ways:
- Exchange Online journal rules send a *journal report*: a message from the Microsoft
  Exchange recipient, carrying an `X-MS-Journal-Report` header, whose first part lists the
  envelope (Sender, Subject, Message-Id, To, Cc, Bcc, Recipient lines) and whose second
  part is the original message attached whole (message/rfc822). The original is checked.
- Google Workspace routing ("also deliver to") and Postfix `recipient_bcc_maps` /
  `always_bcc` deliver the message itself: checked as it is.
"""

from __future__ import annotations

import binascii
import email
import quopri
import re
from dataclasses import dataclass, field
from email import policy as email_policy
from email.message import Message

from esafety.engine.messages.message import head_end, header_text

JOURNAL_HEADERS = ("x-ms-journal-report", "x-ms-exchange-organization-journal-report")
# 003 §2.6: mail a member of staff marks private or personal is theirs; Outlook and other
# clients mark it with this header.
PRIVATE_SENSITIVITIES = frozenset({"private", "personal", "company-confidential-private"})
_ENVELOPE_LINE = re.compile(r"^(sender|to|cc|bcc|recipient|on-behalf-of)\s*:\s*(.+)$",
                            re.I | re.M)
_ADDRESS = re.compile(r"[^\s<>,;\"]+@[^\s<>,;\"]+")
MAX_HEAD_READ = 256 * 1024


@dataclass
class Copy:
    """The message to check, and what the copy said about it."""

    raw: bytes  # the original message (unwrapped from a journal report)
    journal_report: bool = False
    # From the journal report's envelope: everyone it was really sent to (Bcc included).
    envelope_recipients: list[str] = field(default_factory=list)
    note: str = ""  # why a journal report could not be unwrapped ("" when it could)


def _head(raw: bytes) -> Message:
    end = head_end(raw[:MAX_HEAD_READ])
    block = raw[:end[1]] if end else raw[:MAX_HEAD_READ]
    return email.message_from_bytes(block + b"\n", policy=email_policy.compat32)


def head_value(raw: bytes, name: str) -> str:
    """The first `name` header of `raw` as text ("" when absent or unreadable)."""
    try:
        value = _head(raw).get(name)
    except Exception:  # noqa: BLE001 - garbage headers: treat as absent
        return ""
    return header_text(value).strip() if value is not None else ""


def is_journal_report(raw: bytes) -> bool:
    try:
        head = _head(raw)
    except Exception:  # noqa: BLE001
        return False
    return any(name in head for name in JOURNAL_HEADERS)


def _delimiter_at(raw: bytes, delim: bytes, start: int) -> int:
    """Where the next line starting with `delim` begins (-1 when there is none)."""
    while True:
        found = raw.find(delim, start)
        if found <= 0 or raw[found - 1:found] == b"\n":
            return found
        start = found + 1


def _exact_original(raw: bytes, boundary: str | None) -> bytes | None:
    """The attached original's bytes exactly as the report carries them (so its SHA-256 is
    the original's), for the usual report: a top-level part of type message/rfc822. None
    otherwise (then the parsed report is asked)."""
    if not boundary:
        return None
    delim = b"--" + boundary.encode("ascii", "replace")
    at = _delimiter_at(raw, delim, 0)
    while at != -1:
        if raw[at + len(delim):at + len(delim) + 2] == b"--":
            return None  # the closing delimiter
        line_end = raw.find(b"\n", at)
        if line_end == -1:
            return None
        start = line_end + 1
        end = head_end(raw[start:start + MAX_HEAD_READ])
        if end is None:
            return None
        head = raw[start:start + end[1]].lower()
        following = _delimiter_at(raw, delim, start + end[1])
        if b"message/rfc822" in head:
            stop = len(raw) if following == -1 else following
            # The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
            if raw[stop - 2:stop] == b"\r\n":
                stop -= 2
            elif raw[stop - 1:stop] == b"\n":
                stop -= 1
            body = raw[start + end[1]:stop]
            # Some gateways re-encode the attached message (RFC 2046 forbids it; it happens).
            if b"base64" in head:
                body = binascii.a2b_base64(body)
            elif b"quoted-printable" in head:
                body = quopri.decodestring(body)
            return body if body.strip() else None
        at = following
    return None


def _attached_original(report: Message) -> bytes | None:
    for part in report.walk():
        if part.get_content_type() != "message/rfc822":
            continue
        payload = part.get_payload()
        if isinstance(payload, list) and payload:
            inner = payload[0]
            if isinstance(inner, Message):
                return inner.as_bytes(policy=email_policy.compat32)
        decoded = part.get_payload(decode=True)
        if isinstance(decoded, bytes) and decoded.strip():
            return decoded  # a base64-encoded attachment (some gateways re-encode it)
    return None


def _envelope(report: Message) -> list[str]:
    for part in report.walk():
        if part.get_content_type() == "text/plain":
            body = part.get_payload(decode=True)
            if not isinstance(body, bytes):
                return []
            text = body[:200_000].decode("utf-8", "replace")
            found: list[str] = []
            for name, value in _ENVELOPE_LINE.findall(text):
                if name.lower() in ("sender", "on-behalf-of"):
                    continue
                for address in _ADDRESS.findall(value):
                    address = address.lower().rstrip(".")
                    if address not in found:
                        found.append(address)
            return found
    return []


def unwrap(raw: bytes) -> Copy:
    """The message a monitoring copy carries: the original inside a journal report, else
    the copy itself. Never raises: a report that cannot be unwrapped is checked whole."""
    if not is_journal_report(raw):
        return Copy(raw=raw)
    try:
        report = email.message_from_bytes(raw, policy=email_policy.compat32)
        original = _exact_original(raw, report.get_boundary()) or _attached_original(report)
        recipients = _envelope(report)
    except Exception:  # noqa: BLE001 - malformed MIME: check the report as it is
        return Copy(raw=raw, journal_report=True,
                    note="the journal report could not be read; it was checked whole")
    if original is None:
        return Copy(raw=raw, journal_report=True, envelope_recipients=recipients,
                    note="the journal report carried no original message; it was "
                         "checked whole")
    return Copy(raw=original, journal_report=True, envelope_recipients=recipients)


def is_private(raw: bytes, subject: str, markers: list[str]) -> bool:
    """Whether the sender marked the message private or personal: a `Sensitivity: Private`
    (or Personal) header, or one of the school's subject markers."""
    sensitivity = head_value(raw, "Sensitivity").lower()
    if sensitivity in PRIVATE_SENSITIVITIES:
        return True
    lowered = subject.lower()
    return any(marker in lowered for marker in markers)
