"""The mail filter over SMTP, with a sink as the next hop: what is delivered, held,
returned or refused, and the 4xx answers that make the mail server keep a message."""

import asyncio
import concurrent.futures
import json
import os
import stat

from esafety.mailfilter import engine, server
from esafety.mailfilter.actions import ingest_events
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.publishing import publish
from esafety.mailfilter.relay import Relay
from esafety.mailfilter.server import EVENTS_DIR, HELD_DIR
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import message

TEACHER = "tom@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."


def test_clean_staff_mail_is_reinjected_before_the_250(mail_filter, sink):
    raw = message(TEACHER, "parent@known.example", "Trip on Friday", "Coats please.")
    code, text = send(mail_filter.port, TEACHER, ["parent@known.example"], raw)
    assert code == 250
    assert [(d.mail_from, d.rcpts, d.raw.replace(b"\r\n", b"\n"))
            for d in sink.delivered] == [(TEACHER, ["parent@known.example"],
                                          raw.replace(b"\r\n", b"\n"))]


def test_pupil_to_unapproved_address_is_refused_with_plain_words(mail_filter, sink):
    raw = message(PUPIL, "stranger@example.com", "hi", "hello there")
    code, _ = send(mail_filter.port, PUPIL, ["stranger@example.com"], raw)
    assert code == 250
    assert sink.to("stranger@example.com") == []
    [notice] = sink.to(PUPIL)
    assert notice.mail_from in ("", "<>")  # the null sender: nothing answers a notice
    assert "stranger@example.com" in notice.text
    assert "ask your form tutor, Mr Teach" in notice.text
    assert "004" not in notice.text  # no policy codes for a pupil


def test_pupil_to_an_approved_address_is_delivered(mail_filter, sink):
    raw = message(PUPIL, "grandma@example.org", "hi gran", "see you on Sunday")
    assert send(mail_filter.port, PUPIL, ["grandma@example.org"], raw)[0] == 250
    assert [d.rcpts for d in sink.delivered] == [["grandma@example.org"]]


def test_a_bcc_to_an_unapproved_address_is_refused_too(mail_filter, sink):
    raw = message(PUPIL, "grandma@example.org", "hi gran", "see you on Sunday")
    send(mail_filter.port, PUPIL, ["grandma@example.org", "secret@example.net"], raw)
    assert sink.to("grandma@example.org") == [] and sink.to("secret@example.net") == []
    assert "secret@example.net" in sink.to(PUPIL)[0].text


def test_obscene_mail_from_a_known_sender_is_returned_and_the_recipient_told(mail_filter, sink):
    raw = message("parent@known.example", TEACHER, "About today", OBSCENE)
    code, text = send(mail_filter.port, "parent@known.example", [TEACHER], raw)
    assert code == 250 and "Returned" in text
    [returned] = sink.to("parent@known.example")
    assert "revised version" in returned.text
    [told] = sink.to(TEACHER)
    assert "returned to its" in told.text and "parent@known.example" in told.text
    assert OBSCENE.encode() not in told.raw


def test_obscene_mail_from_an_unknown_sender_is_held_never_bounced(mail_filter, mail_school, sink):
    raw = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    code, text = send(mail_filter.port, "someone@forged.example", [TEACHER], raw)
    assert code == 250 and "Held" in text
    assert sink.delivered == []  # nothing to the (possibly forged) sender, nothing delivered
    held = list((mail_school["folder"] / HELD_DIR).glob("*.eml"))
    assert len(held) == 1 and stat.S_IMODE(os.stat(held[0]).st_mode) == 0o600
    result = ingest_events(mail_school["school"])
    assert result.held == 1
    row = HeldMessage.objects.get()
    assert (row.sender, row.recipients, row.status) == ("someone@forged.example", [TEACHER],
                                                       HeldMessage.HELD)


def test_the_school_servers_authentication_pass_lets_a_message_be_returned(mail_filter, sink):
    raw = message("new@elsewhere.example", TEACHER, "About today", OBSCENE,
                  Authentication_Results="mx.hollinspark.sch.uk; dmarc=pass header.from=elsewhere.example")
    code, text = send(mail_filter.port, "new@elsewhere.example", [TEACHER], raw)
    assert "Returned" in text
    assert len(sink.to("new@elsewhere.example")) == 1


def test_someone_elses_authentication_results_header_is_not_trusted(mail_filter, sink):
    raw = message("new@elsewhere.example", TEACHER, "About today", OBSCENE,
                  Authentication_Results="mx.forger.example; dmarc=pass")
    code, text = send(mail_filter.port, "new@elsewhere.example", [TEACHER], raw)
    assert "Held" in text and sink.delivered == []


def test_a_held_staff_message_tells_the_sender_why(mail_filter, sink):
    raw = message(TEACHER, "someone@gmail.com", "Class list",
                  "Here is my home address: 12 Acacia Avenue, my mobile is 07700 900123, "
                  "come round to mine.")
    code, text = send(mail_filter.port, TEACHER, ["someone@gmail.com"], raw)
    assert "Held" in text
    assert sink.to("someone@gmail.com") == []
    [notice] = sink.to(TEACHER)
    assert "held for review" in notice.text and "policy:" in notice.text


