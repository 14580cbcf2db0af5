"""A check that shows someone may be at risk really tells the safeguarding lead.

Before: the rulebook's advice said self-harm and extremism content "has been passed to the
designated safeguarding lead" and violence "held for review", while nothing happened and
the page said nothing is stored. Now such a check raises a concern in the concerns inbox
(esafety/concerns): self-harm is urgent and emailed at once, the others wait for the daily
summary, and the page says which.
"""

import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from esafety.audit.models import AuditEvent
from esafety.checks import cli
from esafety.concerns import rules as concern_rules
from esafety.concerns.models import Concern
from esafety.directory import roles
from esafety.engine.messages.rulebook import builtin_rulebook
from esafety.incidents.models import Incident
from tests.engine_messages.mail import make_mail

URL = "/checks/"
SELF_HARM = "I want to kill myself tonight, I cannot go on any more."
PRIVATE = "My nan's dog is called Biscuit and she lives at 4 Elm Road."
EXTREMISM = "Join the jihad and kill the kuffar, white power forever"
CLAIMS = re.compile(r"has been (passed|blocked|held|reported|sent)|held for review|we have "
                    r"(told|passed|reported)", re.I)


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def committed(disposable_append_only_tables, transactional_db):
    """Real commits, so the urgent email runs after commit as it does in use (the page then
    says whether it went); the append-only tables are emptied afterwards."""


def _received(client, body, **extra):
    raw = make_mail(sender="Stranger <stranger@example.net>", to=["pupil@hollinspark.sch.uk"],
                    subject="hello", body=body)
    return client.post(URL, {"upload": SimpleUploadedFile("m.eml", raw, "message/rfc822"),
                             "direction": "received", **extra})


def test_no_advice_claims_something_was_done():
    for rule in builtin_rulebook().rules:
        assert not CLAIMS.search(rule.advice), rule.id


def test_a_received_message_about_self_harm_is_an_urgent_concern_and_the_dsl_emailed(
        committed, client_for, teacher, dsl, pupil):
    response = _received(client_for(teacher), SELF_HARM + "\n\n" + PRIVATE)
    body = response.content.decode()
    concern = Concern.objects.get()
    assert concern.source == concern_rules.MESSAGE_CHECK
    assert concern.rule == "content.self-harm" and concern.topic == concern_rules.SELF_HARM
    assert concern.urgent and concern.state == concern_rules.NEW
    assert concern.person == pupil  # the pupil it was sent to
    assert "kill myself" in concern.excerpt  # the excerpt the checker quoted
    assert "Biscuit" not in concern.excerpt + str(concern.details)  # not the whole message
    assert concern.details["from"] == "stranger@example.net"
    assert any(c.startswith("004 §3.2.3") for c in concern.clauses)
    assert "designated safeguarding lead" in concern.advice
    assert Incident.objects.count() == 0  # the inbox, not the incident log
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert "kill myself" not in mail.outbox[0].body  # where to look, never what was found
    assert f"/concerns/{concern.pk}/" in mail.outbox[0].body
    assert "We have told Dev Safeguard, the designated safeguarding lead." in body
    assert concern.reference in body
    audit = AuditEvent.objects.get(event_type="concern_raised")
    assert audit.actor_id == teacher.pk and audit.after["rule"] == "content.self-harm"
    assert "kill myself" not in str(audit.details) + str(audit.after)


