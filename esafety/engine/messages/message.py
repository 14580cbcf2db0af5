"""Read one RFC 822 message into what the rules look at, whatever state it is in.

Never raises on bad input (malformed MIME, lying charsets, 8-bit headers, deep nesting,
huge attachments, binary junk): what cannot be read is recorded in `notes`, and the
checker reports it under `message.unreadable`. Only an empty input is refused.
"""

import base64
import binascii
import codecs
import email.header
import email.utils
import functools
import html
import io
import re
import zipfile
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from email.policy import compat32
from typing import cast

MAX_DEPTH = 60  # deeper MIME trees are not walked further (noted)
MAX_PARTS = 500
MAX_TEXT = 200_000  # characters of text kept per message
MAX_ZIP_INSPECT = 20 * 1024 * 1024  # archives larger than this are not opened
MAX_TEXT_ATTACHMENT = 2 * 1024 * 1024
# Headers beyond this many bytes are not read (noted): real header blocks are a few KB, a
# To: line with 10,000 addresses about 250 KB. Parsing headers costs tens of bytes of memory
# per byte (a string per line and per word), so a hostile 16 MB header is cut first.
MAX_HEAD = 256 * 1024
MAX_SUBJECT = 4000  # characters of a Subject read (the rules need a line, not a book)
MAX_OTHER_HEADER = 2000  # characters read of the other headers the rules look at

_SPACES = re.compile(r"[ \t\r\f\v]+")
_DOUBLE_SPACES = re.compile("  +")
_REPLY = re.compile(r"^\s*(re|aw|sv|antw)\s*(\[\d+\])?\s*:", re.I)
_FORWARD = re.compile(r"^\s*(fwd?|fw|tr|wg)\s*:", re.I)


class EmptyMessage(ValueError):
    code = "empty-message"


@dataclass
class Attachment:
    name: str
    content_type: str
    size: int
    inner_names: list[str] = field(default_factory=list)  # files inside an archive
    text: str = ""  # decoded text of small text/csv attachments


@dataclass
class ParsedMessage:
    sender: tuple[str, str] | None = None  # (display name, address)
    to: list[tuple[str, str]] = field(default_factory=list)
    cc: list[tuple[str, str]] = field(default_factory=list)
    bcc: list[tuple[str, str]] = field(default_factory=list)
    subject: str = ""
    body: str = ""
    attachments: list[Attachment] = field(default_factory=list)
    is_reply: bool = False
    is_forward: bool = False
    headers: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    # A draft pasted without headers has no recipients: who the writer says it is going to
    # (one of DRAFT_AUDIENCES, or "" when they did not say). None for a message with headers.
    draft_audience: str | None = None

    @property
    def visible_recipients(self) -> list[tuple[str, str]]:
        return self.to + self.cc

    @property
    def recipients(self) -> list[tuple[str, str]]:
        seen, out = set(), []
        for name, address in self.to + self.cc + self.bcc:
            if address not in seen:
                seen.add(address)
                out.append((name, address))
        return out

    @property
    def sender_address(self) -> str:
        return self.sender[1] if self.sender else ""


def header_text(value) -> str:
    """A header value as readable text (RFC 2047 words decoded, bad bytes replaced)."""
    if type(value) is str and value.isascii() and "=?" not in value:
        return " ".join(value.split())  # (most values: what the steps below give them)
    if value is None:
        return ""
    if isinstance(value, email.header.Header):
        # 8-bit bytes in a header come back as an "unknown-8bit" Header: recover the bytes.
        try:
            return " ".join("".join(
                _bytes_text(p, c) if isinstance(p, bytes) else p
                for p, c in email.header.decode_header(value)).split())
        except Exception:  # noqa: BLE001 - a broken header must not stop the check
            value = str(value)
    text = str(value)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            # 8-bit bytes in a header: the parser kept them as surrogates; read them as UTF-8.
            text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if "=?" in text:
        try:
            parts = email.header.decode_header(text)
            text = "".join(_bytes_text(p, c) if isinstance(p, bytes) else p for p, c in parts)
        except Exception:  # noqa: BLE001
            pass
    return " ".join(text.split())


def _bytes_text(data: bytes, charset: str | None) -> str:
    for candidate in filter(None, (_charset(charset), "utf-8")):
        try:
            return data.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    return data.decode("latin-1")


def _charset(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name.strip().strip('"').lower()).name
    except (LookupError, ValueError):
        return None


# The plainest address forms, 'Name <a.b@c.d>', '"Name" <a.b@c.d>', 'a.b@c.d (Name)' and
# 'a.b@c.d', which email.utils parses character by character; anything else (escapes,
# nested comments, groups, several addresses) still goes to email.utils, with the same
# results (checked against it on every SpamAssassin header).
_ADDR_SPEC = r"([A-Za-z0-9_%+\-]+(?:\.[A-Za-z0-9_%+\-]+)*@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*)"
_PLAIN_ADDRESS = re.compile(
    r"(?:([A-Za-z0-9'\-]+(?: [A-Za-z0-9'\-]+)*) ?<" + _ADDR_SPEC + ">"
    r'|"([^"\\\r\n]*)" ?<' + _ADDR_SPEC + ">"
    r"|" + _ADDR_SPEC + r"(?: \(([^()\\\r\n]*)\))?)")


