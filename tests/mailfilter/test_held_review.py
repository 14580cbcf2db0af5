"""Reviewing held mail: a release loses nobody (a recipient the mail server cannot take just
now keeps it held for them), the headteacher's nominee may authorise reading private held
mail as they may captured mail, and a pupil is told in plain words why their message is
held."""

import email
import email.policy
import json
import smtplib
import subprocess
import time

import pytest

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.mailfilter import server
from esafety.mailfilter.actions import ingest_events
from esafety.mailfilter.actions.review import held_paths
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.server import HELD_DIR
from tests.mailfilter import postfix
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import FilterThread, free_port, message

TEACHER = "tom@hollinspark.sch.uk"
OTHER = "dsl@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"
FORGED = "someone@forged.example"
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."
LATER = "450 4.2.1 Mailbox busy, try again later"
NEVER = "550 5.1.1 No such user here"


def hold(mail_filter, mail_school, sender, rcpts, subject, body, **headers) -> HeldMessage:
    raw = message(sender, rcpts, subject, body, **headers)
    assert "Held" in send(mail_filter.port, sender, rcpts, raw)[1]
    ingest_events(mail_school["school"])
    return HeldMessage.objects.get()


@pytest.fixture
def held(mail_filter, mail_school):
    """An outside sender's obscene message to two members of staff."""
    return hold(mail_filter, mail_school, FORGED, [TEACHER, OTHER], "About today", OBSCENE)


def release(client, held, note=""):
    response = client.post(f"/mail/held/{held.pk}/release/", {"note": note}, follow=True)
    held.refresh_from_db()
    return response, [str(m) for m in response.context["messages"]]


def deliveries():
    return [e.details["delivery"] for e in
            AuditEvent.objects.filter(event_type="held_message_released").order_by("at", "id")]


# ------------------------------------------------------------------ release: nothing lost

def test_a_full_release_delivers_to_every_recipient_and_closes_it(held, client_for, dsl,
                                                                  sink, mail_school):
    response, said = release(client_for(dsl), held, "fine")
    [delivered] = sink.delivered
    assert delivered.rcpts == [TEACHER, OTHER] and OBSCENE.encode() in delivered.raw
    assert (held.status, held.decided_by, held.decision_note) == (HeldMessage.RELEASED, dsl,
                                                                 "fine")
    assert list((mail_school["folder"] / HELD_DIR).iterdir()) == []
    assert said == [f"Released. Delivered to {TEACHER}, {OTHER}."]
    assert deliveries() == [{"delivered": [TEACHER, OTHER], "not_delivered_yet": {},
                             "refused_for_good": {}, "delivered_before": 0,
                             "still_held": False, "progress_saved": True}]
    assert AuditEvent.objects.get(event_type="held_message_released").details["note"] == "fine"


def test_a_recipient_the_mail_server_defers_keeps_it_held_and_the_next_release_goes_only_to_them(
        held, client_for, dsl, sink, mail_school):
    sink.handler.rcpt_replies[OTHER] = LATER
    response, said = release(client_for(dsl), held)
    # The one the mail server took has it; the other has not lost it: it is still held.
    [first] = sink.delivered
    assert first.rcpts == [TEACHER]
    assert held.status == HeldMessage.HELD and held.decided_by is None
    assert all(path.exists() for path in held_paths(held))
    assert said == [f"Delivered to {TEACHER}. Not delivered yet to {OTHER}: the mail server "
                    f"could not take it for them just now ({LATER}). The message is still "
                    "held for them: release it again in a few minutes and it goes only to "
                    "them."]
    page = response.content.decode()
    assert response.request["PATH_INFO"] == f"/mail/held/{held.pk}/"
    assert "Not delivered yet to 1 recipient" in page and f"{OTHER} (the mail server said: " \
        f"{LATER})" in page and "Try again: deliver to those not delivered yet" in page
    assert deliveries() == [{"delivered": [TEACHER], "not_delivered_yet": {OTHER: LATER},
                             "refused_for_good": {}, "delivered_before": 0,
                             "still_held": True, "progress_saved": True}]
    list_page = client_for(dsl).get("/mail/held/").content.decode()
    assert "not delivered yet to 1 recipient" in list_page

    sink.handler.rcpt_replies.clear()
    response, said = release(client_for(dsl), held, "second go")
    [_, second] = sink.delivered
    assert second.rcpts == [OTHER]  # never a second copy to the teacher
    assert held.status == HeldMessage.RELEASED and held.decision_note == "second go"
    assert list((mail_school["folder"] / HELD_DIR).iterdir()) == []
    assert said == [f"Released. Delivered to {OTHER}."]
    assert deliveries()[1] == {"delivered": [OTHER], "not_delivered_yet": {},
                               "refused_for_good": {}, "delivered_before": 1,
                               "still_held": False, "progress_saved": True}
    page = client_for(dsl).get(f"/mail/held/{held.pk}/").content.decode()
    assert "Delivered to 2:" in page and "Not delivered yet" not in page


