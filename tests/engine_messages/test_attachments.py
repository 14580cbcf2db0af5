"""The attachments.* rules."""

import io
import zipfile

from esafety.engine.messages.checker import check_message
from tests.engine_messages.mail import make_mail, rule_ids, school_directory

D = school_directory()
MB = 1024 * 1024


def check(raw, role=None):
    return check_message(raw, directory=D, sender_role=role)


def test_five_megabytes_to_two_hundred_staff_is_a_thousand_megabytes():
    staff = [f"staff{i}@hollinspark.sch.uk" for i in range(200)]
    raw = make_mail(to=["allstaff@hollinspark.sch.uk"], bcc=staff[1:], subject="Photos",
                    attachments=[("sports-day.jpg", b"\xff" * (5 * MB), "image/jpeg")])
    finding = next(f for f in check(raw).findings if f.rule.id == "attachments.bulk-capacity")
    assert "sports-day.jpg: 5.0 MB × 200 recipients = 1000 MB" in finding.evidence[0].excerpt
    assert "link" in finding.rule.advice


def test_a_small_attachment_to_many_is_fine():
    staff = [f"staff{i}@hollinspark.sch.uk" for i in range(50)]
    raw = make_mail(to=staff, attachments=[("rota.pdf", b"%PDF" * 5000, "application/pdf")])
    assert "attachments.bulk-capacity" not in rule_ids(check(raw))


def test_executable_attachment_is_held():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"],
                    attachments=[("invoice.pdf.exe", b"MZ" + b"\0" * 100,
                                  "application/octet-stream")])
    finding = next(f for f in check(raw).findings if f.rule.id == "attachments.risky-type")
    assert finding.evidence[0].excerpt.startswith("invoice.pdf.exe")
    assert finding.action == "hold"


def test_macro_enabled_spreadsheet_is_named_as_such():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"],
                    attachments=[("budget.xlsm", b"PK\3\4", "application/octet-stream")])
    finding = next(f for f in check(raw).findings if f.rule.id == "attachments.risky-type")
    assert "macro-enabled document" in finding.evidence[0].excerpt


def test_zip_with_a_script_inside_is_held():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("photos/readme.txt", "hello")
        archive.writestr("photos/view-photos.js", "alert(1)")
    raw = make_mail(sender="Courier <noreply@parcel-track.example>",
                    to=["office@hollinspark.sch.uk"],
                    attachments=[("photos.zip", buffer.getvalue(), "application/zip")])
    finding = next(f for f in check(raw).findings if f.rule.id == "attachments.risky-type")
    assert "photos.zip contains photos/view-photos.js" in finding.evidence[0].excerpt


def test_ordinary_documents_are_not_risky():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("minutes.docx", "x")
    raw = make_mail(to=["h.head@hollinspark.sch.uk"],
                    attachments=[("letter.pdf", b"%PDF-1.4", "application/pdf"),
                                 ("minutes.zip", buffer.getvalue(), "application/zip"),
                                 ("plan.docx", b"PK", "application/octet-stream")])
    assert "attachments.risky-type" not in rule_ids(check(raw))


def test_inbound_attachment_from_a_stranger_warns():
    raw = make_mail(sender="Accounts <accounts@unknown-billing.example>",
                    to=["office@hollinspark.sch.uk"], subject="Overdue invoice",
                    attachments=[("invoice.pdf", b"%PDF-1.4", "application/pdf")])
    verdict = check(raw)
    finding = next(f for f in verdict.findings if f.rule.id == "attachments.unknown-sender")
    assert "invoice.pdf from accounts@unknown-billing.example" == finding.evidence[0].excerpt


def test_inbound_attachment_from_a_known_correspondent_is_fine():
    for sender in ("Council <admissions@localcouncil.gov.uk>", "supplier@stationery.co.uk",
                   "Pat Pupil <pat.pupil@example.net>"):
        raw = make_mail(sender=sender, to=["office@hollinspark.sch.uk"],
                        attachments=[("form.pdf", b"%PDF-1.4", "application/pdf")])
        assert "attachments.unknown-sender" not in rule_ids(check(raw)), sender


def test_staff_sending_an_attachment_is_not_an_unknown_sender():
    raw = make_mail(to=["someone@example.com"],
                    attachments=[("letter.pdf", b"%PDF-1.4", "application/pdf")])
    assert "attachments.unknown-sender" not in rule_ids(check(raw))