def _plain_addresses(values: list[str]) -> list[tuple[str, str]] | None:
    """The addresses of headers written in the plain forms, or None for anything else.

    A comma can only be part of an address inside quotes or a comment, so a header without
    either is a list split at its commas ("a@b, Name <c@d>").
    """
    pairs = []
    for value in values:
        pieces = value.split(",") if "," in value and '"' not in value and "(" not in value \
            else (value,)
        for piece in pieces:
            match = _PLAIN_ADDRESS.fullmatch(piece.strip())
            if match is None:
                return None
            name1, addr1, name2, addr2, addr3, name3 = match.groups()
            if addr1:
                pairs.append((name1, addr1))
            elif addr2:
                pairs.append((name2, addr2))
            else:
                pairs.append((name3 or "", addr3))
    return pairs


def _addresses(raw_values: list | None) -> list[tuple[str, str]]:
    """The (display name, lower-case address) pairs of a header's values (None: no header)."""
    if not raw_values:
        return []
    values = [header_text(v) for v in raw_values]  # (within MAX_HEAD: see _limit_head)
    out = []
    pairs = _plain_addresses(values)
    if pairs is None:
        try:
            pairs = email.utils.getaddresses(values)
        except Exception:  # noqa: BLE001
            pairs = []
    for display, address in pairs:
        address = address.strip().strip("<>").lower()
        if "@" in address and " " not in address:
            out.append((display.strip(), address))
    return out


