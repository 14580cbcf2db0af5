"""Unwrapping journal reports and reading the private mark: pure functions, no database."""

import base64

from esafety.mailmonitor.copies import is_private, unwrap

ORIGINAL = (b"From: pupil@hollinspark.sch.uk\r\nTo: a@hollinspark.sch.uk\r\nSubject: hi\r\n\r\n"
            b"hello\r\n")


def report(part_head: bytes, part_body: bytes, envelope: bytes = b"Sender: x@y\r\n") -> bytes:
    return (b"From: Microsoft Exchange <e@x>\r\nX-MS-Journal-Report:\r\n"
            b"Content-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\n"
            b"Content-Type: text/plain\r\n\r\n" + envelope + b"\r\n--B\r\n" + part_head +
            b"\r\n" + part_body + b"\r\n--B--\r\n")


def test_a_plain_copy_is_checked_as_it_is():
    copy = unwrap(ORIGINAL)
    assert copy.raw == ORIGINAL and not copy.journal_report


def test_the_original_is_taken_byte_for_byte_with_the_bcc_recipients():
    copy = unwrap(report(b"Content-Type: message/rfc822\r\n", ORIGINAL,
                         b"Sender: pupil@hollinspark.sch.uk\r\nTo: a@hollinspark.sch.uk\r\n"
                         b"Bcc: hidden@hollinspark.sch.uk\r\n"))
    assert copy.journal_report and copy.raw == ORIGINAL
    assert copy.envelope_recipients == ["a@hollinspark.sch.uk", "hidden@hollinspark.sch.uk"]


def test_a_base64_encoded_original_is_decoded():
    copy = unwrap(report(b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n",
                         base64.encodebytes(ORIGINAL)))
    assert b"Subject: hi" in copy.raw and copy.journal_report and not copy.note


def test_a_report_without_the_original_is_checked_whole_and_says_so():
    raw = report(b"Content-Type: text/plain\r\n", b"nothing attached")
    copy = unwrap(raw)
    assert copy.raw == raw and "no original" in copy.note


def test_private_by_header_or_subject_marker():
    assert is_private(b"Sensitivity: Personal\r\n\r\nx", "hello", [])
    assert is_private(b"Sensitivity: private\r\n\r\nx", "hello", [])
    assert not is_private(b"Sensitivity: Normal\r\n\r\nx", "hello", ["[private]"])
    assert is_private(b"Subject: x\r\n\r\nx", "Re: [PRIVATE] dinner", ["[private]"])
    assert not is_private(b"\x00\xff garbage", "", ["[private]"])