def test_when_the_mail_server_takes_nothing_it_stays_held_for_everyone_and_that_is_audited(
        held, client_for, dsl, sink):
    sink.handler.refuse = True  # 451 after DATA: nobody got it
    response, said = release(client_for(dsl), held)
    assert sink.delivered == [] and held.status == HeldMessage.HELD
    assert said[0].startswith(f"Not delivered yet to {TEACHER}, {OTHER}: ")
    assert "451 4.3.0 sink is down" in said[0]
    [attempt] = deliveries()
    assert attempt["delivered"] == [] and attempt["still_held"] is True
    assert set(attempt["not_delivered_yet"]) == {TEACHER, OTHER}

    sink.handler.refuse = False
    release(client_for(dsl), held)
    [delivered] = sink.delivered
    assert delivered.rcpts == [TEACHER, OTHER] and held.status == HeldMessage.RELEASED


def test_when_the_mail_server_cannot_be_reached_nothing_is_lost(held, client_for, dsl, sink):
    meta_path = held_paths(held)[1]
    meta = json.loads(meta_path.read_bytes())
    meta_path.write_text(json.dumps({**meta, "next_hop": ["127.0.0.1", free_port()]}))
    response, said = release(client_for(dsl), held)
    assert held.status == HeldMessage.HELD and "could not be reached" in said[0]
    [attempt] = deliveries()
    assert set(attempt["not_delivered_yet"]) == {TEACHER, OTHER}


def test_a_recipient_refused_for_good_is_recorded_and_shown_and_the_others_get_it(
        held, client_for, dsl, sink, mail_school):
    sink.handler.rcpt_replies[OTHER] = NEVER
    response, said = release(client_for(dsl), held)
    [delivered] = sink.delivered
    assert delivered.rcpts == [TEACHER] and held.status == HeldMessage.RELEASED
    assert list((mail_school["folder"] / HELD_DIR).iterdir()) == []
    assert said == [f"Released. Delivered to {TEACHER}. The mail server refused it for good "
                    f"for {OTHER}: they will not get it ({NEVER})."]
    assert deliveries() == [{"delivered": [TEACHER], "not_delivered_yet": {},
                             "refused_for_good": {OTHER: NEVER}, "delivered_before": 0,
                             "still_held": False, "progress_saved": True}]
    page = client_for(dsl).get(f"/mail/held/{held.pk}/").content.decode()
    assert "Refused for good by the receiving mail server (1)" in page
    assert f"{OTHER} (the mail server said: {NEVER})" in page