def decode_text(payload: bytes, declared: str | None, notes: list[str], where: str) -> str:
    charset = _charset(declared)
    if declared and not charset:
        notes.append(f"{where}: unknown character set {declared[:40]!r}, read as UTF-8")
    for candidate in filter(None, (charset, "utf-8")):
        try:
            return payload.decode(candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    if charset and declared:  # (a charset is only ever found from a declared one)
        notes.append(f"{where}: text is not valid {declared[:40]!r}; read as Latin-1")
    return payload.decode("latin-1")


def squeeze_spaces(text: str) -> str:
    """_SPACES.sub(" ", text): every run of spaces, tabs, CRs, vertical tabs and form feeds
    made one space (newlines kept).

    The regex tries every character of the body; C-level replace of the rare characters
    and a regex with a literal prefix (which sre finds quickly) do the same work in about
    a seventh of the time.
    """
    for char in "\t\r\f\v":
        if char in text:
            text = text.replace(char, " ")
    if "  " in text:
        text = _DOUBLE_SPACES.sub(" ", text)
    return text


# Markup is "<" then a comment ("!--"), a tag name, "/", "!" or "?"; anything else after "<"
# is text ("a < b"). A tag ends at the first ">" after it. Comments and <script>/<style>
# elements (the only markup that hides what follows it) are "hard": read one by one below.
# Everything else is read by regexes in C, one step per stretch of text between hard markup.
_NAME_END = r"(?![A-Za-z0-9:-])"  # (a tag name is [A-Za-z][A-Za-z0-9:-]*)
_RAW_TEXT_NAME = r"(?:[Ss][Cc][Rr][Ii][Pp][Tt]|[Ss][Tt][Yy][Ll][Ee])" + _NAME_END
_HARD_MARKUP = r"<(?:!--|" + _RAW_TEXT_NAME + ")"
_SIMPLE_TAG = r"<(?:[/?]|!(?!--)|(?!" + _RAW_TEXT_NAME + r")[A-Za-z])[^>]*>"
_TAG = re.compile(_SIMPLE_TAG)
# Text and simple tags up to the next hard markup (or the end). Used only where every tag
# has a ">" after it, so no attempt scans to the end of the text and fails.
_STRETCH = re.compile(r"(?:[^<]++|" + _SIMPLE_TAG + r"|<(?!" + _HARD_MARKUP[1:] + r"))*+")
_UNCLOSED = re.compile(r"<(?=[!/?A-Za-z])")  # markup after the last ">": never closed
_NOT_MARKUP = re.compile(r"<(?![!/?A-Za-z])")
_RAW_TEXT_END = {"script": re.compile(r"</script(?![A-Za-z0-9:-])", re.I),
                 "style": re.compile(r"</style(?![A-Za-z0-9:-])", re.I)}


class _NextMatch:
    """The first match of `pattern` at or after a position, for positions that only grow.

    A search that found nothing is remembered, and so is a match still ahead, so each
    character is scanned at most once however many times this is asked (a new search
    only starts after the previous match): this keeps html_to_text linear on input such
    as "<!--" or "<script>" repeated, where each would otherwise scan to the end.
    """

    __slots__ = ("text", "pattern", "found", "end")

    def __init__(self, text: str, pattern):
        self.text, self.pattern = text, pattern
        self.found, self.end = -2, -2  # (start, end) of the last match; -1: none left

    def at_or_after(self, pos: int) -> tuple[int, int]:
        if self.found == -1 or self.found >= pos:
            return self.found, self.end
        if isinstance(self.pattern, str):
            start = self.text.find(self.pattern, pos)
            self.found, self.end = start, (start + len(self.pattern) if start != -1 else -1)
        else:
            match = self.pattern.search(self.text, pos)
            self.found, self.end = (match.start(), match.end()) if match else (-1, -1)
        return self.found, self.end


def html_to_text(text: str) -> str:
    """The text of an HTML body, tags replaced by a space, entities decoded, in time
    linear in the length of `text` (whatever it holds).

    Comments, <script> and <style> are dropped. Markup that never ends ("<b" with no
    ">" after it, "<script>" with no "</script>") is read as text, so nothing a mail
    program might show is hidden from the checker. (lxml/libxml2 was tried: it stops
    reading at a nesting depth of 256 and drops the rest, which would let a sender hide
    words behind 300 "<div>"s; the old regex was quadratic on "<script>" repeated.)

    Read left to right: markup is replaced by a space and reading goes on after its end
    (a tag: the first ">" after it; a comment: the first "-->" after "<!--", or if none
    the first ">"; <script>/<style>: the first ">" at or after the first "</script" or
    "</style" after the tag, or if none the tag alone; with no ">" after that the rest is
    dropped); markup that never ends leaves its "<" as text and reading goes on after it.
    Each character is scanned a bounded number of times: the regexes only run before the
    last ">" (where every tag ends), and each search for a closing "-->", "</script" or
    "</style" remembers what it found (_NextMatch).
    """
    if "<" not in text:
        return html.unescape(text) if "&" in text else text
    closed = text.rfind(">") + 1  # markup that starts before this has a ">" after it
    out: list[str] = []
    pos = 0
    close_comment: _NextMatch | None = None
    raw_text_end: dict[str, _NextMatch] = {}
    while pos < closed:
        stretch = _STRETCH.match(text, pos, closed)  # (always matches, maybe nothing)
        stop = stretch.end() if stretch else pos
        if stop > pos:
            out.append(_TAG.sub(" ", text[pos:stop]))
        if stop >= closed:
            pos = stop
            break
        # Hard markup at `stop` (its closing ">" is at most at closed - 1).
        out.append(" ")
        if text.startswith("<!--", stop):
            if close_comment is None:
                close_comment = _NextMatch(text, "-->")
            end = close_comment.at_or_after(stop + 4)[1]
            if end == -1:
                end = text.find(">", stop + 4) + 1
        else:
            name = "script" if text[stop + 2] in "Cc" else "style"
            end = text.find(">", stop + 1 + len(name)) + 1
            if name not in raw_text_end:
                raw_text_end[name] = _NextMatch(text, _RAW_TEXT_END[name])
            found = raw_text_end[name].at_or_after(end)[0]
            if found != -1:
                end = text.find(">", found) + 1
                if end == 0:  # "</script" and no ">" after it: the rest is script
                    return html.unescape("".join(out))
        pos = end
    # After the last ">" no markup ends: each "<" of markup is kept as text, after a space.
    # (When every "<" there starts markup, as in "<!--" repeated, a C-level replace does
    # it without making a string per piece.)
    rest = text[pos:]
    out.append(_UNCLOSED.sub(" <", rest) if _NOT_MARKUP.search(rest) else rest.replace("<", " <"))
    return html.unescape("".join(out))


def _payload_bytes(part: Message, notes: list[str], where: str) -> bytes:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if not isinstance(payload, bytes):  # (decode=True gives bytes or None)
        raw = part.get_payload()
        if isinstance(raw, str):
            notes.append(f"{where}: content could not be decoded")
            return raw.encode("utf-8", "surrogateescape")
        return b""
    return payload


def _estimated_size(part: Message) -> int:
    if isinstance(part, _LeanPart):
        return part.estimated_size()
    raw = part.get_payload()
    if not isinstance(raw, str):
        return 0
    cte = str(part.get("content-transfer-encoding", "")).strip().lower()
    if cte == "base64":
        return (len(raw) - raw.count("\n") - raw.count("\r")) * 3 // 4
    return len(raw)


def _archive_names(part: Message, notes: list[str], where: str, size: int) -> list[str]:
    if size > MAX_ZIP_INSPECT:
        notes.append(f"{where}: archive too large to look inside")
        return []
    try:
        raw = part.get_payload()
        data = base64.b64decode(raw) if isinstance(raw, str) else b""
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return [n for n in archive.namelist()[:1000]]
    except (zipfile.BadZipFile, binascii.Error, ValueError, OSError, RuntimeError):
        notes.append(f"{where}: archive could not be opened")
        return []


def _walk(msg: Message, notes: list[str]):
    """(part, depth) for every leaf, iteratively, with depth and count limits."""
    stack = [(msg, 0)]
    count = 0
    warned = False
    while stack:
        part, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            notes.append(f"more than {MAX_PARTS} parts; the rest were not read")
            return
        if part.is_multipart():
            children = part.get_payload()
            if not isinstance(children, list):
                continue
            if depth >= MAX_DEPTH:
                if not warned:
                    notes.append(f"parts nested more than {MAX_DEPTH} deep were not read")
                    warned = True
                continue
            # A multipart's payload is a list of Message objects (the stubs allow str; a cast,
            # not an ignore, because mypy's verdict on this line has differed between runs).
            stack.extend((cast(Message, child), depth + 1) for child in reversed(children))
        else:
            yield part, depth


def _filename(part: Message) -> str:
    name: str | tuple[str | None, str | None, str] | None = None
    try:
        name = part.get_filename()
    except Exception:  # noqa: BLE001
        name = None
    if not name:
        try:
            name = part.get_param("name")
        except Exception:  # noqa: BLE001
            name = None
    if isinstance(name, tuple):  # RFC 2231 (charset, language, value)
        name = email.utils.collapse_rfc2231_value(name)
    return header_text(name) if name else ""


_HEADER_KEYS = ("message-id", "in-reply-to", "references", "reply-to", "x-forwarded-for",
                "x-forwarded-to", "resent-from", "resent-to", "auto-submitted", "list-id",
                "precedence", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list",
                "x-beenthere", "sender", "return-path", "to")


# Every field _fast_parse and _fill_headers look at.
_FAST_FIELDS = frozenset({"content-type", "content-disposition", "content-transfer-encoding",
                          "from", "sender", "to", "cc", "bcc", "subject", *_HEADER_KEYS})


def _head_of(value, limit: int):
    """The first `limit` characters of a header value (a Header object is left whole: the
    parser makes those only for short 8-bit values)."""
    return value[:limit] if isinstance(value, str) else value


def _fields_of(msg: Message) -> dict[str, list]:
    """{name: msg.get_all(name)} for the _FAST_FIELDS msg has, in one pass over its headers
    (get_all reads every header each time it is asked, and _fill_headers asks 25 times)."""
    fields: dict[str, list] = {}
    fetch = msg.policy.header_fetch_parse
    for name, value in msg.raw_items():
        key = name.lower()
        if key in _FAST_FIELDS:
            fields.setdefault(key, []).append(fetch(name, value))
    return fields


def _fill_headers(out: ParsedMessage, fields: dict[str, list]) -> None:
    """Sender, recipients, subject and the _HEADER_KEYS of a message from `fields`,
    {lower-case name: its values in order} (a name with no value is left out)."""
    get = fields.get
    senders = _addresses(get("from")) or _addresses(get("sender"))
    out.sender = senders[0] if senders else None
    out.to = _addresses(get("to"))
    out.cc = _addresses(get("cc"))
    out.bcc = _addresses(get("bcc"))
    subjects = get("subject")
    out.subject = header_text(_head_of(subjects[0], MAX_SUBJECT)) if subjects else ""
    for key in _HEADER_KEYS:
        values = get(key)
        if values:
            out.headers[key] = header_text(_head_of(values[0], MAX_OTHER_HEADER))[:500]
    out.is_reply = bool(_REPLY.match(out.subject) or "in-reply-to" in out.headers)
    out.is_forward = bool(_FORWARD.match(out.subject) or "resent-from" in out.headers
                          or "x-forwarded-for" in out.headers)


_HEAD_END = re.compile(rb"\r?\n\r?\n")


def head_end(raw: bytes) -> tuple[int, int] | None:
    """(start, end) of _HEAD_END.search(raw), the blank line after the headers, or None.

    The regex tries every byte of the headers (a few KB); C-level finds do not.
    The earliest match has its first newline at the earliest "\\n\\n" or "\\n\\r\\n",
    and starts one byte earlier when a CR comes before it.
    """
    newline = raw.find(b"\n\n")
    stop = len(raw) if newline == -1 else newline + 2
    # (Most headers have no CR: one scan for it is cheaper than a search for "\n\r\n",
    # which stops at every line break.)
    crlf = raw.find(b"\n\r\n", 0, stop) if raw.find(b"\r", 0, stop) != -1 else -1
    if crlf != -1:
        first, end = crlf, crlf + 3
    elif newline != -1:
        first, end = newline, newline + 2
    else:
        return None
    start = first - 1 if first and raw[first - 1] == 13 else first  # 13: "\r"
    return start, end


_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:(.*)$", re.S)
_PARAM = re.compile(r";\s*charset\s*=\s*\"?([^\";\s]+)", re.I)


def header_fields_by_line(head: str) -> dict[str, list[str]] | None:
    """{lower-case name: values} of a header block, or None if a line is not a header
    field (or a continuation, or a leading mbox "From " line)."""
    fields: dict[str, list[str]] = {}
    last = None
    for line in head.splitlines():
        if line[:1] in (" ", "\t"):
            if last is None:
                return None
            fields[last][-1] += line
            continue
        if line.startswith("From ") and last is None:
            continue  # mbox separator line
        match = _FIELD.match(line)
        if not match:
            return None
        last = match.group(1).lower()
        fields.setdefault(last, []).append(match.group(2).strip())
    return fields


# header_fields_by_line for a block whose only line break is "\n", in two C-level passes:
# one regex checks every line, the other reads each field with its continuation lines.
_NAME = r"[!-9;-~]+[ \t]*:"
_HEAD_LINES = re.compile(_NAME + r"[^\n]*(?:\n(?:[ \t]|" + _NAME + r")[^\n]*)*")
_HEAD_FIELD = re.compile(r"^([!-9;-~]+)[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.M)
_OTHER_LINE_BREAKS = ("\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e")  # what splitlines() also splits at


_NAME_ONLY = re.compile(r"[!-9;-~]+")


@functools.lru_cache(maxsize=8)
def _named_field(names: frozenset[str]) -> re.Pattern | None:
    """_HEAD_FIELD for only the fields named in `names` (in any case, as `name.lower() in
    names` reads them), for a block with a "\n" put before it; None when no field can have
    one of those names.

    The match starts at a line break, not at "^" in MULTILINE mode, so that the regex
    engine finds the next line in C instead of trying every character, and a line whose
    first character starts no name (a Received:, a continuation) fails at once.
    """
    usable = sorted((name for name in names if name == name.lower() and _NAME_ONLY.fullmatch(name)),
                    key=lambda name: (-len(name), name))
    if not usable:
        return None
    first = re.escape("".join(sorted({name[0] for name in usable})))
    return re.compile(r"\n(?=[" + first + "])(" + "|".join(map(re.escape, usable)) +
                      r")[ \t]*:([^\n]*(?:\n[ \t][^\n]*)*)", re.I | re.A)


def header_fields(head: str, names: frozenset[str] | None = None) -> dict[str, list[str]] | None:
    """header_fields_by_line(head), only the fields in `names` if given; None when the
    block is not a header block or has no field.

    Two regex passes read a usual block instead of a Python step per line, and with
    `names` the fields nobody looks at (Received, X-…) are skipped before any work.
    """
    lines = head.replace("\r\n", "\n") if "\r" in head else head
    if any(char in lines for char in _OTHER_LINE_BREAKS):
        by_line = header_fields_by_line(head)
        if not by_line or names is None:
            return by_line or None
        return {name: values for name, values in by_line.items() if name in names}
    if lines.endswith("\n"):
        # splitlines() gives no empty line after the last line break.
        lines = lines[:-1]
    if lines.startswith("\n") or lines.endswith("\n") or "\n\n" in lines:
        return None  # an empty line is not a header field
    while lines.startswith("From "):  # mbox separator lines
        lines = lines.partition("\n")[2]
    if not lines or not _HEAD_LINES.fullmatch(lines):
        return None
    fields: dict[str, list[str]] = {}
    if names is None:
        pattern = _HEAD_FIELD
    else:
        # Only the fields asked for are matched: the others (most of a header block:
        # Received, X-…) are skipped inside the regex engine.
        named = _named_field(names)
        if named is None:
            return fields
        pattern = named
    for name, value in pattern.findall("\n" + lines if names is not None else lines):
        name = name.lower()
        first, _, rest = value.partition("\n")
        # Continuation lines are joined as they are (without the line break).
        value = first.strip() + rest.replace("\n", "") if rest else first.strip()
        fields.setdefault(name, []).append(value)
    return fields


def _fast_parse(raw: bytes, blank: tuple[int, int] | None) -> ParsedMessage | None:
    """Single-part text mail (most mail) without the email package's line-by-line parser.

    Returns None whenever the message is anything else (multipart, not text, irregular
    headers): the full parser then reads it and notes any defects. `blank` is head_end(raw).
    """
    if blank is None:
        return None
    fields = header_fields(raw[: blank[0]].decode("ascii", "surrogateescape"), _FAST_FIELDS)
    if fields is None:
        return None
    ctype = (fields.get("content-type") or ["text/plain"])[0]
    kind = ctype.split(";", 1)[0].strip().lower() or "text/plain"
    if kind not in ("text/plain", "text/html") or len(fields.get("content-type", ())) > 1:
        return None
    disposition = (fields.get("content-disposition") or [""])[0].lower()
    if disposition.startswith("attachment"):
        return None
    out = ParsedMessage()
    _fill_headers(out, fields)
    body = raw[blank[1]:]
    cte = (fields.get("content-transfer-encoding") or [""])[0].strip().lower()
    where = "part 1"
    if cte == "base64":
        try:
            body = binascii.a2b_base64(body)
        except (binascii.Error, ValueError):
            return None
    elif cte == "quoted-printable":
        body = binascii.a2b_qp(body)
    charset = _PARAM.search(ctype)
    text = decode_text(body[: MAX_TEXT * 4], charset.group(1) if charset else None, out.notes,
                       where)
    if kind == "text/html":
        text = html_to_text(text)
    out.body = squeeze_spaces(text[:MAX_TEXT])
    return out


def _limit_head(raw: bytes, notes: list[str]) -> bytes:
    """`raw` with its header block cut to MAX_HEAD bytes (at a line break, and at the start
    of a header field when one is near), noted; `raw` itself when the headers are shorter."""
    blank = head_end(raw)
    if blank is not None and blank[0] <= MAX_HEAD:
        return raw
    if blank is None:
        # No blank line: the whole input is headers only if it starts like them.
        first = raw[:200].partition(b"\n")[0].decode("ascii", "replace")
        if len(raw) <= MAX_HEAD or not _FIELD.match(first):
            return raw
    cut = raw.rfind(b"\n", 0, MAX_HEAD)
    if cut <= 0:
        cut = MAX_HEAD
    line = cut
    for _ in range(2000):  # prefer the end of a whole field (not inside a folded one)
        if raw[line + 1: line + 2] not in (b" ", b"\t"):
            cut = line
            break
        line = raw.rfind(b"\n", 0, line)
        if line <= 0:
            break
    notes.append(f"the headers are longer than {MAX_HEAD // 1024} KB; only the first "
                 f"{MAX_HEAD // 1024} KB were read")
    return raw[:cut] + b"\n\n" + (raw[blank[1]:] if blank is not None else b"")


def _limit_parts(raw: bytes, notes: list[str]) -> bytes:
    """`raw` cut before its (2 * MAX_PARTS)th line starting with "--" (a MIME boundary), noted.

    The email package builds every part before _walk can stop at MAX_PARTS: 400,000 tiny
    parts took 7 s and 300 MB. Parts after the cut were never going to be read.
    """
    limit = 2 * MAX_PARTS
    if raw.count(b"\n--") <= limit:
        return raw
    pos = -1
    for _ in range(limit):
        pos = raw.find(b"\n--", pos + 1)
    notes.append(f"more than {MAX_PARTS} parts; the rest were not read")
    return raw[:pos + 1]


# ---------------------------------------------------------------- large messages

# Messages larger than this are split into their parts with bytes.find on the MIME
# boundaries instead of the email package, which keeps a string per line: 48 MB of short
# lines took 900 MB and 11 s. Each part's headers are still read by the email package
# (they are small); bodies are only decoded as far as the checker reads them.
LEAN_FROM = 2 * 1024 * 1024
_LEAN_DECODED = max(MAX_TEXT * 4, MAX_TEXT_ATTACHMENT)  # bytes of a body ever decoded


class _LeanPart:
    """One leaf of a large message: its headers (an email Message without a body) and
    where its body lies in the raw bytes. Answers what parse_message asks of a part."""

    def __init__(self, head: Message, raw: bytes, start: int, end: int):
        self.head, self.raw, self.start, self.end = head, raw, start, end

    def __getattr__(self, name):  # get_content_type, get, get_filename, get_param...
        return getattr(self.head, name)

    def is_multipart(self) -> bool:
        return False

    def _cte(self) -> str:
        return str(self.head.get("content-transfer-encoding", "")).strip().lower()

    def estimated_size(self) -> int:
        length = self.end - self.start
        if self._cte() == "base64":
            breaks = self.raw.count(b"\n", self.start, self.end) + \
                self.raw.count(b"\r", self.start, self.end)
            return (length - breaks) * 3 // 4
        return length

    def get_payload(self, decode: bool = False):
        cte = self._cte()
        if not decode:
            return self.raw[self.start:self.end].decode("ascii", "surrogateescape")
        # Only as much as the checker ever reads (_LEAN_DECODED bytes once decoded).
        grow = {"base64": 2, "quoted-printable": 3}.get(cte, 1)
        body = self.raw[self.start:min(self.end, self.start + _LEAN_DECODED * grow)]
        try:
            if cte == "base64":
                return binascii.a2b_base64(body)
            if cte == "quoted-printable":
                return binascii.a2b_qp(body)
        except (binascii.Error, ValueError):
            return None
        return body


def _head_at(raw: bytes, start: int, end: int) -> tuple[int, int] | None:
    """head_end() of the entity raw[start:end] as positions in raw, without copying it."""
    if raw.startswith(b"\n", start, end):
        return start, start + 1  # no headers
    if raw.startswith(b"\r\n", start, end):
        return start, start + 2
    newline = raw.find(b"\n\n", start, end)
    crlf = raw.find(b"\n\r\n", start, end if newline == -1 else newline + 2)
    if crlf != -1:
        first, stop = crlf, crlf + 3
    elif newline != -1:
        first, stop = newline, newline + 2
    else:
        return None
    return (first - 1 if first > start and raw[first - 1] == 13 else first), stop


def _head_message(raw: bytes, start: int, stop: int) -> Message:
    return message_from_bytes(raw[start:min(stop, start + MAX_HEAD)] + b"\n\n",
                              policy=compat32)


def _delimiter(raw: bytes, delim: bytes, start: int, end: int) -> int:
    """Where the next line that is the MIME delimiter `delim` starts, or -1."""
    at = start if raw.startswith(delim, start, end) else -1
    while True:
        if at == -1:
            found = raw.find(b"\n" + delim, start, end)
            if found == -1:
                return -1
            at = found + 1
        follows = raw[at + len(delim): at + len(delim) + 1]
        if follows in (b"", b"-", b"\n", b"\r", b" ", b"\t"):
            return at
        start, at = at, -1  # "--BBX" is not the delimiter "--BB"


def _split_parts(raw: bytes, start: int, end: int, boundary: bytes,
                 notes: list[str]) -> list[tuple[int, int]] | None:
    """(start, end) of each part of a multipart body raw[start:end]; None when its
    boundary never appears (the body is then read as text, as the email package does)."""
    delim = b"--" + boundary
    at = _delimiter(raw, delim, start, end)
    if at == -1:
        return None
    parts: list[tuple[int, int]] = []
    while len(parts) <= MAX_PARTS:
        after = at + len(delim)
        if raw.startswith(b"--", after, end):
            return parts  # the closing delimiter
        line_end = raw.find(b"\n", after, end)
        if line_end == -1:
            break
        following = _delimiter(raw, delim, line_end, end)
        if following == -1:
            # Runs to the end of the message: without its last line break, as the email
            # package reads it.
            last = end - 1 if raw.endswith(b"\n", 0, end) and end - 1 > line_end else end
            parts.append((line_end + 1, last - 1 if raw[last - 1:last] == b"\r" else last))
            break
        part_end = following - 1
        if part_end > line_end + 1 and raw[part_end - 1] == 13:
            part_end -= 1
        parts.append((line_end + 1, max(part_end, line_end + 1)))
        at = following
    notes.append("malformed message structure: the closing MIME boundary is missing")
    return parts


def _lean_walk(raw: bytes, top: Message, body: int, notes: list[str]):
    """_walk() for a large message: (part, depth) for every leaf, found with bytes.find."""
    stack = [(top, body, len(raw), 0)]
    count = 0
    warned = False
    while stack:
        head, start, end, depth = stack.pop()
        count += 1
        if count > MAX_PARTS:
            notes.append(f"more than {MAX_PARTS} parts; the rest were not read")
            return
        ctype = head.get_content_type()
        if ctype == "message/delivery-status":
            continue  # header blocks of a bounce: the email package reads them as no text
        boundary = head.get_boundary() if ctype.startswith("multipart/") else None
        if ctype == "message/rfc822" or boundary:
            if depth >= MAX_DEPTH:
                if not warned:
                    notes.append(f"parts nested more than {MAX_DEPTH} deep were not read")
                    warned = True
                continue
            # (not message/rfc822: then a multipart with a boundary)
            spans = [(start, end)] if ctype == "message/rfc822" or boundary is None else (
                _split_parts(raw, start, end, boundary.encode("ascii", "surrogateescape"),
                             notes))
            if spans is not None:
                for part_start, part_end in reversed(spans):
                    split = _head_at(raw, part_start, part_end)
                    if split is None:
                        # No blank line: all headers, or (first line not a header) all body.
                        first = raw[part_start:min(part_end, part_start + 200)]
                        is_head = _FIELD.match(first.partition(b"\n")[0].decode("latin-1"))
                        split = (part_end, part_end) if is_head else (part_start, part_start)
                    head_stop, part_body = split
                    stack.append((_head_message(raw, part_start, head_stop), part_body,
                                  part_end, depth + 1))
                continue
        yield _LeanPart(head, raw, start, end), depth


def parse_message(raw: bytes) -> ParsedMessage:
    """Parse raw message bytes. Raises EmptyMessage only for empty (or blank) input."""
    if not raw or raw.isspace():
        raise EmptyMessage("the message is empty")
    head_notes: list[str] = []
    blank = head_end(raw)
    if blank is not None and blank[0] <= MAX_HEAD:
        fast = _fast_parse(raw, blank)  # (_limit_head would leave raw as it is)
    else:
        raw = _limit_head(raw, head_notes)
        fast = _fast_parse(raw, head_end(raw))
    if fast is not None:
        fast.notes[:0] = head_notes
        return fast
    notes: list[str] = head_notes
    raw = _limit_parts(raw, notes)
    lean = _head_at(raw, 0, len(raw)) if len(raw) > LEAN_FROM else None
    try:
        if lean is not None:
            head_stop, body_start = lean
            msg = _head_message(raw, 0, head_stop)
            leaves = _lean_walk(raw, msg, body_start, notes)
        else:
            msg = message_from_bytes(raw, policy=compat32)
            leaves = _walk(msg, notes)
    except Exception as exc:  # noqa: BLE001 - the parser is lenient; this is a last resort
        notes.append(f"the message structure could not be read ({type(exc).__name__})")
        out = ParsedMessage(notes=notes)
        out.body = raw[:MAX_TEXT].decode("utf-8", "replace")
        return out

    out = ParsedMessage(notes=notes)
    if not msg.keys():
        notes.append("no headers found; read as plain text")
    if msg.defects:
        notes.append("malformed message structure: " + ", ".join(
            sorted({type(d).__name__ for d in msg.defects}))[:200])
    _fill_headers(out, _fields_of(msg))

    texts: list[str] = []
    total = 0
    for index, (part, _depth) in enumerate(leaves):
        try:
            ctype = part.get_content_type()
        except Exception:  # noqa: BLE001
            ctype = "application/octet-stream"
        disposition = str(part.get("content-disposition", "")).lower()
        name = _filename(part)
        where = f"part {index + 1}"
        if ctype.startswith("multipart/") and isinstance(part.get_payload(), str):
            ctype = "text/plain"  # boundary never found: the parser left the raw text
        is_text = ctype in ("text/plain", "text/html") and not name \
            and not disposition.startswith("attachment")
        if is_text:
            if total >= MAX_TEXT:
                continue
            payload = _payload_bytes(part, notes, where)
            text = decode_text(payload[: MAX_TEXT * 4], part.get_content_charset(), notes, where)
            if ctype == "text/html":
                text = html_to_text(text)
            text = text[: MAX_TEXT - total]
            total += len(text)
            texts.append(text)
            continue
        if ctype.startswith("multipart/"):
            continue
        size = _estimated_size(part)
        attachment = Attachment(name=name or f"(unnamed {ctype})", content_type=ctype, size=size)
        lower = name.lower()
        if lower.endswith(".zip") or ctype in ("application/zip", "application/x-zip-compressed"):
            attachment.inner_names = _archive_names(part, notes, where, size)
        elif (ctype.startswith("text/") or lower.endswith((".csv", ".txt", ".vcf"))) \
                and size <= MAX_TEXT_ATTACHMENT:
            payload = _payload_bytes(part, notes, where)
            attachment.text = decode_text(payload, part.get_content_charset(), notes, where)
        out.attachments.append(attachment)
    body = "\n".join(texts)
    out.body = squeeze_spaces(body)
    out.notes[:] = dict.fromkeys(out.notes)  # (the same limit can be met twice)
    return out


# Who a draft without headers is going to, as the writer answers it.
DRAFT_AUDIENCES = ("parents", "pupils", "staff", "outside")


def message_from_text(text: str, *, subject: str = "", audience: str = "") -> ParsedMessage:
    """A message that is only a body (for `esafety check --text` and the web form), going
    to `audience` (one of DRAFT_AUDIENCES, or "" when not said)."""
    if audience not in ("", *DRAFT_AUDIENCES):
        raise ValueError(f"unknown audience {audience!r} (one of {', '.join(DRAFT_AUDIENCES)})")
    return ParsedMessage(subject=subject, body=text[:MAX_TEXT], draft_audience=audience)


# ---------------------------------------------------------------- bulk mail

# Mail that nobody wrote to this recipient: mailing lists, newsletters, digests and
# automated notices. The recipient chose to receive it (or it is a machine's), so the
# checker judges its content by a higher bar (see rulebook.yaml, audience `bulk`).
# Only the envelope and headers are read: a personal reply that quotes a newsletter's
# "unsubscribe" footer is still personal mail.
_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post", "mailing-list", "x-mailing-list",
                 "x-beenthere")
_LIST_SERVER = re.compile(r"^(owner-|bounce|[^@]*-(request|bounces?|owner|admin)@|[^@]*bounce)")
_MACHINE_SENDER = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer-daemon|newsletters?|notifications?|"
    r"announce|digest)[^@]*@")
