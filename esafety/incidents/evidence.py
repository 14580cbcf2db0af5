"""Evidence files: checking what they really are, storing them, hashing them, reading emails.

Files live under settings.MEDIA_ROOT/incidents/ and are only ever served by a view that
has checked access. A file is accepted only when its bytes agree with its name.
"""

import email
import email.policy
import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings
from django.utils.html import strip_tags

from esafety.errors import InvalidInput
from esafety.incidents import rules

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


def store(*, incident, name: str, data: bytes) -> str:
    """Write the bytes once under MEDIA_ROOT and return the path relative to it."""
    ext = Path(name).suffix.lower()
    relative = Path("incidents") / str(incident.school_id) / str(incident.pk) / f"{uuid.uuid4().hex}{ext}"
    target = Path(settings.MEDIA_ROOT) / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as fh:
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


HEADERS_SHOWN = ["From", "Sender", "Reply-To", "Return-Path", "To", "Cc", "Date", "Subject",
                 "Message-ID"]


def read_email(data: bytes) -> dict:
    """The headers an investigator needs (sender first), the text, and attachment names."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    headers = [(name, str(message.get(name))) for name in HEADERS_SHOWN if message.get(name)]
    received = [str(v) for v in message.get_all("Received") or []]
    body = ""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
        if part is not None:
            body = part.get_content()
            if part.get_content_type() == "text/html":
                body = strip_tags(body)
    except (KeyError, LookupError):
        body = ""
    attachments = []
    for part in message.iter_attachments():
        payload = part.get_payload(decode=True) or b""
        attachments.append({"name": part.get_filename() or "(unnamed)",
                            "type": part.get_content_type(), "size": len(payload)})
    return {"sender": str(message.get("From", "")), "headers": headers, "received": received,
            "body": body.strip(), "attachments": attachments}