def test_when_the_email_fails_the_page_says_so_and_asks_them_to_tell_the_dsl(committed,
        client_for, teacher, dsl, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    body = _received(client_for(teacher), SELF_HARM).content.decode()
    concern = Concern.objects.get()
    assert "only prints emails" in concern.email_failure
    assert AuditEvent.objects.filter(event_type="concern_email_failed").exists()
    assert "but the email to them could not be sent" in body
    assert "Please tell the designated safeguarding lead yourself today." in body
    assert "We have told" not in body


def test_extremism_received_is_told_to_the_dsl_at_once(committed, client_for, teacher, dsl):
    """In a message, extremism is the designated person's to judge now (a Prevent referral),
    as it was before the inbox: urgent, emailed after commit."""
    body = " ".join(_received(client_for(teacher), EXTREMISM).content.decode().split())
    concern = Concern.objects.get(rule="content.extremism")
    assert concern.topic == concern_rules.EXTREMISM and concern.urgent
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert concern.reference in body
    assert "We have told Dev Safeguard, the designated safeguarding lead." in body


def test_a_message_staff_are_sending_gets_advice_only(client_for, teacher, dsl):
    response = client_for(teacher).post(URL, {"message": SELF_HARM, "direction": "sending"})
    body = response.content.decode()
    assert "Self-harm or suicide risk" in body
    assert "nothing has been stored and nobody has been told" in body
    assert not CLAIMS.search(body)
    assert Concern.objects.count() == 0 and mail.outbox == []


def test_a_received_message_with_nothing_worrying_is_not_recorded(client_for, teacher, dsl):
    _received(client_for(teacher), "See you at parents' evening on Tuesday.")
    assert Concern.objects.count() == 0


def test_the_page_no_longer_says_nothing_is_stored(client_for, teacher):
    body = " ".join(client_for(teacher).get(URL).content.decode().split())
    assert "Nothing you check here is stored." not in body
    assert "is recorded as a concern for the designated safeguarding lead" in body


def test_another_schools_check_is_recorded_in_their_school_only(committed,
        client_for, outsider, make_person, other_school, dsl):
    their_dsl = make_person(roles.DSL, school=other_school, username="their-dsl")
    _received(client_for(outsider), SELF_HARM)
    concern = Concern.objects.get()
    assert concern.school == other_school
    assert [m.to for m in mail.outbox] == [[their_dsl.email], [outsider.email]]


def test_parents_cannot_post_checks(client_for, parent):
    response = client_for(parent).post(URL, {"message": SELF_HARM, "direction": "received"})
    assert response.status_code == 404
    assert Concern.objects.count() == 0


def test_a_pupils_own_draft_about_self_harm_lets_the_safety_lead_know(
        committed, client_for, pupil, dsl):
    body = " ".join(client_for(pupil).post(URL, {
        "message": SELF_HARM, "direction": "sending"}).content.decode().split())
    concern = Concern.objects.get()
    assert concern.person == pupil and concern.urgent
    assert AuditEvent.objects.get(event_type="concern_raised").actor_id == pupil.pk
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert "We have let Dev Safeguard, who looks after safety at school, know." in body
    assert "Childline on 0800 1111" in body
    assert concern.reference not in body and "concern" not in body.split("Check a message")[-1]


def test_when_the_email_fails_a_pupil_is_asked_to_tell_an_adult(
        committed, client_for, pupil, dsl, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    body = " ".join(client_for(pupil).post(URL, {
        "message": SELF_HARM, "direction": "sending"}).content.decode().split())
    assert "but we could not send them a message just now" in body
    assert "Please tell a teacher or another adult you trust today" in body
    assert "We have let" not in body


def test_with_no_school_nobody_is_told_and_the_page_says_so(client_for, make_person, db):
    from esafety.directory.models import Person

    operator = Person.objects.create_superuser("operator", "op@example.org", "x")
    body = _received(client_for(operator), SELF_HARM).content.decode()
    assert "Nobody has been told" in body and Concern.objects.count() == 0


# --- the command line -----------------------------------------------------------------

@pytest.fixture
def with_database(monkeypatch):
    monkeypatch.setattr(cli, "_database_configured", lambda: True)


def test_scan_records_a_pupils_message_and_says_who_was_told(committed,
        with_database, school, dsl, pupil, tmp_path, capsys):
    folder = tmp_path / "mail"
    folder.mkdir()
    (folder / "1.eml").write_bytes(make_mail(sender=pupil.email, to=["friend@example.com"],
                                             subject="bye", body=SELF_HARM))
    (folder / "2.eml").write_bytes(make_mail(sender=pupil.email, to=["friend@example.com"],
                                             subject="homework", body="See you tomorrow."))
    assert cli.scan_main([str(folder), "--quiet"]) == 0
    out = capsys.readouterr().out
    concern = Concern.objects.get()
    assert concern.source == concern_rules.SCAN and concern.person == pupil
    assert concern.details["checked_by"].startswith("automatically, by `esafety scan`")
    assert AuditEvent.objects.get(event_type="concern_raised").actor_id is None  # esafety
    assert "Someone may be at risk in 1 message:" in out
    assert f"1.eml: Recorded as concern {concern.reference} in the concerns inbox for " \
           "Dev Safeguard; emailed Dev Safeguard." in out
    assert [m.to for m in mail.outbox] == [[dsl.email]]


def test_no_report_records_nothing_and_says_nobody_was_told(
        with_database, school, dsl, tmp_path, capsys):
    path = tmp_path / "m.eml"
    path.write_bytes(make_mail(sender="a@example.net", to=[dsl.email], body=SELF_HARM))
    assert cli.check_main([str(path), "--no-report"]) == 0
    out = capsys.readouterr().out
    assert "Who has been told: Nobody has been told: --no-report was given." in out
    assert Concern.objects.count() == 0


def test_a_school_without_a_dsl_is_told_plainly(with_database, school, tmp_path, capsys):
    path = tmp_path / "m.eml"
    path.write_bytes(make_mail(sender="a@example.net", to=["x@hollinspark.sch.uk"],
                               body=SELF_HARM))
    assert cli.check_main([str(path), "--json"]) == 0
    import json

    told = json.loads(capsys.readouterr().out)["told"]
    assert told["recorded"] is None
    assert "no designated safeguarding lead" in told["not_recorded"]


def test_a_staff_draft_on_the_command_line_is_advice_only(with_database, school, dsl,
                                                          tmp_path, capsys):
    path = tmp_path / "m.txt"
    path.write_text(SELF_HARM)
    assert cli.check_main([str(path), "--text", "--sender-role", "teacher"]) == 0
    out = capsys.readouterr().out
    assert "Who has been told" not in out and not CLAIMS.search(out)
    assert Concern.objects.count() == 0


def test_a_held_draft_says_esafety_does_not_stop_email_itself(client_for, teacher):
    body = client_for(teacher).post(URL, {
        "message": "Call my mobile on 07700 900123.", "direction": "sending",
        "audience": "parents"}).content.decode()
    assert "HOLD" in body
    assert "esafety does not send or stop email itself: HOLD means do not send it as it is" \
        in body


def test_the_approved_recipients_page_claims_no_blocking(client_for, teacher):
    body = client_for(teacher).get("/checks/approved/").content.decode()
    assert "blocked by the message checker" not in body
    assert "marks a pupil&#x27;s message to anyone else BLOCK" in body or \
        "marks a pupil's message to anyone else BLOCK" in body


def test_scan_can_name_the_member_of_staff_running_it(
        committed, with_database, school, dsl, teacher, pupil, tmp_path, capsys):
    path = tmp_path / "m.eml"
    path.write_bytes(make_mail(sender="stranger@example.net", to=[pupil.email], body=SELF_HARM))
    assert cli.check_main([str(path), "--reporter", teacher.username]) == 0
    concern = Concern.objects.get()
    assert AuditEvent.objects.get(event_type="concern_raised").actor_id == teacher.pk
    assert f"run by {teacher.display_name}" in concern.details["checked_by"]
    assert [m.to for m in mail.outbox] == [[dsl.email]]


def test_a_reporter_who_is_not_staff_is_refused_in_one_line(with_database, school, dsl, pupil,
                                                            tmp_path, capsys):
    path = tmp_path / "m.eml"
    path.write_bytes(make_mail(sender="stranger@example.net", body=SELF_HARM))
    assert cli.check_main([str(path), "--reporter", pupil.username]) == 2
    assert "is not a member of staff" in capsys.readouterr().err
    assert Concern.objects.count() == 0


def test_the_same_message_checked_again_counts_on_the_concern_and_emails_once(
        committed, client_for, teacher, dsl, pupil):
    client = client_for(teacher)
    _received(client, SELF_HARM)
    body = _received(client, SELF_HARM).content.decode()
    concern = Concern.objects.get()
    assert concern.occurrences == 2
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert "We have told Dev Safeguard, the designated safeguarding lead." in body
