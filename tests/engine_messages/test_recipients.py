"""The recipients.* rules, each firing on a realistic message and quiet on a clean one."""

from esafety.engine.messages.checker import check_message
from tests.engine_messages.mail import make_mail, rule_ids, school_directory

D = school_directory()


def check(raw, role=None):
    return check_message(raw, directory=D, sender_role=role)


def test_staff_mail_with_parents_in_to_and_cc_is_held_for_bcc():
    raw = make_mail(to=["Pat Pupil <pat.pupil@example.net>", "lee.jones@example.org"],
                    cc=["kim.ng@example.com"], subject="Trip money",
                    body="Dear parents, the trip costs £12. Thank you.")
    verdict = check(raw)
    finding = next(f for f in verdict.findings if f.rule.id == "recipients.parents-visible")
    assert finding.action == "hold"
    assert "3 parent or carer addresses" in finding.evidence[0].excerpt
    assert verdict.verdict == "hold"


def test_parents_in_bcc_are_fine():
    raw = make_mail(to=["t.teach@hollinspark.sch.uk"],
                    bcc=["pat.pupil@example.net", "lee.jones@example.org"],
                    subject="Trip money", body="Dear parents, the trip costs £12. Thank you.")
    assert "recipients.parents-visible" not in rule_ids(check(raw))


def test_one_parent_in_to_is_fine():
    raw = make_mail(to=["pat.pupil@example.net"], subject="Pip's reading",
                    body="Dear Mr Pupil, Pip read beautifully today.")
    assert "recipients.parents-visible" not in rule_ids(check(raw))


def test_without_a_directory_personal_webmail_addresses_count_as_parents():
    raw = make_mail(to=["jane.parent@gmail.com", "bob@hotmail.co.uk"], body="Dear parents, hi.")
    verdict = check_message(raw, sender_role="teacher")
    assert "recipients.parents-visible" in rule_ids(verdict)


def test_reply_to_twelve_recipients_warns():
    people = [f"colleague{i}@hollinspark.sch.uk" for i in range(12)]
    raw = make_mail(to=people, subject="Re: Staff room kettle", body="Thanks, I'll bring one.",
                    headers={"In-Reply-To": "<abc@hollinspark.sch.uk>"})
    finding = next(f for f in check(raw).findings if f.rule.id == "recipients.reply-all")
    assert "12 recipients" in finding.evidence[0].excerpt


def test_reply_to_colleagues_with_an_outsider_copied_warns():
    raw = make_mail(to=["s.smith@hollinspark.sch.uk", "h.head@hollinspark.sch.uk"],
                    cc=["consultant@ofsted-prep.co.uk"],
                    subject="RE: Concerns about Year 9 behaviour", body="I agree with Helen.")
    finding = next(f for f in check(raw).findings if f.rule.id == "recipients.reply-all")
    assert "consultant@ofsted-prep.co.uk" in finding.evidence[0].excerpt


def test_a_reply_to_one_colleague_is_fine():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="Re: Cover for period 3",
                    body="Yes, I can cover it.")
    assert "recipients.reply-all" not in rule_ids(check(raw))


def test_recipient_called_sam_smith_is_ambiguous():
    raw = make_mail(to=["Sam Smith <sam.smith@hollinspark.sch.uk>"],
                    subject="Your appraisal notes", body="Hi Sam, notes attached.")
    finding = next(f for f in check(raw).findings if f.rule.id == "recipients.same-name")
    assert "2 people in the directory are called Sam Smith" in finding.evidence[0].excerpt


def test_recipient_with_a_unique_name_is_fine():
    raw = make_mail(to=["Helen Head <h.head@hollinspark.sch.uk>"], body="Hi Helen.")
    assert "recipients.same-name" not in rule_ids(check(raw))


def test_list_of_parent_addresses_sent_to_an_outside_company_is_held():
    addresses = "\n".join(f"parent{i}@example.com" for i in range(30))
    raw = make_mail(to=["sales@photo-company.co.uk"], subject="Our mailing list",
                    body=f"Hi, here are the parents for your offer:\n{addresses}\n")
    finding = next(f for f in check(raw).findings if f.rule.id == "recipients.contact-list")
    assert finding.action == "hold"
    assert "30 email addresses" in finding.evidence[0].excerpt


def test_contact_list_in_a_csv_attachment_is_found():
    csv = "name,email\n" + "\n".join(f"Parent {i},p{i}@example.com" for i in range(20))
    raw = make_mail(to=["events@pta-fundraising.org"], subject="Contacts",
                    attachments=[("parents.csv", csv.encode(), "text/csv")])
    finding = next(f for f in check(raw).findings if f.rule.id == "recipients.contact-list")
    assert finding.evidence[0].part == "attachment name"


def test_the_same_list_sent_inside_the_school_is_fine():
    addresses = "\n".join(f"parent{i}@example.com" for i in range(30))
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], body=f"Parents list:\n{addresses}\n")
    assert "recipients.contact-list" not in rule_ids(check(raw))


def test_pupil_writing_to_an_unapproved_address_is_blocked():
    raw = make_mail(sender="Pip Pupil <pip.pupil@pupils.hollinspark.sch.uk>",
                    to=["randomgamer99@gmail.com"], subject="hi", body="Want to play later?")
    verdict = check(raw)
    finding = next(f for f in verdict.findings if f.rule.id == "recipients.pupil-unapproved")
    assert finding.action == "block"
    assert "randomgamer99@gmail.com" in finding.evidence[0].excerpt
    assert verdict.verdict == "block"


def test_pupil_writing_to_an_approved_author_and_their_teacher_is_fine():
    raw = make_mail(sender="Pip Pupil <pip.pupil@pupils.hollinspark.sch.uk>",
                    to=["author@booksforschools.org", "t.teach@hollinspark.sch.uk",
                        "curator@museum.org.uk"],
                    subject="Our class book", body="Dear author, we loved your book.")
    assert "recipients.pupil-unapproved" not in rule_ids(check(raw))
