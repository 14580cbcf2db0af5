"""A pupil telling a member of staff that someone is harming them: the mail filter delivers
it at once (no "held" notice, nothing kept back) and the designated safeguarding lead gets an
urgent concern, as for a pupil who says they want to die (test_filter_smtp.py)."""

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