def test_no_snapshot_means_4xx_and_nothing_delivered(mail_filter, mail_school, sink):
    (mail_school["folder"] / engine.SNAPSHOT_FILE).unlink()
    code, _ = send(mail_filter.port, TEACHER, ["parent@known.example"],
                   message(TEACHER, "parent@known.example", "hi", "hello"))
    assert code == 451 and sink.delivered == []


def test_the_next_hop_down_means_4xx(mail_filter, sink):
    sink.handler.refuse = True
    code, _ = send(mail_filter.port, TEACHER, ["parent@known.example"],
                   message(TEACHER, "parent@known.example", "hi", "hello"))
    assert code == 451


def test_a_checker_failure_means_4xx_for_pupils_and_fail_closed_staff(mail_filter, sink,
                                                                      monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the checker fell over")

    monkeypatch.setattr(engine, "check_parsed", broken)
    monkeypatch.setattr(engine.decide, "__defaults__", (broken,))
    for sender in (PUPIL, TEACHER):
        code, _ = send(mail_filter.port, sender, ["grandma@example.org"],
                       message(sender, "grandma@example.org", "hi", "hello"))
        assert code == 451
    assert sink.delivered == []


def test_a_message_the_checker_fails_on_again_and_again_is_held_not_retried_for_days(
        mail_filter, mail_school, sink, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the checker fell over")

    monkeypatch.setattr(engine.decide, "__defaults__", (broken,))
    raw = message(PUPIL, "grandma@example.org", "hi", "hello")
    answers = [send(mail_filter.port, PUPIL, ["grandma@example.org"], raw)[0]
               for _ in range(server.HOLD_AFTER_FAILURES)]
    # Postfix offers it again after each 451; the third failure holds it (never passed).
    assert answers == [451] * (server.HOLD_AFTER_FAILURES - 1) + [250]
    assert sink.to("grandma@example.org") == []
    [held] = list((mail_school["folder"] / HELD_DIR).glob("*.eml"))
    assert held.read_bytes() == raw
    [notice] = sink.to(PUPIL)
    assert "could not check" in notice.text
    ingest_events(mail_school["school"])
    item = HeldMessage.objects.get()
    assert [f["rule"] for f in item.findings] == [engine.NOT_CHECKED_RULE]
    # Another message is counted on its own.
    assert send(mail_filter.port, PUPIL, ["grandma@example.org"],
                message(PUPIL, "grandma@example.org", "hi", "something else"))[0] == 451


def test_a_failure_that_may_pass_on_a_retry_is_never_held(mail_filter, mail_school, sink,
                                                         monkeypatch):
    def out_of_files(*args, **kwargs):
        raise OSError(24, "Too many open files")

    monkeypatch.setattr(engine.decide, "__defaults__", (out_of_files,))
    raw = message(PUPIL, "grandma@example.org", "hi", "hello")
    assert [send(mail_filter.port, PUPIL, ["grandma@example.org"], raw)[0]
            for _ in range(server.HOLD_AFTER_FAILURES + 1)] == [451] * (
        server.HOLD_AFTER_FAILURES + 1)
    assert not list((mail_school["folder"] / HELD_DIR).glob("*.eml"))


def test_fail_open_passes_staff_mail_but_never_a_pupils(mail_filter, mail_school, sink,
                                                       monkeypatch):
    from esafety.mailfilter.models import MailFilterSettings

    MailFilterSettings.objects.filter(school=mail_school["school"]).update(staff_fail_open=True)
    publish(mail_school["school"])

    def broken(*args, **kwargs):
        raise RuntimeError("the checker fell over")

    monkeypatch.setattr(engine.decide, "__defaults__", (broken,))
    assert send(mail_filter.port, PUPIL, ["grandma@example.org"],
                message(PUPIL, "grandma@example.org", "hi", "hello"))[0] == 451
    assert send(mail_filter.port, TEACHER, ["grandma@example.org"],
                message(TEACHER, "grandma@example.org", "hi", "hello"))[0] == 250
    assert [d.mail_from for d in sink.delivered] == [TEACHER]


def test_a_pupils_self_harm_message_becomes_an_urgent_concern(mail_filter, mail_school, sink):
    from esafety.concerns.models import Concern

    raw = message(PUPIL, "grandma@example.org", "tonight",
                  "I want to kill myself tonight, I can't go on and nobody would miss me.")
    assert send(mail_filter.port, PUPIL, ["grandma@example.org"], raw)[0] == 250
    events = list((mail_school["folder"] / EVENTS_DIR).glob("*.json"))
    assert len(events) == 1
    assert Concern.objects.count() == 0  # nothing in the database until the batch loads
    result = ingest_events(mail_school["school"])
    assert result.concerns >= 1 and result.failed == []
    concern = Concern.objects.get(rule="content.self-harm")
    assert concern.urgent and concern.source == "mail_flow"
    assert concern.person == mail_school["pupil"]
    assert list((mail_school["folder"] / EVENTS_DIR).glob("*.json")) == []


def test_a_pupil_telling_their_teacher_they_want_to_die_is_delivered_and_the_dsl_told(
        mail_filter, mail_school, sink):
    # Never stop a child telling a trusted adult: the message goes to the teacher at once
    # (no "held" notice to the pupil), and the designated safeguarding lead gets the concern.
    from esafety.concerns.models import Concern

    raw = message(PUPIL, TEACHER, "can we talk", "Miss, I want to die. I can't go on.")
    code, text = send(mail_filter.port, PUPIL, [TEACHER], raw)
    assert code == 250 and "passed" in text
    assert len(sink.to(TEACHER)) == 1
    assert sink.to(PUPIL) == []
    assert not list((mail_school["folder"] / HELD_DIR).glob("*.eml"))
    ingest_events(mail_school["school"])
    assert HeldMessage.objects.count() == 0
    concern = Concern.objects.get(rule="content.self-harm")
    assert concern.urgent and concern.person == mail_school["pupil"]


def test_telling_someone_to_kill_themselves_is_still_held(mail_filter, sink):
    raw = message(PUPIL, TEACHER, "hey", "go kill yourself loser")
    code, text = send(mail_filter.port, PUPIL, [TEACHER], raw)
    assert code == 250 and "Held" in text
    assert sink.to(TEACHER) == []


def test_private_staff_mail_is_checked_for_safeguarding_rules_only(mail_filter, mail_school,
                                                                   sink):
    raw = message(TEACHER, "someone@gmail.com", "[Private] my news",
                  "Here is my home address: 12 Acacia Avenue, my mobile is 07700 900123, "
                  "come round to mine.")
    code, text = send(mail_filter.port, TEACHER, ["someone@gmail.com"], raw)
    assert code == 250 and "passed" in text
    assert len(sink.to("someone@gmail.com")) == 1


def test_a_private_message_with_safeguarding_findings_is_held_without_its_subject(
        mail_filter, mail_school, sink):
    raw = message(TEACHER, "someone@gmail.com", "a secret subject", "I will stab you tomorrow "
                  "at the gates, you are dead, I will kill you.", Sensitivity="Personal")
    send(mail_filter.port, TEACHER, ["someone@gmail.com"], raw)
    event = json.loads(next((mail_school["folder"] / EVENTS_DIR).glob("*.json")).read_bytes())
    assert event["private"] is True and event["subject"] == ""
    assert all(f["rule"] in engine.SAFEGUARDING_RULES for f in event["findings"])


def test_a_next_hop_refusing_for_good_is_passed_back_as_5xx_not_retried_for_ever(
        mail_filter, sink):
    async def refuse(server, session, envelope):
        return "554 5.7.1 not here"

    sink.handler.handle_DATA = refuse
    code, text = send(mail_filter.port, TEACHER, ["parent@known.example"],
                      message(TEACHER, "parent@known.example", "hi", "hello"))
    assert code == 554 and "not here" in text


class CountingPool(concurrent.futures.ThreadPoolExecutor):
    def __init__(self):
        super().__init__(max_workers=1)
        self.calls = []

    def submit(self, fn, /, *args, **kwargs):
        self.calls.append(fn.__name__)
        return super().submit(fn, *args, **kwargs)


def test_clean_mail_is_checked_and_passed_on_in_the_event_loop_and_the_rest_in_a_worker(
        mail_school, sink):
    """No hand-over to a worker thread for most mail (the loop never waits for the GIL);
    what writes files or sends notices still goes to one."""
    config = server.Config(school=mail_school["school"].slug, folder=mail_school["folder"],
                           next_hop=("127.0.0.1", sink.port), timeout=10)
    pool = CountingPool()
    service = server.Service(server.Filter(config), pool, Relay("127.0.0.1", sink.port, 10))

    async def go():
        clean = await service.deliver(TEACHER, ["parent@known.example"], message(
            TEACHER, "parent@known.example", "Trip", "Coats please."))
        after_clean = list(pool.calls)
        held = await service.deliver("someone@forged.example", [TEACHER], message(
            "someone@forged.example", TEACHER, "About today", OBSCENE))
        big = await service.deliver(TEACHER, ["parent@known.example"], message(
            TEACHER, "parent@known.example", "Big", "word " * 200_000))
        service.relay.close()
        return clean, after_clean, held, big

    try:
        clean, after_clean, held, big = asyncio.run(go())
    finally:
        pool.shutdown()
    assert clean == "250 2.0.0 Checked and passed on" and after_clean == []
    assert held == "250 2.0.0 Held for review"
    assert big == "250 2.0.0 Checked and passed on"
    assert pool.calls == ["process_decided", "process"]  # the hold; the message over 512 KB
    assert [d.message["Subject"] for d in sink.delivered] == ["Trip", "Big"]