_UNDISCLOSED = re.compile(r"undisclosed[- ]recipients?", re.I)


def bulk_reason(msg: ParsedMessage) -> str:
    """Why `msg` is bulk mail ("" when it looks personally written), in words for the
    person reading the verdict."""
    headers = msg.headers
    for key in _LIST_HEADERS:
        if headers.get(key):
            return f"mailing list ({_HEADER_NAMES[key]}: {shorten(headers[key], 60)})"
    precedence = headers.get("precedence", "").strip().lower()
    if precedence in ("bulk", "list", "junk"):
        return f"sent in bulk (Precedence: {precedence})"
    auto = headers.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        return f"sent automatically (Auto-Submitted: {shorten(auto, 60)})"
    for key in ("sender", "return-path"):
        address = headers.get(key, "").strip().strip("<>").lower()
        if _LIST_SERVER.match(address):
            return f"sent through a list server ({_HEADER_NAMES[key]}: {shorten(address, 60)})"
    if _MACHINE_SENDER.match(msg.sender_address):
        return f"sent by an automated address ({msg.sender_address})"
    if any(_UNDISCLOSED.search(name or address) for name, address in msg.to) or (
            "undisclosed" in headers.get("to", "").lower()):
        return "sent to undisclosed recipients (a broadcast)"
    return ""


_HEADER_NAMES = {"list-id": "List-Id", "list-unsubscribe": "List-Unsubscribe",
                 "list-post": "List-Post", "mailing-list": "Mailing-List",
                 "x-mailing-list": "X-Mailing-List", "x-beenthere": "X-BeenThere",
                 "sender": "Sender", "return-path": "Return-Path"}


def listed(items: list[str], limit: int) -> str:
    """The first `limit` of `items`, then how many more ("a, b and 3 more")."""
    text = ", ".join(items[:limit])
    return text + (f" and {len(items) - limit} more" if len(items) > limit else "")


def shorten(text: str, limit: int = 200) -> str:
    """`text` on one line, cut to `limit` characters with "…" (for evidence and reasons)."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"

