"""Hostile input is read without failing: HTML, headers and MIME parts limited before the
email package builds them, nothing hidden from the checker, memory within ten times the
input.

How long the work takes is measured, not asserted here (the machine is shared):
`uv run python benchmarks/hostile_input.py` times each of these inputs at 1x and 16x their
size and reports the ratio (linear work about 16; the old quadratic regex took ~200).
"""

import tracemalloc

import pytest

from esafety.engine.messages.checker import check_message, check_text
from esafety.engine.messages.message import MAX_HEAD, html_to_text, parse_message
from tests.engine_messages.mail import rule_ids

SMALL = 20_000
LARGE = 16 * SMALL


HOSTILE_HTML = {
    "script tags never closed": lambda n: "<script>" * (n // 8),
    "style tags never closed": lambda n: "<style>a" * (n // 8),
    "comments never closed": lambda n: "<!--" * (n // 4),
    "tags never closed": lambda n: "<a" * (n // 2),
    "closing script without >": lambda n: "<script></script" * (n // 16),
    "deep nesting": lambda n: "<div>" * (n // 5),
    "entities": lambda n: "&#" * (n // 2),
    "plain text": lambda n: "word " * (n // 5),
}


@pytest.mark.parametrize("make", HOSTILE_HTML.values(), ids=HOSTILE_HTML.keys())
def test_hostile_html_is_read_as_text(make):
    html = make(LARGE)
    text = html_to_text(html)
    # Broken markup is read as text (spaced out), never dropped and never multiplied.
    assert len(text) <= 2 * len(html)


def _html_mail(body: str) -> bytes:
    return (b"From: a@example.com\nTo: b@example.com\nSubject: x\n"
            b"Content-Type: text/html; charset=utf-8\n\n" + body.encode())


def _multipart(parts: list[bytes]) -> bytes:
    out = [b"From: a@example.com\nTo: b@example.com\nSubject: x\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=BB\n\n"]
    out += [b"--BB\n" + part + b"\n" for part in parts]
    return b"".join(out) + b"--BB--\n"


HOSTILE_MAIL = {
    "html mail of script tags": lambda n: _html_mail("<script>" * (n // 8)),
    "html part of style tags": lambda n: _multipart(
        [b"Content-Type: text/html\n\n" + b"<style>a" * (n // 8)]),
    "many MIME parts": lambda n: _multipart([b"Content-Type: text/plain\n\nhi"] * (n // 40)),
    "long header folding": lambda n: b"From: a@example.com\nSubject: x\n" + b" y\n" * (n // 3)
    + b"\nbody\n",
    "one huge header line": lambda n: b"From: a@example.com\nSubject: " + b"ab " * (n // 3)
    + b"\n\nbody\n",
    "many recipients": lambda n: b"From: a@example.com\nTo: " + b", ".join(
        b"p%d@gmail.com" % i for i in range(n // 17)) + b"\n\nbody\n",
    "huge single line": lambda n: b"From: a@example.com\n\n" + b"x" * n,
    "folding read line by line": lambda n: b"From: a@b.c\nX-A: \x0c\nSubject: x\n"
    + b" y\n" * (n // 3) + b"\nbody\n",
    "CR line breaks": lambda n: b"From: a@b.c\rSubject: x\r" + b" y\r" * (n // 3) + b"\rbody\r",
    "message of short lines": lambda n: _multipart(
        [b"Content-Type: text/plain\n\n" + b"> > >\n" * (n // 6)]),
    "nested multiparts": lambda n: b"From: a@example.com\nMIME-Version: 1.0\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (i, i)
        for i in range(n // 70)) + b"Content-Type: text/plain\n\nhello\n",
}


@pytest.mark.parametrize("make", HOSTILE_MAIL.values(), ids=HOSTILE_MAIL.keys())
def test_hostile_mail_is_parsed_and_checked(make):
    raw = make(LARGE * 5)
    msg = parse_message(raw)
    # Read, or read as text with a note saying what could not be read: never a failure.
    assert msg.sender is not None or msg.notes
    # Whatever was left unread is said in the verdict; nothing else is found in it.
    assert set(rule_ids(check_message(raw))) == ({"message.unreadable"} if msg.notes else set())


def test_words_behind_deep_nesting_are_still_read():
    # libxml2 (lxml) stops at a depth of 256 and drops the rest: a way to hide words.
    verdict = check_message(_html_mail("<div>" * 1000 + "you absolute fucking twat"))
    assert "content.profanity" in rule_ids(verdict)


def test_html_is_read_as_before():
    text = html_to_text("Hel<b>lo</b> &amp; <script>x<y</script>bye <!-- hidden --> "
                        "<STYLE>p{}</style >caf&eacute; a < b <p")
    assert " ".join(text.split()) == "Hel lo & bye café a < b <p"
    assert html_to_text("<script>hidden") == " hidden"  # never closed: read as text


def test_headers_longer_than_the_limit_are_cut_and_noted():
    raw = b"From: a@example.com\nSubject: x\n" + b" y\n" * MAX_HEAD + b"\nyou absolute twat\n"
    msg = parse_message(raw)
    assert msg.sender == ("", "a@example.com")
    assert any("headers are longer than" in note for note in msg.notes)
    assert "twat" in msg.body


def test_many_parts_are_cut_and_noted_once():
    msg = parse_message(_multipart([b"Content-Type: text/plain\n\nhi"] * 5000))
    assert [n for n in msg.notes if "more than 500 parts" in n] == [
        "more than 500 parts; the rest were not read"]


@pytest.mark.parametrize("make", [HOSTILE_MAIL["long header folding"],
                                  HOSTILE_MAIL["many MIME parts"],
                                  HOSTILE_MAIL["many recipients"],
                                  HOSTILE_MAIL["html mail of script tags"]],
                         ids=["folding", "parts", "recipients", "script"])
def test_memory_stays_within_ten_times_the_input(make):
    raw = make(2_000_000)
    check_message(b"From: a@b.c\n\nwarm up")
    tracemalloc.start()
    try:
        check_message(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(raw)


# --- large messages: split on their boundaries, not by the email package ------------------

def _corpus() -> list[bytes]:
    import io
    import zipfile

    from tests.engine_messages.mail import make_mail

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("setup.exe", b"MZ")
    inner = make_mail(subject="inner", body="You absolute twat, forwarded.")
    html = (b"From: a@example.com\nTo: b@example.com\nSubject: alt\nMIME-Version: 1.0\n"
            b"Content-Type: multipart/alternative; boundary=\"ALT\"\n\n--ALT\n"
            b"Content-Type: text/plain; charset=utf-8\n\nPlain caf\xc3\xa9\n--ALT\n"
            b"Content-Type: text/html\nContent-Transfer-Encoding: quoted-printable\n\n"
            b"<p>HTML <b>b=C3=A9</b></p>\n--ALT--\n")
    return [
        make_mail(to=["a@example.com"], body="Hello\nthere\n",
                  attachments=[("list.csv", b"name,email\nx,y@z.com\n", "text/csv"),
                               ("a.zip", archive.getvalue(), "application/zip"),
                               ("photo.jpg", b"\xff\xd8" * 5000, "image/jpeg"),
                               ("fwd.eml", inner, "message/rfc822")]),
        html,
        html.replace(b"\n", b"\r\n"),
        html.replace(b"--ALT--\n", b""),  # never closed
        html.replace(b"boundary=\"ALT\"", b"boundary=\"MISSING\""),  # never found
        html.replace(b"\n--ALT\n", b"\n--ALTX\n", 1),  # a line that only starts like it
    ]


@pytest.mark.parametrize("raw", _corpus(), ids=["attachments", "alternative", "crlf",
                                                "unclosed", "no boundary", "lookalike"])
def test_large_messages_are_read_as_the_email_package_reads_them(raw, monkeypatch):
    from esafety.engine.messages import message

    small = parse_message(raw)
    monkeypatch.setattr(message, "LEAN_FROM", 0)
    large = parse_message(raw)
    assert " ".join(large.body.split()) == " ".join(small.body.split())
    assert [(a.name, a.content_type, a.inner_names, a.text) for a in large.attachments] == \
        [(a.name, a.content_type, a.inner_names, a.text) for a in small.attachments]
    assert [a.size for a in large.attachments] == pytest.approx(
        [a.size for a in small.attachments], abs=8)
    assert (large.subject, large.sender, large.to) == (small.subject, small.sender, small.to)


def test_large_real_mail_reads_the_same(monkeypatch):
    import pathlib

    from esafety.engine.messages import message

    folder = pathlib.Path(__file__).resolve().parents[3] / "shared/data/mail/spamassassin"
    files = sorted(p for p in folder.rglob("*") if p.is_file())[:400]
    if not files:
        pytest.skip("the shared SpamAssassin mail is not here")
    for path in files:
        raw = path.read_bytes()
        if raw.isspace() or not raw:
            continue
        monkeypatch.setattr(message, "LEAN_FROM", 10**12)
        small = parse_message(raw)
        monkeypatch.setattr(message, "LEAN_FROM", 0)
        large = parse_message(raw)
        assert " ".join(large.body.split()) == " ".join(small.body.split()), path.name
        assert [a.name for a in large.attachments] == [a.name for a in small.attachments]


@pytest.mark.parametrize("make", [
    lambda n: _multipart([b"Content-Type: text/plain\n\n" + b"> > >\n" * (n // 6)]),
    lambda n: _multipart([b"Content-Type: text/html\n\n" + b"<!--<a" * (n // 6)]),
    lambda n: _multipart([b"Content-Type: text/plain\n\nhi", b"Content-Type: application/pdf\n"
                          b"Content-Transfer-Encoding: base64\n\n" + b"AAAA\n" * (n // 5)]),
], ids=["short lines", "html comments", "attachment of short lines"])
def test_a_large_message_of_short_lines_stays_within_ten_times_the_input(make):
    # The email package keeps a string per line: 48 MB of "> > >" lines took 900 MB.
    raw = make(6_000_000)
    check_message(b"From: a@b.c\n\nwarm up")
    tracemalloc.start()
    try:
        check_message(raw)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 10 * len(raw)


HOSTILE_PASTES = {  # each with an "@" somewhere, so the address pattern is tried
    "one long word": lambda n: "@ " + "a" * n,
    "one long number": lambda n: "@ " + "0" * n,
    "dotted letters": lambda n: "@ " + "a." * (n // 2),
    "hyphenated": lambda n: "@ my " + "x-" * (n // 2),
    "at signs": lambda n: "a@" * (n // 2),
}


@pytest.mark.parametrize("make", HOSTILE_PASTES.values(), ids=HOSTILE_PASTES.keys())
def test_a_hostile_staff_draft_to_parents_is_checked(make):
    # The personal-contact rule's address pattern tried every letter of a long word as
    # the start of an address: 200,000 digits took minutes (benchmarks/hostile_input.py).
    verdict = check_text(make(LARGE), sender_role="teacher", audience="parents")
    # No address is made up out of a long run of letters, digits, dots or "@"s.
    assert verdict.verdict == "allow" and not verdict.findings
