"""A draft pasted without headers is checked for where it is going.

Before: "Dear parents" + a personal mobile + a pupil's full name + an asthma attack + "on
the child protection register" was ALLOW without a To: line and HOLD with one.
"""

import pytest

from esafety.engine.messages.checker import check_message, check_text
from esafety.engine.messages.message import message_from_text
from tests.engine_messages.mail import make_mail, rule_ids, school_directory

DRAFT = ("Dear parents,\n\nOliver Bennett had an asthma attack at lunch today; he is fine now. "
         "As he is on the child protection register, please keep this to yourselves. If you "
         "need me this evening, call my mobile on 07700 900123.\n\nMs Jones")
HELD = ["privacy.personal-contact-details", "privacy.sensitive-data"]


def test_with_a_to_line_the_draft_is_held():
    raw = make_mail(to=["kim.ng@example.com"], subject="Oliver", body=DRAFT)
    verdict = check_message(raw, directory=school_directory(), sender_role="teacher")
    assert verdict.verdict == "hold"
    assert rule_ids(verdict) == HELD


def test_without_headers_and_no_answer_it_is_checked_as_leaving_the_school():
    verdict = check_text(DRAFT, sender_role="teacher")
    assert verdict.verdict == "hold"
    assert rule_ids(verdict) == HELD
    assert "assumed as nobody said who" in verdict.findings[1].evidence[0].excerpt
    assert verdict.read_as.endswith("going to someone outside the school, assumed as nobody "
                                    "said who")


@pytest.mark.parametrize("audience,expected", [
    ("parents", HELD),
    ("outside", HELD),
    ("pupils", ["privacy.personal-contact-details"]),  # in school: not "sent outside"
    ("staff", []),
])
def test_the_writers_answer_is_used_by_the_rules_that_need_recipients(audience, expected):
    verdict = check_text(DRAFT, sender_role="teacher", audience=audience)
    assert rule_ids(verdict) == expected
    assert verdict.verdict == ("hold" if expected else "allow")


def test_the_answer_is_quoted_in_the_evidence():
    verdict = check_text(DRAFT, sender_role="teacher", audience="parents")
    assert verdict.findings[0].evidence[0].excerpt.endswith("(to parents or carers, as you said)")


def test_named_recipients_win_over_the_answer():
    msg = message_from_text(DRAFT, audience="staff")
    msg.to = [("Kim Ng", "kim.ng@example.com")]
    from esafety.engine.messages.checker import check_parsed

    verdict = check_parsed(msg, directory=school_directory(), sender_role="teacher")
    assert "privacy.personal-contact-details" in rule_ids(verdict)


def test_an_unknown_audience_is_refused():
    with pytest.raises(ValueError, match="unknown audience"):
        check_text(DRAFT, audience="aliens")