def test_when_every_recipient_is_refused_for_good_it_stays_held_to_return_or_delete(
        held, client_for, dsl, sink):
    sink.handler.rcpt_replies.update({TEACHER: NEVER, OTHER: NEVER})
    response, said = release(client_for(dsl), held)
    assert sink.delivered == [] and held.status == HeldMessage.HELD
    assert said[0].endswith("Nobody has it, so it is still held: return it to its sender or "
                            "delete it.")
    page = response.content.decode()
    assert "Nobody has it: return it to its sender or delete it." in page
    assert "Release and deliver" not in page and "Try again" not in page
    response, said = release(client_for(dsl), held)  # pressed again all the same
    assert "nobody left to deliver it to" in said[0] and len(deliveries()) == 1
    client_for(dsl).post(f"/mail/held/{held.pk}/delete/")
    held.refresh_from_db()
    assert held.status == HeldMessage.DELETED


def wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.postfix
@pytest.mark.skipif(not postfix.available(),
                    reason="Debian postfix package not installed, or not running as root")
def test_with_a_real_postfix_a_deferred_recipient_keeps_it_held_until_a_second_release(
        mail_school, sink, client_for, dsl):
    """Postfix's re-injection smtpd answers 450 for one recipient (an access table, as a
    busy policy service or a lookup failing would); the other gets it through Postfix."""
    pf = postfix.Postfix(sink.port, None)
    table = pf.root / "deferred"
    table.write_text("")
    pf.extra = (f"smtpd_relay_restrictions = check_recipient_access texthash:{table}, "
                "permit_mynetworks, reject")

    def defer(address: str) -> None:
        table.write_text(f"{address} {LATER}\n" if address else "")
        subprocess.run([postfix.POSTFIX, "-c", str(pf.etc), "reload"], check=True,
                       capture_output=True, timeout=60)

        def answers() -> bool:  # a new smtpd, with the table as now written
            try:
                with smtplib.SMTP("127.0.0.1", pf.reinject, timeout=10) as smtp:
                    smtp.ehlo()
                    smtp.mail("")
                    code = smtp.rcpt(OTHER)[0]
                    smtp.rset()
            except (OSError, smtplib.SMTPException):
                return False  # Postfix still reloading
            return (code == 450) == bool(address)
        assert wait(answers)

    config = server.Config(school=mail_school["school"].slug, folder=mail_school["folder"],
                           next_hop=("127.0.0.1", pf.reinject), timeout=10)
    with FilterThread(config) as running:
        pf.filter_port = running.port
        with pf:
            with smtplib.SMTP("127.0.0.1", pf.public, timeout=30) as smtp:
                smtp.sendmail(FORGED, [TEACHER, OTHER],
                              message(FORGED, [TEACHER, OTHER], "About today", OBSCENE))
            assert wait(lambda: ingest_events(mail_school["school"]).held == 1)
            held = HeldMessage.objects.get()
            defer(OTHER)
            response, said = release(client_for(dsl), held)
            assert held.status == HeldMessage.HELD and f"Not delivered yet to {OTHER}" in said[0]
            assert wait(lambda: sink.to(TEACHER))
            assert [d.rcpts for d in sink.delivered] == [[TEACHER]]

            defer("")
            response, said = release(client_for(dsl), held)
            assert held.status == HeldMessage.RELEASED
            assert wait(lambda: sink.to(OTHER))
            assert [d.rcpts for d in sink.delivered] == [[TEACHER], [OTHER]]
            assert pf.queue_count() == 0


# ------------------------------------------------------------------ the head's nominee

@pytest.fixture
def private_held(mail_filter, mail_school):
    return hold(mail_filter, mail_school, TEACHER, ["someone@gmail.com"], "news",
                "I will stab you tomorrow at the gates, you are dead, I will kill you.",
                Sensitivity="Private")


def name_nominee(school, person):
    from esafety.authorisations.models import AuthorisationSettings

    AuthorisationSettings.objects.update_or_create(school=school, defaults={"nominee": person})


