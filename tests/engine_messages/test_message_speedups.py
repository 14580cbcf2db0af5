"""The faster HTML and header readers in message.py give exactly what the plainer code gives.

html_to_text is compared with a plain left-to-right reader (one step per piece of markup,
the way it used to be written); header_fields with a set of names with the line-by-line
reader; _fields_of with the email package's get_all; header_text's shortcut with its
general path. Tricky inputs and many generated ones (fixed seeds).
"""

import html
import random
import re
from email import message_from_bytes
from email.policy import compat32

from esafety.engine.messages.message import (
    _FAST_FIELDS,
    _fields_of,
    header_fields,
    header_fields_by_line,
    header_text,
    html_to_text,
)

# ---------------------------------------------------------------- the plain HTML reader

_MARKUP = re.compile(r"<(!--|/|!|\?|[A-Za-z][A-Za-z0-9:-]{0,40})")
_RAW_TEXT_END = {"script": re.compile(r"</script(?![A-Za-z0-9:-])", re.I),
                 "style": re.compile(r"</style(?![A-Za-z0-9:-])", re.I)}


def _first(text: str, pattern, pos: int) -> tuple[int, int]:
    if isinstance(pattern, str):
        start = text.find(pattern, pos)
        return (start, start + len(pattern)) if start != -1 else (-1, -1)
    match = pattern.search(text, pos)
    return (match.start(), match.end()) if match else (-1, -1)


def plain_html_to_text(text: str) -> str:
    """html_to_text's rules, one markup at a time (quadratic on hostile input: tests only)."""
    if "<" not in text:
        return html.unescape(text) if "&" in text else text
    out, pos = [], 0
    markup = _MARKUP.search(text, pos)
    while markup is not None:
        start = markup.start()
        out.append(text[pos:start])
        out.append(" ")
        opener = markup.group(1)
        end = -1
        if opener == "!--":
            end = _first(text, "-->", markup.end())[1]
        if end == -1:
            end = _first(text, ">", markup.end())[1]
            if end != -1 and opener.lower() in _RAW_TEXT_END:
                found = _first(text, _RAW_TEXT_END[opener.lower()], end)[0]
                if found != -1:
                    end = _first(text, ">", found)[1]
                    if end == -1:
                        pos = len(text)
                        break
        if end == -1:
            out.append("<")
            end = start + 1
        pos = end
        markup = _MARKUP.search(text, pos)
    out.append(text[pos:])
    return html.unescape("".join(out))


