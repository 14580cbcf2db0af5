"""Bulk mail (mailing lists, newsletters, automated notices) is judged by a higher bar.

Nobody at the school wrote it and nobody wrote it to this recipient, so swearing and
rudeness in a list post are not raised; obscene, hateful or threatening material still is
when it says so in more than one way.
"""

import pytest

from esafety.engine.messages.checker import check_message
from esafety.engine.messages.message import bulk_reason, parse_message
from tests.engine_messages.mail import make_mail, rule_ids

LIST_POST = ("Re: [linux-users] kernel upgrade broke my wifi",
             "I spent a week fucking around with the driver and it still doesn't work.\n"
             "In the end I gave up and bought a card that is supported. Cheers, Aoife\n")


@pytest.mark.parametrize("headers,sender,to,reason", [
    ({"List-Id": "Linux users <linux-users.lists.example.org>"}, "a@example.org", ["b@x.org"],
     "mailing list (List-Id"),
    ({"List-Unsubscribe": "<mailto:leave-news@lists.example.com>"}, "a@example.org",
     ["b@x.org"], "mailing list (List-Unsubscribe"),
    ({"Precedence": "bulk"}, "a@example.org", ["b@x.org"], "Precedence: bulk"),
    ({"Auto-Submitted": "auto-generated"}, "a@example.org", ["b@x.org"], "Auto-Submitted"),
    ({"Sender": "owner-worldwidewords@listserv.example.org"}, "a@example.org", ["b@x.org"],
     "list server (Sender"),
    ({"Return-Path": "<spam-request@z1.example.com>"}, "a@example.org", ["b@x.org"],
     "list server (Return-Path"),
    ({}, "WinXPnews <do_not_reply@bounce.winxpnews.com>", ["b@x.org"], "automated address"),
    ({}, "Mailer <noreply@sourceforge.net>", ["b@x.org"], "automated address"),
    ({}, "Hugh <imho@eircom.net>", ["undisclosed-recipients:;"], "undisclosed recipients"),
])
def test_bulk_mail_is_recognised_by_its_headers(headers, sender, to, reason):
    msg = parse_message(make_mail(sender=sender, to=to, headers=headers))
    assert reason in bulk_reason(msg)


def test_a_personal_reply_quoting_a_newsletter_footer_is_not_bulk():
    body = ("Mrs Khan,\n\nWhy was my son kept in again? This is a joke.\n\n"
            "> To unsubscribe from the Hollins Park newsletter click here\n")
    raw = make_mail(sender="Dave Parent <dave.parent@gmail.com>",
                    to=["h.head@hollinspark.sch.uk"], subject="Re: Newsletter", body=body)
    assert bulk_reason(parse_message(raw)) == ""
    assert check_message(raw).audience == "inbound"


def test_swearing_in_a_list_post_is_not_raised_but_the_same_words_written_to_you_are():
    subject, body = LIST_POST
    listed = make_mail(sender="Aoife <aoife@example.ie>", to=["linux-users@lists.example.org"],
                       subject=subject, body=body,
                       headers={"List-Id": "<linux-users.lists.example.org>",
                                "Precedence": "list"})
    verdict = check_message(listed)
    assert verdict.audience == "bulk"
    assert "content.profanity" not in rule_ids(verdict)
    assert "mailing list" in verdict.read_as

    personal = make_mail(sender="Aoife <aoife@example.ie>", to=["t.teach@hollinspark.sch.uk"],
                         subject=subject, body=body)
    assert "content.profanity" in rule_ids(check_message(personal))


def test_a_news_digest_that_mentions_porn_once_is_not_raised():
    body = ("Today's headlines\n\n* HP suspends 150 staff in email porn probe\n"
            "* Chip maker delays new processor again\n* Broadband prices fall\n")
    raw = make_mail(sender="The Register <newsletter@theregister.example>",
                    to=["t.teach@hollinspark.sch.uk"], subject="Daily headlines", body=body)
    verdict = check_message(raw)
    assert verdict.audience == "bulk"
    assert not [f for f in verdict.findings if f.rule.id.startswith("content.")]


def test_obscene_bulk_mail_is_still_raised():
    body = ("Hot horny teens waiting for you! Watch free hardcore porn and live sex cams, "
            "nude webcam girls, click now. Unsubscribe below.\n")
    raw = make_mail(sender="Hot Deals <noreply@deals.example.biz>",
                    to=["undisclosed-recipients:;"], subject="Your free pass", body=body,
                    headers={"List-Unsubscribe": "<mailto:remove@deals.example.biz>"})
    verdict = check_message(raw)
    assert verdict.audience == "bulk"
    finding = next(f for f in verdict.findings if f.rule.id == "content.sexual")
    assert finding.evidence and verdict.rating == "gross"


def test_hateful_bulk_mail_is_still_raised():
    body = ("Our newsletter: the pakis and the n1ggers are taking over. Send them all back "
            "where they came from.\n")
    raw = make_mail(sender="Patriots <news@patriots.example>", to=["b@x.org"],
                    subject="Weekly update", body=body, headers={"Precedence": "bulk"})
    assert "content.discrimination" in rule_ids(check_message(raw))


def test_a_newsletter_asking_to_be_shared_is_not_a_chain_letter_but_a_real_chain_is():
    newsletter = ("That's all for this week.\n\nPlease forward this to anyone you think might "
                  "be interested, and send this on to as many people as you can. If you "
                  "received it from a friend, subscribe at our website.\n")
    raw = make_mail(sender="IMHO <imho@example.ie>", to=["undisclosed-recipients:;"],
                    subject="IMHO 1.10", body=newsletter)
    assert "content.chain-letter" not in rule_ids(check_message(raw))

    chain = ("Forward this to at least 10 people within the next hour. If you don't forward "
             "it you will have bad luck for seven years. Do not break the chain!\n")
    raw = make_mail(sender="Auntie Val <val@example.com>", to=["undisclosed-recipients:;"],
                    subject="Fwd: Fw: luck", body=chain)
    verdict = check_message(raw)
    assert verdict.audience == "bulk"
    assert "content.chain-letter" in rule_ids(verdict)


def test_staff_mail_is_never_read_as_bulk():
    subject, body = LIST_POST
    raw = make_mail(sender="Tom Teach <t.teach@hollinspark.sch.uk>",
                    to=["linux-users@lists.example.org"], subject=subject, body=body,
                    headers={"Precedence": "list"})
    verdict = check_message(raw, sender_role="teacher")
    assert verdict.audience == "staff"
    assert "content.profanity" in rule_ids(verdict)
