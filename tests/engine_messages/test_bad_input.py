"""Bad input never raises a traceback: a verdict noting what was unreadable, or EmptyMessage."""

import base64
import os

import pytest

from esafety.engine.messages.checker import check_message
from esafety.engine.messages.message import EmptyMessage, parse_message
from tests.engine_messages.mail import rule_ids


def test_an_empty_message_is_refused_clearly():
    for raw in (b"", b"   \n\n"):
        with pytest.raises(EmptyMessage, match="empty"):
            check_message(raw)


def test_binary_junk_gets_a_verdict():
    verdict = check_message(os.urandom(20_000) + b"\x00\xff" * 100)
    assert verdict.verdict in ("allow", "advise", "warn", "hold", "block")


def test_missing_headers_are_noted():
    verdict = check_message(b"just some words with no headers at all\n")
    unreadable = next(f for f in verdict.findings if f.rule.id == "message.unreadable")
    assert unreadable.evidence[0].part == "header"


def test_a_lying_charset_is_read_anyway_and_noted():
    raw = (b"From: a@example.com\nSubject: hi\nContent-Type: text/plain; charset=us-ascii\n\n"
           b"caf\xe9 and a fucking mess\n")
    verdict = check_message(raw)
    assert "content.profanity" in rule_ids(verdict)
    notes = next(f for f in verdict.findings if f.rule.id == "message.unreadable")
    assert "Latin-1" in notes.evidence[0].excerpt


def test_an_unknown_charset_is_noted():
    raw = b"From: a@example.com\nContent-Type: text/plain; charset=x-klingon\n\nhello\n"
    assert any("x-klingon" in n for n in parse_message(raw).notes)


def test_eight_bit_headers_are_decoded():
    raw = "From: Zoë Brontë <zoe@example.com>\nSubject: Café trip – £5\n\nhi\n".encode()
    msg = parse_message(raw)
    assert msg.subject == "Café trip – £5"
    assert msg.sender == ("Zoë Brontë", "zoe@example.com")


def test_encoded_words_in_headers_are_decoded():
    raw = b"From: =?utf-8?q?Jos=C3=A9?= <jose@example.com>\nSubject: =?utf-8?b?" + \
        base64.b64encode("Réunion".encode()) + b"?=\n\nhi\n"
    assert parse_message(raw).subject == "Réunion"


def test_malformed_mime_boundary_is_survived():
    raw = (b"From: a@example.com\nMIME-Version: 1.0\n"
           b"Content-Type: multipart/mixed; boundary=\"missing\"\n\n"
           b"--wrong\nContent-Type: text/plain\n\nyou absolute twat\n--wrong--\n")
    verdict = check_message(raw)
    assert "content.profanity" in rule_ids(verdict)


def test_multiparts_nested_a_hundred_deep():
    head = b"From: a@example.com\nMIME-Version: 1.0\n"
    parts = b""
    for depth in range(100):
        parts += (b"Content-Type: multipart/mixed; boundary=\"b%d\"\n\n--b%d\n" % (depth, depth))
    parts += b"Content-Type: text/plain\n\nhello\n"
    for depth in reversed(range(100)):
        parts += b"--b%d--\n" % depth
    verdict = check_message(head + parts)
    notes = next(f for f in verdict.findings if f.rule.id == "message.unreadable")
    assert "nested more than" in " ".join(e.excerpt for e in notes.evidence)


def test_a_fifty_megabyte_attachment():
    payload = base64.encodebytes(b"\0" * (50 * 1024 * 1024))
    raw = (b"From: a@example.com\nTo: b@example.com, c@example.com, d@example.com\n"
           b"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=XX\n\n--XX\n"
           b"Content-Type: text/plain\n\nSee attached\n--XX\nContent-Type: application/zip\n"
           b"Content-Disposition: attachment; filename=\"big.zip\"\n"
           b"Content-Transfer-Encoding: base64\n\n" + payload + b"\n--XX--\n")
    verdict = check_message(raw, sender_role="teacher")
    assert "attachments.bulk-capacity" in rule_ids(verdict)
    attachment = parse_message(raw).attachments[0]
    assert 49 * 1024 * 1024 < attachment.size < 51 * 1024 * 1024


def test_broken_base64_is_noted_not_fatal():
    raw = (b"From: a@example.com\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n"
           b"!!!! not base64 at all ####\n")
    verdict = check_message(raw)
    assert verdict.verdict in ("allow", "advise")
