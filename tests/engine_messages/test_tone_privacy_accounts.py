"""tone.shouting, privacy.*, accounts.personal-address and content.chain-letter."""

from esafety.engine.messages.checker import check_message
from tests.engine_messages.mail import make_mail, rule_ids, school_directory

D = school_directory()


def check(raw, role=None):
    return check_message(raw, directory=D, sender_role=role)


def finding(raw, rule_id, role=None):
    return next(f for f in check(raw, role).findings if f.rule.id == rule_id)


def test_a_sentence_in_capitals_is_shouting():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="Photocopier",
                    body="Hi,\nWHOEVER KEEPS JAMMING THE PHOTOCOPIER NEEDS TO STOP NOW.\nThanks")
    f = finding(raw, "tone.shouting")
    assert f.evidence[0].part == "body"
    assert f.evidence[0].excerpt.startswith("WHOEVER KEEPS JAMMING")
    assert f.action == "advise"


def test_acronyms_and_short_headings_are_not_shouting():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="SEN review",
                    body="TRIP DETAILS\nThe KS3 SEND and PE staff meet in the ICT suite at "
                         "3pm (GCSE PE moderation).\nNB: bring the DBS forms.")
    assert "tone.shouting" not in rule_ids(check(raw))


def test_quoted_capitals_from_someone_else_are_not_the_senders_shouting():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="Re: trip",
                    body="I'll sort it.\n> PLEASE SEND THE CONSENT FORMS BY FRIDAY AT THE LATEST")
    assert "tone.shouting" not in rule_ids(check(raw))


def test_teacher_giving_a_parent_their_mobile_number_is_held():
    raw = make_mail(to=["pat.pupil@example.net"], subject="Pip's football",
                    body="Dear Mr Pupil,\nIf the match is cancelled text me on 07700 900123.\nTom")
    f = finding(raw, "privacy.personal-contact-details")
    assert "07700 900123" in f.evidence[0].excerpt
    assert f.action == "hold"


def test_teacher_giving_a_pupil_their_personal_email_and_home_address():
    raw = make_mail(to=["pip.pupil@pupils.hollinspark.sch.uk"], subject="Revision",
                    body="Pip, email me at tom.teach.1985@gmail.com over the holidays. My address "
                         "is 12 Elm Road, Leeds LS6 2AB if you want to drop the book round.")
    f = finding(raw, "privacy.personal-contact-details")
    assert any("tom.teach.1985@gmail.com" in e.excerpt for e in f.evidence)
    assert any("My address" in e.excerpt for e in f.evidence)


def test_school_office_number_to_a_parent_is_fine():
    raw = make_mail(to=["pat.pupil@example.net"], subject="Pip's football",
                    body="Dear Mr Pupil, please ring the school office on 0113 496 0000.")
    assert "privacy.personal-contact-details" not in rule_ids(check(raw))


def test_mobile_number_to_a_colleague_is_fine():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], body="Call me on 07700 900123 if needed.")
    assert "privacy.personal-contact-details" not in rule_ids(check(raw))


def test_pupil_health_details_sent_outside_the_school_are_held():
    raw = make_mail(to=["coach@sportsclub.example"], subject="Pip Pupil",
                    body="Pip Pupil (DOB 14/03/2012) has an EHCP and is diagnosed with epilepsy.")
    f = finding(raw, "privacy.sensitive-data")
    assert "DOB 14/03/2012" in f.evidence[0].excerpt or "EHCP" in f.evidence[0].excerpt
    assert "coach@sportsclub.example" in f.evidence[0].excerpt


def test_unique_pupil_number_sent_outside_is_held():
    raw = make_mail(to=["admissions@otherschool.example"], subject="Transfer",
                    body="Her UPN is A123456789012, please update your records.")
    assert "unique pupil number" in finding(raw, "privacy.sensitive-data").evidence[0].excerpt


def test_the_same_details_to_the_senco_inside_school_are_fine():
    raw = make_mail(to=["s.smith@hollinspark.sch.uk"], subject="Pip Pupil",
                    body="Pip Pupil (DOB 14/03/2012) has an EHCP and is diagnosed with epilepsy.")
    assert "privacy.sensitive-data" not in rule_ids(check(raw))


def test_a_trip_letter_to_parents_asking_about_medication_is_fine():
    raw = make_mail(to=["pat.pupil@example.net"], subject="Residential trip",
                    body="Please tell us on the form about any medication your child needs.")
    assert "privacy.sensitive-data" not in rule_ids(check(raw))


def test_forwarding_school_mail_to_your_own_gmail_is_held():
    raw = make_mail(to=["Tom Teach <tomteach85@gmail.com>"], subject="Fwd: Year 9 reports",
                    body="---------- Forwarded message ---------\nReports attached.")
    f = finding(raw, "accounts.personal-address")
    assert "forwarded to a personal account: tomteach85@gmail.com" in f.evidence[0].excerpt


def test_staff_sending_school_business_from_a_personal_account():
    raw = make_mail(sender="Tom Teach <tom.teach@hotmail.co.uk>", to=["pat.pupil@example.net"],
                    subject="Homework", body="Dear Mr Pupil, Pip's homework is late.")
    f = finding(raw, "accounts.personal-address", role="teacher")
    assert f.evidence[0].excerpt == "sent from a personal account: tom.teach@hotmail.co.uk"


def test_inbound_mail_from_a_staff_members_personal_account():
    raw = make_mail(sender="Sam Smith <sammy1990@yahoo.co.uk>", to=["h.head@hollinspark.sch.uk"],
                    subject="Marking", body="Here is the Year 10 marking.")
    f = finding(raw, "accounts.personal-address")
    assert "writes from a personal account" in f.evidence[0].excerpt


def test_a_parent_writing_from_gmail_is_fine():
    raw = make_mail(sender="Lee Jones <lee.jones.family@gmail.com>",
                    to=["t.teach@hollinspark.sch.uk"], subject="Absence",
                    body="Lee is ill today.")
    assert "accounts.personal-address" not in rule_ids(check(raw))


def test_chain_letter_is_flagged():
    raw = make_mail(sender="Friend <friend@example.com>", to=["t.teach@hollinspark.sch.uk"],
                    subject="FW: FW: FW: this really works!!",
                    body="Forward this to 10 people within the next 24 hours and your wish will "
                         "come true. If you don't forward it you will have bad luck for a year. "
                         "This is not a joke!")
    f = finding(raw, "content.chain-letter")
    assert "Forward this to 10 people" in f.evidence[0].excerpt
    assert f.action == "warn"


def test_please_forward_to_your_department_is_not_a_chain_letter():
    raw = make_mail(to=["heads-of-dept@hollinspark.sch.uk"], subject="INSET day",
                    body="Please forward this to your department: INSET is on 3 January.")
    assert "content.chain-letter" not in rule_ids(check(raw))
