"""A child telling of harm done to them becomes an urgent abuse concern: the safeguarding
lead is emailed at once, as for self-harm (tests/checks/test_concerns.py)."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile

from esafety.audit.models import AuditEvent
from esafety.concerns import rules
from esafety.concerns.models import Concern
from tests.engine_messages.mail import make_mail

URL = "/checks/"
DISCLOSURE = "Miss, my dad hits me when he has been drinking and I'm scared to go home."
PRIVATE = "My nan's dog is called Biscuit and she lives at 4 Elm Road."


@pytest.fixture
def committed(disposable_append_only_tables, transactional_db):
    """Real commits, so the urgent email runs after commit as it does in use."""


def test_the_disclosure_rule_raises_an_urgent_abuse_concern():
    assert rules.CHECKER_RULE_TOPICS["content.disclosure"] == rules.ABUSE
    assert rules.is_urgent(rules.CHECKER_RULE_TOPICS["content.disclosure"], rules.MAIL_FLOW)


def test_a_received_disclosure_is_an_urgent_abuse_concern_and_the_dsl_emailed(
        committed, client_for, teacher, dsl, pupil):
    raw = make_mail(sender=f"Pupil <{pupil.email}>", to=[teacher.email], subject="help",
                    body=DISCLOSURE + "\n\n" + PRIVATE)
    body = " ".join(client_for(teacher).post(URL, {
        "upload": SimpleUploadedFile("m.eml", raw, "message/rfc822"),
        "direction": "received"}).content.decode().split())
    concern = Concern.objects.get()
    assert concern.rule == "content.disclosure" and concern.topic == rules.ABUSE
    assert concern.urgent and concern.state == rules.NEW
    assert concern.source == rules.MESSAGE_CHECK
    assert concern.rule_title == "A child may be being harmed"
    assert "hits me" in concern.excerpt  # the excerpt the checker quoted
    assert "Biscuit" not in concern.excerpt + str(concern.details)  # not the whole message
    assert any(c.startswith("002 ") for c in concern.clauses)
    assert "designated safeguarding lead" in concern.advice
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert "hits me" not in mail.outbox[0].body  # where to look, never what was found
    assert "We have told Dev Safeguard, the designated safeguarding lead." in body
    audit = AuditEvent.objects.get(event_type="concern_raised")
    assert audit.after["rule"] == "content.disclosure"


def test_a_pupils_own_draft_telling_of_harm_lets_the_safety_lead_know(
        committed, client_for, pupil, dsl):
    body = " ".join(client_for(pupil).post(URL, {
        "message": "a man on snapchat keeps asking me for pictures and said not to tell my "
                   "parents", "direction": "sending"}).content.decode().split())
    concern = Concern.objects.get()
    assert concern.person == pupil and concern.urgent and concern.topic == rules.ABUSE
    assert [m.to for m in mail.outbox] == [[dsl.email]]
    assert "We have let Dev Safeguard, who looks after safety at school, know." in body
    assert "You did the right thing telling someone" in body
    assert "Childline on 0800 1111" in body
    assert "HOLD means do not send" not in body and "BLOCK means" not in body