def test_the_heads_nominee_may_authorise_reading_private_held_mail(
        private_held, mail_school, make_person, client_for, dsl):
    nominee = make_person(roles.ASSISTANT_HEAD)
    url = f"/mail/held/{private_held.pk}/authorise/"
    reasons = "Threats of violence: the DSL must read them in full today."
    assert client_for(nominee).get(url).status_code == 404
    assert client_for(nominee).post(url, {"reasons": reasons}).status_code == 404
    name_nominee(mail_school["school"], nominee)
    page = client_for(nominee).get(url)
    assert page.status_code == 200 and "stab you" not in page.content.decode()
    assert "Threats or violence" in page.content.decode()
    viewed = AuditEvent.objects.filter(event_type="held_message_viewed", actor=nominee).get()
    assert viewed.details["content_shown"] is False
    assert client_for(nominee).post(url, {"reasons": reasons}).status_code == 302
    private_held.refresh_from_db()
    assert private_held.authorised_by == nominee and private_held.authorisation_reasons == reasons
    assert AuditEvent.objects.get(event_type="held_message_authorised").actor == nominee
    # A nominee is not a reviewer: they still cannot open held mail itself.
    assert client_for(nominee).get(f"/mail/held/{private_held.pk}/").status_code == 404
    assert "stab you" in client_for(dsl).get(f"/mail/held/{private_held.pk}/").content.decode()


def test_staff_who_are_not_the_nominee_cannot_authorise(private_held, mail_school, make_person,
                                                        client_for, dsl, online_safety_lead,
                                                        outsider):
    assistant = make_person(roles.ASSISTANT_HEAD)
    name_nominee(mail_school["school"], make_person(roles.ASSISTANT_HEAD))
    url = f"/mail/held/{private_held.pk}/authorise/"
    for person in (assistant, mail_school["teacher"], dsl, online_safety_lead, outsider):
        client = client_for(person)
        assert client.get(url).status_code == 404
        assert client.post(url, {"reasons": "I would like to read this one please."}
                           ).status_code == 404
    private_held.refresh_from_db()
    assert private_held.authorised_at is None
    assert not AuditEvent.objects.filter(event_type="held_message_authorised").exists()
    # A reviewer is told who can, and sees no form of their own.
    page = client_for(dsl).get(f"/mail/held/{private_held.pk}/").content.decode()
    assert "the headteacher or their nominee" in page and "Record my authorisation" not in page


def test_a_former_nominee_may_no_longer_authorise(private_held, mail_school, make_person,
                                                  client_for, headteacher):
    former = make_person(roles.ASSISTANT_HEAD)
    name_nominee(mail_school["school"], former)
    name_nominee(mail_school["school"], make_person(roles.ASSISTANT_HEAD))
    url = f"/mail/held/{private_held.pk}/authorise/"
    assert client_for(former).get(url).status_code == 404
    # The headteacher always may.
    assert client_for(headteacher).get(url).status_code == 200


def test_a_nominee_who_reviews_held_mail_authorises_on_the_message_itself(
        private_held, mail_school, client_for, dsl, online_safety_lead):
    name_nominee(mail_school["school"], online_safety_lead)
    client = client_for(online_safety_lead)
    page = client.get(f"/mail/held/{private_held.pk}/").content.decode()
    assert "stab you" not in page and "Record my authorisation" in page
    response = client.post(f"/mail/held/{private_held.pk}/authorise/",
                           {"reasons": "Threats of violence against a member of the public."})
    assert response.url == f"/mail/held/{private_held.pk}/"
    assert "stab you" in client_for(dsl).get(f"/mail/held/{private_held.pk}/").content.decode()


def test_a_nominee_cannot_authorise_mail_that_is_not_private(held, mail_school, make_person,
                                                             client_for):
    nominee = make_person(roles.ASSISTANT_HEAD)
    name_nominee(mail_school["school"], nominee)
    assert client_for(nominee).get(f"/mail/held/{held.pk}/authorise/").status_code == 404


# ------------------------------------------------------------------ telling the sender

def read(delivered):
    """The message as its reader sees it (headers decoded)."""
    return email.message_from_bytes(delivered.raw, policy=email.policy.default)


def text_of(delivered) -> str:
    return delivered.text.replace("\r\n", "\n")


