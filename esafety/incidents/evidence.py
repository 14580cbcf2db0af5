"""Evidence files: checking what they really are, storing them, hashing them, reading emails.

Files live under settings.MEDIA_ROOT/incidents/ and are only ever served by a view that
has checked access. A file is accepted only when its bytes agree with its name.
"""

from __future__ import annotations

import email
import email.header
import email.policy
import email.utils
import hashlib
import html
import logging
import os
import re
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings

from esafety.errors import InvalidInput
from esafety.incidents import rules

if TYPE_CHECKING:  # the models use this module
    from esafety.incidents.models import Evidence, Incident

log = logging.getLogger(__name__)

CONTENT_TYPES = {"png": "image/png", "jpeg": "image/jpeg", "gif": "image/gif",
                 "webp": "image/webp", "pdf": "application/pdf", "email": "message/rfc822",
                 "text": "text/plain; charset=utf-8"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_text_item(*, kind: str, url: str = "", phone: str = "", text: str = "") -> str:
    """The hash of an item that is words, not a file."""
    from esafety.incidents.models import canonical_json

    return sha256_bytes(canonical_json({"kind": kind, "url": url, "phone": phone,
                                        "text": text}).encode("utf-8"))


def sniff(data: bytes) -> str | None:
    """What the bytes really are: png, jpeg, gif, webp, pdf, email, text, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"MZ") or data.startswith(b"\x7fELF") or b"\x00" in data[:8192]:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("latin-1")
        except UnicodeDecodeError:  # pragma: no cover - latin-1 decodes anything
            return None
    if _looks_like_email(text):
        return "email"
    return "text"


def _looks_like_email(text: str) -> bool:
    head = text.split("\n\n", 1)[0].split("\r\n\r\n", 1)[0]
    names = {line.split(":", 1)[0].strip().lower() for line in head.splitlines()
             if ":" in line and not line[:1].isspace()}
    return "from" in names and bool(names & {"date", "subject", "to", "received"})


def check_upload(*, kind: str, name: str, data: bytes) -> str:
    """Refuse anything oversized, empty, of the wrong type, or disguised. Returns the content type."""
    if kind not in rules.ALLOWED_FILES:
        raise InvalidInput("this kind of evidence is written, not uploaded", code="no-file-here")
    if not data:
        raise InvalidInput("the file is empty", code="empty-file")
    if len(data) > rules.MAX_EVIDENCE_BYTES:
        limit = rules.MAX_EVIDENCE_BYTES // (1024 * 1024)
        raise InvalidInput(f"the file is larger than {limit} MB", code="file-too-large")
    ext = Path(name or "").suffix.lower()
    allowed = rules.ALLOWED_FILES[kind]
    if ext not in allowed:
        raise InvalidInput(f"a {rules.EVIDENCE_LABELS[kind].split(' (')[0].lower()} must be one of "
                           f"{', '.join(sorted(allowed))}, not {ext or 'a file with no extension'}",
                           code="wrong-file-type")
    actual = sniff(data)
    expected = allowed[ext]
    # A text log may legitimately contain lines that look like headers.
    if actual != expected and not (expected == "text" and actual == "email"):
        raise InvalidInput(f"{name} is named {ext} but its contents are not "
                           f"{'an email' if expected == 'email' else expected.upper()}: "
                           "it was refused", code="disguised-file")
    return CONTENT_TYPES[expected]


def store(*, incident: Incident, name: str, data: bytes) -> str:
    """Write the bytes once under MEDIA_ROOT and return the path relative to it."""
    ext = Path(name).suffix.lower()
    relative = Path("incidents") / str(incident.school_id) / str(incident.pk) / f"{uuid.uuid4().hex}{ext}"
    target = Path(settings.MEDIA_ROOT) / relative
    from esafety.web import filemodes

    # Private from the first byte: folders 0750, the file 0600 while written, then 0440.
    filemodes.private_dir(target.parent)
    with open(target, "xb", opener=lambda path, flags: os.open(path, flags, 0o600)) as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    target.chmod(0o440)
    return str(relative)


def remove_unsaved(relative: str) -> None:
    """Undo a write when the transaction that would have recorded it failed."""
    try:
        path = Path(settings.MEDIA_ROOT) / relative
        path.chmod(0o640)
        path.unlink()
    except FileNotFoundError:
        pass


# --- images in a case that may not keep them (000 §2) --------------------------------------

IMAGE_REMOVED_REASON = ("Removed from esafety when the case became a report about nude or "
                        "sexual images of a child: such images are never kept or passed on "
                        "(000 §2). Its details and SHA-256 are kept.")


def may_hold_an_image(item: Evidence) -> bool:
    """Whether a stored file could contain a picture: images, PDFs, and emails with any part
    that is not plain text. Plain text files and plain-text emails cannot."""
    content_type = (item.content_type or "").split(";", 1)[0].strip().lower()
    if content_type == "text/plain":
        return False
    if content_type != "message/rfc822":
        return True
    try:
        message = email.message_from_bytes(item.absolute_path().read_bytes(),
                                           policy=email.policy.compat32)
        return any(part.get_content_type() != "text/plain" for part in _leaves(message, []))
    except Exception:  # noqa: BLE001 - when in doubt, it may hold one
        return True


def removed_image_ids(incident: Incident | int) -> set[int]:
    """Evidence items whose file was removed because the case (or case id) may keep no images."""
    from esafety.incidents.models import IncidentEvent

    return {event.data.get("evidence") for event in
            IncidentEvent.objects.filter(incident=incident, kind="image_removed").only("data")}


def delete_stored(relative: str) -> bool:
    """Delete a stored file for good (after the removal is recorded). False if it failed."""
    path = Path(settings.MEDIA_ROOT) / relative
    try:
        path.chmod(0o640)
        path.unlink()
    except FileNotFoundError:
        return True
    except OSError:
        log.exception("could not delete %s", relative)
        return False
    return True


HEADERS_SHOWN = ["From", "Sender", "Reply-To", "Return-Path", "To", "Cc", "Date", "Subject",
                 "Message-ID"]
# What one evidence email may put on a page: enough to investigate, never enough to make
# the page (or its PDF) slow or huge. The original file is kept whole and can be downloaded.
MAX_HEADER_CHARS = 2000
MAX_RECEIVED = 100
MAX_BODY_CHARS = 200_000
MAX_ATTACHMENTS = 200
MAX_PARTS = 1000
MAX_DEPTH = 20
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_FOLD = re.compile(r"\r?\n[ \t]*")
_LINE_BREAKS = frozenset({"br", "p", "/p", "div", "/div", "/tr", "li", "/h1", "/h2", "/h3"})
_SCRIPT_END = re.compile(r"</(?:script|style)\s*>", re.IGNORECASE)


def _printable(text: str, limit: int) -> str:
    """Text that any page, PDF or database can hold: no lone surrogates, no control codes."""
    text = text.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    text = _CONTROL.sub("\ufffd", text)
    if len(text) > limit:
        text = f"{text[:limit]}… ({len(text) - limit:,} more characters in the original file)"
    return text


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes in the charset they claim, else UTF-8, else Latin-1 (which reads anything)."""
    for candidate in (charset, "utf-8"):
        if candidate and candidate.lower() != "unknown-8bit":
            try:
                return data.decode(candidate)
            except (LookupError, UnicodeDecodeError, ValueError):
                continue
    return data.decode("latin-1")


def _header_text(value) -> str:
    """A header as a person would read it: encoded words decoded where they can be."""
    try:
        text = "".join(chunk if isinstance(chunk, str) else _decode_bytes(chunk, charset)
                       for chunk, charset in email.header.decode_header(value))
    except Exception:  # noqa: BLE001 - any malformed header is shown as it was written
        text = value if isinstance(value, str) else ""
    return _printable(_FOLD.sub(" ", text).strip(), MAX_HEADER_CHARS)


def _date_text(value: str) -> str:
    try:
        email.utils.parsedate_to_datetime(str(value))
    except Exception:  # noqa: BLE001
        return f"{value} (not a valid date)"
    return value


def _leaves(message, notes: list[str]):
    """Every non-multipart part, depth first, without recursion and within limits."""
    stack = [(message, 0)]
    seen = 0
    while stack:
        part, depth = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            notes.append(f"It has more than {MAX_PARTS} parts; the rest were not read.")
            return
        payload = part.get_payload()
        if part.is_multipart() and isinstance(payload, list):
            if depth >= MAX_DEPTH:
                notes.append("Its parts are nested too deeply; the deepest were not read.")
                continue
            stack.extend((child, depth + 1) for child in reversed(payload))
        else:
            yield part


def _part_text(part, notes: list[str]) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        data = None
    if not isinstance(data, bytes):
        raw = part.get_payload()
        data = raw.encode("utf-8", "surrogateescape") if isinstance(raw, str) else b""
    try:
        charset = part.get_content_charset() or "utf-8"
    except Exception:  # noqa: BLE001
        charset = "utf-8"
    try:
        return data.decode(charset)
    except (LookupError, UnicodeDecodeError, ValueError):
        notes.append(f"Its text is not valid {charset[:40]!r}; it is shown as best it can be.")
        return data.decode("utf-8", "replace")


def html_to_text(html_text: str) -> str:
    """Tags removed in one pass (linear time, whatever the input); entities decoded."""
    out = []
    position = 0
    while True:
        start = html_text.find("<", position)
        if start < 0:
            out.append(html_text[position:])
            break
        out.append(html_text[position:start])
        end = html_text.find(">", start)
        if end < 0:
            out.append(html_text[start:])
            break
        tag = html_text[start + 1:min(end, start + 12)].strip().lower()
        name = tag.split(None, 1)[0].rstrip("/") if tag else ""
        if name in ("script", "style"):
            close = _SCRIPT_END.search(html_text, end)
            if close is None:
                break
            end = close.end() - 1
        elif name in _LINE_BREAKS:
            out.append("\n")
        position = end + 1
    return html.unescape("".join(out))


def _filename(part) -> str:
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if name:
        return _header_text(name)
    return "(unnamed)"


def read_email(data: bytes) -> dict:
    """The headers an investigator needs (sender first), the text, and attachment names.

    Never raises: an email that is malformed in any way (bad headers, unknown encodings,
    impossible dates, truncated parts) is shown as best it can be, with a note saying what
    could not be read. The original file is always kept unchanged.
    """
    notes: list[str] = []
    try:
        # compat32 reads headers as plain text; the default policy's parsers raise on
        # malformed Message-ID or address headers.
        message = email.message_from_bytes(data, policy=email.policy.compat32)
    except Exception:  # noqa: BLE001
        head = data[:MAX_HEADER_CHARS * 10].decode("utf-8", "replace")
        return {"sender": "", "headers": [], "received": [], "attachments": [],
                "body": _printable(head, MAX_BODY_CHARS),
                "notes": ["This email could not be read as an email; its start is shown as "
                          "plain text. Download the original file to see all of it."]}
    headers = []
    for name in HEADERS_SHOWN:
        for value in (message.get_all(name) or [])[:5]:
            text = _header_text(value)
            headers.append((name, _date_text(text) if name == "Date" else text))
    received_all = message.get_all("Received") or []
    received = [_header_text(v) for v in received_all[:MAX_RECEIVED]]
    if len(received_all) > MAX_RECEIVED:
        notes.append(f"It has {len(received_all)} Received headers; the first "
                     f"{MAX_RECEIVED} are shown.")
    body, html_body = None, None
    attachments: list[dict[str, Any]] = []
    defects = bool(message.defects)
    for part in _leaves(message, notes):
        defects = defects or bool(part.defects)
        try:
            content_type = part.get_content_type()
            disposition = (part.get("Content-Disposition") or "")
            disposition = str(disposition).split(";", 1)[0].strip().lower()
        except Exception:  # noqa: BLE001
            content_type, disposition = "application/octet-stream", "attachment"
        is_text = content_type in ("text/plain", "text/html") and disposition != "attachment"
        if is_text and content_type == "text/plain" and body is None:
            body = _part_text(part, notes)
        elif is_text and content_type == "text/html" and html_body is None:
            html_body = _part_text(part, notes)
        else:
            if len(attachments) >= MAX_ATTACHMENTS:
                notes.append(f"It has more than {MAX_ATTACHMENTS} attachments; the rest are "
                             "not listed.")
                break
            try:
                size = len(part.get_payload(decode=True) or b"")
            except Exception:  # noqa: BLE001
                size = 0
            attachments.append({"name": _filename(part), "type": _printable(content_type, 100),
                                "size": size})
    if body is None and html_body is not None:
        body = html_to_text(html_body)
    if defects:
        notes.append("This email is not well formed; it is shown as best it can be. The "
                     "original file is kept unchanged.")
    sender = dict(headers).get("From", "")
    return {"sender": sender, "headers": headers, "received": received,
            "body": _printable((body or "").strip(), MAX_BODY_CHARS),
            "attachments": attachments, "notes": list(dict.fromkeys(notes))}
