"""The content.* rules: findings carry the excerpt, the clause and the Appendix I rating."""

import pytest

from esafety.engine.messages.checker import check_message, check_text
from tests.engine_messages.mail import make_mail, rule_ids, school_directory

D = school_directory()


@pytest.mark.parametrize("body,rule,action,rating", [
    ("Honestly this fucking report system is useless.", "content.profanity", "warn", "serious"),
    ("You are a pathetic, useless idiot and everyone in the department laughs at you.",
     "content.abuse", "hold", "gross"),
    ("Typical paki, go back to your own country.", "content.discrimination", "block", "gross"),
    ("Send me some nudes tonight, don't tell your parents, it's our little secret.",
     "content.sexual", "block", "gross"),
    ("I'm going to stab you after school, watch your back.", "content.violence", "block",
     "gross"),
    ("I can't cope any more. I want to kill myself.", "content.self-harm", "hold", "serious"),
    ("Join the caliphate. Death to the kuffar.", "content.extremism", "block", "gross"),
])
def test_each_content_rule_fires_on_a_realistic_message(body, rule, action, rating):
    raw = make_mail(sender="Pip Pupil <pip.pupil@pupils.hollinspark.sch.uk>",
                    to=["t.teach@hollinspark.sch.uk"], subject="hi", body=body)
    verdict = check_message(raw, directory=D)
    finding = next(f for f in verdict.findings if f.rule.id == rule)
    assert finding.action == action
    assert finding.evidence and finding.evidence[0].part == "body"
    assert finding.evidence[0].excerpt
    assert finding.rule.clauses
    assert verdict.rating == rating


def test_the_excerpt_quotes_the_original_obfuscated_words():
    verdict = check_text("Honestly, what a load of sh1t this is.", sender_role="teacher")
    finding = next(f for f in verdict.findings if f.rule.id == "content.profanity")
    assert "sh1t" in finding.evidence[0].excerpt


def test_profanity_in_the_subject_is_reported_as_the_subject():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="this bullshit rota",
                    body="See attached.")
    finding = next(f for f in check_message(raw, directory=D).findings
                   if f.rule.id == "content.profanity")
    assert finding.evidence[0].part == "subject"


@pytest.mark.parametrize("body", [
    "Dear parents, the Year 9 sex education evening is on Tuesday in the hall.",
    "Our Dick Whittington panto tickets are on sale; the Scunthorpe trip is full.",
    "The biology assessment covers reproduction, the penis, testes and vagina.",
    "Thank you for raising £340 for breast cancer research. Please fill in the form.",
    "The Sussex cockpit tour is cancelled; sorry for the late notice!",
])
def test_ordinary_school_mail_has_no_content_findings(body):
    raw = make_mail(to=["parents@hollinspark.sch.uk"], body=body)
    verdict = check_message(raw, directory=D)
    assert not [r for r in rule_ids(verdict) if r.startswith("content.")]
    assert verdict.rating is None


def test_inbound_abuse_to_staff_is_caught_too():
    raw = make_mail(sender="Angry <angry@example.com>", to=["t.teach@hollinspark.sch.uk"],
                    subject="You", body="You are a useless fucking teacher, you stupid cow.")
    verdict = check_message(raw, directory=D)
    assert {"content.abuse", "content.profanity"} <= set(rule_ids(verdict))
    assert verdict.verdict == "hold"


def test_a_clean_message_is_allowed():
    raw = make_mail(to=["h.head@hollinspark.sch.uk"], subject="Cover for period 3",
                    body="Hi Helen, I can cover 9X2 in period 3. Thanks, Tom")
    verdict = check_message(raw, directory=D)
    assert verdict.as_dict() == {"verdict": "allow", "rating": None, "findings": []}


def test_the_excerpt_quotes_the_hostile_line_and_says_where_it_is():
    # In the body the model alone finds it (no lexicon word to point at), so the excerpt is
    # the sentence it finds most hostile; in the subject a phrase of the lexicon matches.
    in_body = check_text("YOU ARE ALL IDIOTS AND I HATE THIS PLACE", subject="hi")
    finding = next(f for f in in_body.findings if f.rule.id == "content.abuse")
    assert finding.evidence[0].part == "body"
    assert finding.evidence[0].excerpt == "YOU ARE ALL IDIOTS AND I HATE THIS PLACE"

    in_subject = check_text("see you tomorrow",
                            subject="you are a useless idiot and a pathetic loser")
    finding = next(f for f in in_subject.findings if f.rule.id == "content.abuse")
    assert finding.evidence[0].part == "subject"
    assert finding.evidence[0].excerpt == "you are a useless idiot and a pathetic loser"


@pytest.mark.parametrize("text,abusive", [
    ("Fuck you, Mr Jones. My son did nothing wrong.", True),
    ("Screw you and your detentions.", True),
    ("What the fuck, you broke the printer again.", False),
])
def test_swearing_aimed_at_the_reader_is_abuse_and_an_exclamation_is_not(text, abusive):
    verdict = check_text(text, sender_role="inbound")
    assert ("content.abuse" in rule_ids(verdict)) is abusive