def _generated(pieces: list[str], count: int, longest: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    return ["".join(rnd.choice(pieces) for _ in range(rnd.randint(0, longest)))
            for _ in range(count)]


TRICKY_HTML = [
    "", "plain", "a < b > c", "<", ">", "<>", "<<a>>", "<a", "a>b<c", "<b>bold</b> &amp; more",
    "<!-- c -->x", "<!-->x-->y", "<!--->z", "<!-- no end > still", "<!-- no end at all",
    "<!doctype html><html>", "<?xml x?>", "</>", "<script>x<y</script>z", "<script>never",
    "<script>x</script", "<script></script", "<SCRIPT>a</ScRiPt >b", "<scripts>kept</scripts>",
    "<script:x>kept", "<script-a>kept", "<style>p{}</style>t", "<style>a</stylex>b</style>c",
    "<sTyLe>a</STYLE>b", "<script>a</\u017fcript>b", "<\u017fcript>c</script>d",
    "<script>a</style>b</script>c", "<style><!-- a --></style>b", "<!-- <script> -->x</script>",
    '<a title="<!--">x-->y', "<a href='<script>'>z</script>", "x<3 y", "<1a>", "<-a>",
    "<script>" * 5, "<!--" * 5, "<a" * 5, "<div>" * 5 + "&#", "&lt;b&gt;", "<b>&amp</b>",
    "<p>line\nbreak</p>\r\n<br/>", "<a\nhref=x>y</a>", "<" + "a" * 60 + ">x", "<script" + ">" * 3,
]
HTML_PIECES = ["<", ">", "<!--", "-->", "--", "<!", "!", "<?", "</", "<a", "<b>", "<div ", "x",
               " ", "\n", "<script", "<SCRIPT>", "</script", "</Script>", "</scriptx", "<style",
               "</style", "<scripts", "<sTyle>", "</stylE >", "&amp;", "&#", "\u017f", "\u212a",
               "</\u017fcript>", "<script:", "</script-", "-", "<!-->", "a<3", "<1", "\r", "'",
               '"', "<a href='>'>", "=", "<-", "/", "?"]


def test_html_is_read_as_the_plain_reader_reads_it():
    for text in TRICKY_HTML + _generated(HTML_PIECES, 20000, 30, 11):
        assert html_to_text(text) == plain_html_to_text(text), repr(text)


def test_long_html_is_read_as_the_plain_reader_reads_it():
    for text in _generated(HTML_PIECES + ["word ", "<p>", "</p>", "<td class=a>"], 200, 400, 12):
        assert html_to_text(text) == plain_html_to_text(text), repr(text)


# ---------------------------------------------------------------- headers

HEADS = [
    "From: a@b.c\nTo: d@e.f\nSubject: hi", "FROM: a@b.c\nto : x@y.z\nCC:\tc@d.e",
    "Received: from x\n\tby y\nTo: a@b.c\n to-be-continued\nX-To: no@no.no",
    "To-Do: not to\nTo: yes@x.y\ncc:to: odd", "Subject: one\n two\n\tthree\nsubject: again",
    "From someone Mon Jan 1\nContent-Type: text/plain\nMessage-ID: <a@b>",
    "X-Forwarded-For: a\nx-forwarded-to: b\nReply-To: c\nList-Id: <d>",
    "Subject: caf\udce9\nTo: a@b.c", "A: b\nTo :spaced", "Bcc: \nSender: s@t.u",
]
NAME_PIECES = ["From: a", "To:", "TO : b", "cc:", "Cc :", "Subject: x", "X-To: y", "To-Do: z",
               "Received: r", "Message-ID: <m>", "In-Reply-To: i", "reply-to: r", "\n", "\n ",
               "\n\t", " ", "a", ":", "From ", "\r\n", "\udc85", "Content-Type: text/html"]
NAME_SETS = [_FAST_FIELDS, frozenset({"to"}), frozenset({"subject", "cc"}), frozenset(),
             frozenset({"To"}), frozenset({"has space", "to"}), frozenset({"x-to", "a"}),
             frozenset({"re[x]", "-", "a^b", "to"})]


def test_only_the_named_fields_are_read_as_the_line_by_line_reader_reads_them():
    for head in HEADS + _generated(NAME_PIECES, 4000, 14, 13):
        by_line = header_fields_by_line(head)
        for names in NAME_SETS:
            wanted = None if not by_line else {k: v for k, v in by_line.items() if k in names}
            assert header_fields(head, names) == wanted, (repr(head), names)


def test_the_fields_of_a_message_are_what_get_all_gives():
    raws = [
        b"From: a@b.c\nTO: d@e.f\nto: g@h.i\nSubject: =?utf-8?q?caf=C3=A9?=\nX-Y: z\n\nbody",
        b"Subject: caf\xc3\xa9 8-bit\nFrom: \xe9 <a@b.c>\nReply-To: r@s.t\n\nbody",
        b"Received: x\n by y\nCc: c@d.e\nList-Id: <l>\nPrecedence: bulk\n\n",
        b"no headers at all\n\nbody",
    ]
    for raw in raws:
        msg = message_from_bytes(raw, policy=compat32)
        fields = _fields_of(msg)
        for name in _FAST_FIELDS:
            assert fields.get(name) == msg.get_all(name), (raw, name)


class _Str(str):
    """A str that is not exactly a str: header_text reads it by its general path."""


def test_the_header_text_shortcut_gives_what_the_general_path_gives():
    values = ["", " ", "plain", "  spaced \t out\n ", "a=?b", "=?utf-8?q?x?=", "caf\u00e9",
              "\udce9", "x\x0by\x1cz", "Name <a@b.c>"] + \
        _generated(["a", " ", "\t", "\n", "=", "?", "\x1c", "\xa0", "B", "=?", "?="], 3000, 10, 14)
    for value in values:
        assert header_text(value) == header_text(_Str(value)), repr(value)
