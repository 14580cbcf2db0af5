"""A pupil telling a member of staff that someone is harming them: the mail filter delivers
it at once (no "held" notice, nothing kept back) and the designated safeguarding lead gets an
urgent concern, as for a pupil who says they want to die (test_filter_smtp.py)."""

import json

import pytest

from esafety.mailfilter import engine
from esafety.mailfilter.actions import ingest_events
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.server import HELD_DIR
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import message

TEACHER = "tom@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"


def test_a_pupil_telling_their_teacher_they_are_being_hurt_is_delivered_and_the_dsl_told(
        mail_filter, mail_school, sink):
    from esafety.concerns import rules
    from esafety.concerns.models import Concern

    raw = message(PUPIL, TEACHER, "can i talk to you",
                  "Miss, my stepdad hurts me when he's drunk and I'm scared to go home. He "
                  "said it's our secret.")
    code, text = send(mail_filter.port, PUPIL, [TEACHER], raw)
    assert code == 250 and "passed" in text
    assert len(sink.to(TEACHER)) == 1
    assert sink.to(PUPIL) == []  # no "held" notice to the child
    assert not list((mail_school["folder"] / HELD_DIR).glob("*.eml"))
    ingest_events(mail_school["school"])
    assert HeldMessage.objects.count() == 0
    concern = Concern.objects.get(rule="content.disclosure")
    assert concern.topic == rules.ABUSE and concern.urgent
    assert concern.source == "mail_flow" and concern.person == mail_school["pupil"]
    assert "hurts me" in concern.excerpt


def test_a_groomers_own_message_to_a_pupil_is_still_stopped(mail_filter, sink):
    # Only the child's telling goes through: the same secrecy written to the child is not.
    raw = message("stranger@example.net", PUPIL, "hey",
                  "Don't tell your parents about us, it's our secret. Send me a pic.")
    code, text = send(mail_filter.port, "stranger@example.net", [PUPIL], raw)
    assert code == 250 and "passed" not in text
    assert sink.to(PUPIL) == []


# ---------------------------------------------------- the words a telling quotes never hold it

DOMAIN = "hollinspark.sch.uk"
FRIEND = f"fran@{DOMAIN}"
TELLING_WITH_WORDS = ("my dad hits me and i dont want to go home. also the year 10 boys are "
                      "watching porn in the library every lunch")


@pytest.fixture
def snap(tmp_path):
    data = engine.snapshot_document(
        school="hollins-park", school_name="Hollins Park School", version="1",
        domains=[DOMAIN], members=[(TEACHER, "Tom Teach", "teacher"),
                                   (PUPIL, "Pip Pupil", "pupil"), (FRIEND, "Fran", "pupil")],
        approved={}, correspondents=[], staff_fail_open=False, trusted_authserv=[],
        who_can_approve="Mr Teach", postmaster="")
    path = tmp_path / engine.SNAPSHOT_FILE
    path.write_text(json.dumps(data))
    return engine.load(path)


def test_a_pupil_telling_staff_is_delivered_whatever_words_it_quotes(snap):
    decision = engine.decide(snap, PUPIL, [TEACHER],
                             message(PUPIL, TEACHER, "help", TELLING_WITH_WORDS))
    assert decision.outcome == engine.PASS
    # The designated safeguarding lead is told of all of it.
    rules = {f.rule.id for f in decision.verdict.findings}
    assert {"content.disclosure", "content.sexual"} <= rules


def test_the_same_words_to_another_pupil_are_held_as_before(snap):
    # To a pupil the words may be the bullying itself; only a telling to staff goes.
    decision = engine.decide(snap, PUPIL, [FRIEND],
                             message(PUPIL, FRIEND, "help", TELLING_WITH_WORDS))
    assert decision.outcome == engine.HOLD
    assert [f.rule.id for f in decision.findings] == ["content.sexual"]


def test_a_telling_to_staff_is_still_held_for_what_is_not_its_words(snap):
    decision = engine.decide(snap, PUPIL, [TEACHER, "someone@gmail.com"],
                             message(PUPIL, TEACHER, "help", TELLING_WITH_WORDS))
    assert decision.outcome != engine.PASS