def pupil_notice(mail_filter, mail_school, sink, body, subject="for grandma"):
    hold(mail_filter, mail_school, PUPIL, ["grandma@example.org"], subject, body)
    [notice] = sink.to(PUPIL)
    return notice


def assert_plain_for_a_pupil(text: str, *never: str) -> None:
    for code in ("§", "policy", "000 ", "001 ", "002 ", "003 ", "004 ", "Appendix"):
        assert code not in text
    for words in never:
        assert words.lower() not in text.lower()


def test_a_pupil_is_told_in_plain_words_why_their_message_is_held(mail_filter, mail_school,
                                                                   sink):
    body = "You are so ugly and stupid, nobody likes you, you fat loser, everyone hates you."
    notice = pupil_notice(mail_filter, mail_school, sink, body, subject="you are ugly")
    text = text_of(notice)
    assert read(notice)["Subject"] == "Your email is waiting to be checked"
    assert "Your email to grandma@example.org has not been sent yet" in text
    assert "looked like this:\n\n    - Abusive or insulting language\n" in text
    assert "A member of staff will look at your email" in text
    assert "talk to a teacher or another adult you trust" in text
    # Nothing of the message is said back: not its words, not its subject.
    assert_plain_for_a_pupil(text, "ugly", "loser", "hates")
    assert sink.to("grandma@example.org") == []


def test_a_pupil_held_for_sexual_content_is_neither_scolded_nor_frightened(mail_filter,
                                                                           mail_school, sink):
    notice = pupil_notice(mail_filter, mail_school, sink, "send me naked pics of you, I want "
                          "to see your tits and have sex with you")
    text = text_of(notice)
    assert "    - Sexual content\n" in text and "sometimes gets things wrong" in text
    assert "Childline on 0800 1111" in text
    # The rule's advice is for adults and for whoever received such a message.
    assert_plain_for_a_pupil(text, "no place", "report it", "designated safeguarding lead",
                             "police", "naked", "sex with")


def test_a_member_of_staffs_notice_keeps_the_policy_clauses(mail_filter, mail_school, sink):
    hold(mail_filter, mail_school, TEACHER, ["parent@known.example"], "About today", OBSCENE)
    [notice] = sink.to(TEACHER)
    assert read(notice)["Subject"] == "Held for review: \u201cAbout today\u201d"
    assert "Abusive or insulting language (policy: 000 §2" in text_of(notice)
    assert "004 Appendix I" in text_of(notice)


def test_an_outside_sender_is_not_told_their_message_is_held(held, sink):
    # Its sender may be forged: a notice would be backscatter to an innocent address.
    assert sink.delivered == []


def test_returning_a_pupils_message_says_why_in_plain_words_and_sends_nothing_of_it_back(
        mail_filter, mail_school, sink, client_for, dsl):
    body = "You are so ugly and stupid, nobody likes you, you fat loser, everyone hates you."
    pupil_notice(mail_filter, mail_school, sink, body)
    held = HeldMessage.objects.get()
    client_for(dsl).post(f"/mail/held/{held.pk}/return/", {"note": "Please be kind to Sam."})
    [_, returned] = sink.to(PUPIL)
    text = text_of(returned)
    assert read(returned)["Subject"] == "Your email was not sent"
    assert "    - Abusive or insulting language\n" in text
    assert "The member of staff says: Please be kind to Sam." in text
    assert "adult you trust" in text
    assert not read(returned).is_multipart() and b"loser" not in returned.raw
    assert_plain_for_a_pupil(text)


def test_returning_a_staff_message_still_gives_the_clauses_and_the_original(
        mail_filter, mail_school, sink, client_for, dsl):
    hold(mail_filter, mail_school, TEACHER, ["parent@known.example"], "About today", OBSCENE)
    held = HeldMessage.objects.get()
    client_for(dsl).post(f"/mail/held/{held.pk}/return/")
    [_, returned] = sink.to(TEACHER)
    [original] = read(returned).iter_attachments()
    assert "policy: 000 §2" in text_of(returned)
    assert OBSCENE.encode() in original.get_content()
