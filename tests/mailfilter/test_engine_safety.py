"""The mail filter's safety rules: a school address the directory does not know, whose
authentication can be trusted before mail is returned, messages nothing can read, what marks
a message private, and a new install's first snapshot."""

import html
import json
import os
import smtplib
import time

import pytest

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.mailfilter import engine, server
from esafety.mailfilter.actions import ingest_events, mail_filter_settings_change
from esafety.mailfilter.models import HeldMessage, MailFilterSettings
from esafety.mailfilter.publishing import folder, publish
from esafety.mailmonitor.models import MonitorSettings
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import FilterThread, message

DOMAIN = "hollinspark.sch.uk"
TEACHER = f"tom@{DOMAIN}"
PUPIL = f"pip@{DOMAIN}"
NEWCOMER = f"new.starter@{DOMAIN}"  # in the school's domain, not in the directory
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."
HOME_DETAILS = ("Here is my home address: 12 Acacia Avenue, my mobile is 07700 900123, "
                "come round to mine.")


def document(**choices) -> dict:
    return engine.snapshot_document(
        school="hollins-park", school_name="Hollins Park School", version="1",
        domains=[DOMAIN], members=[(TEACHER, "Tom Teach", "teacher"),
                                   (PUPIL, "Pip Pupil", "pupil")],
        approved={PUPIL: ["grandma@example.org"]}, correspondents=["parent@known.example"],
        staff_fail_open=False, trusted_authserv=[f"mx.{DOMAIN}"], who_can_approve="Mr Teach",
        postmaster="", **choices)


@pytest.fixture
def write_snapshot(tmp_path):
    def write(data: dict) -> engine.FilterSnapshot:
        path = tmp_path / engine.SNAPSHOT_FILE
        path.write_text(json.dumps(data))
        return engine.load(path)
    return write


@pytest.fixture
def snapshot(write_snapshot):
    """snapshot(**choices): the school's snapshot as published, loaded as the filter does."""
    return lambda **choices: write_snapshot(document(**choices))


def decide(snap, mail_from, rcpts, raw=None, subject="hello", body="See you soon.", **headers):
    if raw is None:
        raw = message(mail_from, rcpts, subject, body, **headers)
    return engine.decide(snap, mail_from, rcpts, raw)


# ---------------------------------------------------------------- an unknown school address

def test_mail_out_from_a_school_address_nobody_knows_is_held_by_default(snapshot):
    decision = decide(snapshot(), NEWCOMER, ["friend@gmail.com"])
    assert decision.outcome == engine.HOLD
    assert [f.rule.id for f in decision.findings] == [engine.UNKNOWN_SENDER_RULE]
    reason = decision.reason
    assert "in the school's domain but not in esafety's directory" in reason
    assert "cannot tell whether a pupil sent it" in reason
    assert "004 §3.2.3" in reason
    assert "Add the address to the directory" in reason and "shared mailbox as staff" in reason
    assert "release" in reason
    evidence = [e.excerpt for e in decision.findings[0].evidence]
    assert evidence == [f"{NEWCOMER} is in the school's domain but not in esafety's directory",
                        "going outside the school to friend@gmail.com"]
    assert "sent by a pupil" not in decision.verdict.read_as


def test_the_default_is_hold_for_a_new_school_and_its_snapshot():
    assert MailFilterSettings().unknown_internal_sender == MailFilterSettings.UNKNOWN_HOLD
    assert document()["unknown_internal_sender"] == engine.UNKNOWN_HOLD
    assert set(MailFilterSettings.UNKNOWN_SENDER_LABELS) == set(engine.UNKNOWN_SENDER_CHOICES)


def test_an_unknown_school_address_writing_within_the_school_is_checked_as_a_pupil(snapshot):
    decision = decide(snapshot(), NEWCOMER, [TEACHER])
    assert (decision.outcome, decision.audience) == (engine.PASS, "pupils")
    decision = decide(snapshot(), NEWCOMER, [TEACHER], body="go kill yourself loser")
    assert decision.outcome == engine.HOLD
    assert engine.UNKNOWN_SENDER_RULE not in [f.rule.id for f in decision.findings]


def test_a_hidden_outside_recipient_holds_it_too(snapshot):
    raw = message(NEWCOMER, TEACHER, "hello", "hi")
    decision = engine.decide(snapshot(), NEWCOMER, [TEACHER, "secret@gmail.com"], raw)
    assert decision.outcome == engine.HOLD
    assert "secret@gmail.com" in decision.findings[0].evidence[1].excerpt


def test_a_school_that_chose_pupil_refuses_it_as_for_any_unapproved_recipient(snapshot):
    decision = decide(snapshot(unknown_internal_sender="pupil"), NEWCOMER, ["friend@gmail.com"])
    assert (decision.outcome, decision.unapproved) == (engine.REFUSE, ["friend@gmail.com"])
    assert decision.audience == "pupils"


def test_a_school_that_chose_staff_keeps_the_old_behaviour(snapshot):
    decision = decide(snapshot(unknown_internal_sender="staff"), NEWCOMER, ["friend@gmail.com"])
    assert (decision.outcome, decision.audience) == (engine.PASS, "staff")
    assert decision.verdict.read_as == "sent by staff"


def test_a_forged_from_line_with_an_outside_envelope_is_still_judged_by_the_school_address(
        snapshot):
    raw = message(NEWCOMER, "friend@gmail.com", "hello", "hi")
    decision = engine.decide(snapshot(), "", ["friend@gmail.com"], raw)
    assert decision.outcome == engine.HOLD


def test_mail_coming_in_to_an_unknown_school_address_is_unaffected(snapshot):
    decision = decide(snapshot(), "someone@example.com", [NEWCOMER])
    assert (decision.outcome, decision.audience, decision.findings) == (engine.PASS, "inbound",
                                                                        [])


def test_a_known_pupils_unapproved_recipient_is_still_refused(snapshot):
    decision = decide(snapshot(), PUPIL, ["stranger@example.com"])
    assert (decision.outcome, decision.unapproved) == (engine.REFUSE, ["stranger@example.com"])
    assert decision.findings[0].rule.id == engine.UNAPPROVED_RULE


def test_a_known_pupils_approved_recipient_and_staff_mail_still_pass(snapshot):
    assert decide(snapshot(), PUPIL, ["grandma@example.org"]).outcome == engine.PASS
    decision = decide(snapshot(), TEACHER, ["someone@gmail.com"])
    assert (decision.outcome, decision.audience) == (engine.PASS, "staff")


def test_a_snapshot_published_before_the_choice_existed_loads_and_keeps_the_old_behaviour(
        write_snapshot):
    old = document()
    del old["unknown_internal_sender"], old["private_markers"]
    snap = write_snapshot(old)
    assert snap.unknown_internal_sender == engine.UNKNOWN_STAFF
    decision = decide(snap, NEWCOMER, ["friend@gmail.com"])
    assert (decision.outcome, decision.audience) == (engine.PASS, "staff")
    # ...and its private markers are the default words.
    assert decide(snap, TEACHER, ["someone@gmail.com"], subject="[Private] my news",
                  body=HOME_DETAILS).outcome == engine.PASS


def test_a_choice_this_filter_does_not_know_holds(write_snapshot):
    snap = write_snapshot(document(unknown_internal_sender="whatever"))
    assert snap.unknown_internal_sender == engine.UNKNOWN_HOLD


def test_the_held_message_shows_why_on_the_held_mail_pages_and_its_sender_is_told_plainly(
        mail_filter, mail_school, sink, client_for, dsl):
    raw = message(NEWCOMER, "supplier@example.com", "Order", "Please send twelve boxes.")
    code, text = send(mail_filter.port, NEWCOMER, ["supplier@example.com"], raw)
    assert code == 250 and "Held" in text
    assert sink.to("supplier@example.com") == []
    [notice] = sink.to(NEWCOMER)
    assert "waiting for a member of staff" in notice.text and "004" not in notice.text
    assert ingest_events(mail_school["school"]).held == 1
    row = HeldMessage.objects.get()
    assert [f["rule"] for f in row.findings] == [engine.UNKNOWN_SENDER_RULE]
    assert "not in esafety's directory" in row.reason
    client = client_for(dsl)
    listing = html.unescape(client.get("/mail/held/").content.decode())
    assert engine.UNKNOWN_SENDER.title in listing
    page = html.unescape(client.get(f"/mail/held/{row.pk}/").content.decode())
    assert engine.UNKNOWN_SENDER.title in page
    assert "Policy: 004 §3.2.3 pupils may email approved recipients only" in page
    assert engine.UNKNOWN_SENDER.advice in page
    assert f"{NEWCOMER} is in the school's domain but not in esafety's directory" in page


def test_the_settings_page_shows_the_choice_and_saving_it_republishes(
        client_for, it_manager, mail_school, django_capture_on_commit_callbacks):
    client = client_for(it_manager)
    page = html.unescape(client.get("/mail/settings/").content.decode())
    assert "an address in the school's domain that esafety's directory does not know" in page
    assert "Hold it for review" in page and "a shared mailbox" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/mail/settings/", {
            "held_retention_days": "30", "trusted_authserv": f"mx.{DOMAIN}",
            "who_can_approve": "Mr Teach", "postmaster": "",
            "unknown_internal_sender": "pupil"})
    assert response.status_code == 302
    published = json.loads((mail_school["folder"] / engine.SNAPSHOT_FILE).read_bytes())
    assert published["unknown_internal_sender"] == "pupil"
    event = AuditEvent.objects.get(event_type="mail_filter_settings_changed")
    assert (event.before["unknown_internal_sender"],
            event.after["unknown_internal_sender"]) == ("hold", "pupil")


def test_the_action_refuses_a_choice_that_does_not_exist(it_manager, mail_school):
    from esafety.errors import InvalidInput

    with pytest.raises(InvalidInput):
        mail_filter_settings_change(actor=it_manager, school=mail_school["school"],
                                    unknown_internal_sender="ignore")
    assert MailFilterSettings.objects.get().unknown_internal_sender == "hold"
    assert not AuditEvent.objects.filter(event_type="mail_filter_settings_changed").exists()


# ---------------------------------------------------------------- returning mail (backscatter)

AUTHSERV = frozenset({f"mx.{DOMAIN}"})


def head(*results: str) -> str:
    return "".join(f"Authentication-Results: {r}\r\n" for r in results) + \
        "From: someone@elsewhere.example\r\nSubject: x\r\n"


@pytest.mark.parametrize("result, return_to", [
    (f"mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example", "new@elsewhere.example"),
    (f"mx.{DOMAIN}; dkim=pass header.d=elsewhere.example", "new@elsewhere.example"),
    (f"mx.{DOMAIN}; dkim=pass header.i=@elsewhere.example", "new@elsewhere.example"),
    (f"mx.{DOMAIN}; spf=pass smtp.mailfrom=new@elsewhere.example", "new@elsewhere.example"),
    (f"mx.{DOMAIN}; spf=pass smtp.mailfrom=elsewhere.example", "new@elsewhere.example"),
    # DMARC's relaxed alignment: a subdomain of the authenticated domain.
    (f"mx.{DOMAIN}; dkim=pass header.d=elsewhere.example", "news@lists.elsewhere.example"),
    (f"MX.{DOMAIN.upper()} 1; spf=fail smtp.mailfrom=x.example; dkim=pass (good signature) "
     'reason="sig ok; fine" header.d=ELSEWHERE.example header.s=sel', "new@elsewhere.example"),
])
def test_a_pass_aligned_with_the_return_address_is_trusted(result, return_to):
    assert engine.authenticated_by_school(head(result), AUTHSERV, return_to)


@pytest.mark.parametrize("headers, return_to", [
    # A pass for another domain says nothing about the return address.
    ([f"mx.{DOMAIN}; dkim=pass header.d=attacker.example"], "victim@elsewhere.example"),
    ([f"mx.{DOMAIN}; spf=pass smtp.mailfrom=bounce@attacker.example"], "victim@elsewhere.example"),
    ([f"mx.{DOMAIN}; dmarc=pass"], "victim@elsewhere.example"),
    # The authenticated domain inside the return address's, or merely ending the same way.
    ([f"mx.{DOMAIN}; dkim=pass header.d=news.elsewhere.example"], "victim@elsewhere.example"),
    ([f"mx.{DOMAIN}; dkim=pass header.d=elsewhere.example"], "victim@notelsewhere.example"),
    ([f"mx.{DOMAIN}; dkim=pass header.i=elsewhere.example"], "victim@elsewhere.example"),
    # Not a pass; a pass only inside a comment.
    ([f"mx.{DOMAIN}; dkim=fail header.d=elsewhere.example; spf=softfail "
      "smtp.mailfrom=elsewhere.example"], "victim@elsewhere.example"),
    ([f"mx.{DOMAIN}; dkim=fail (dkim=pass header.d=elsewhere.example) header.d=x.example"],
     "victim@elsewhere.example"),
    # Someone else's server.
    (["mx.forger.example; dmarc=pass header.from=elsewhere.example"], "victim@elsewhere.example"),
    # A forged header claiming the school's name under the one the school's server added.
    ([f"mx.{DOMAIN}; spf=none smtp.mailfrom=elsewhere.example",
      f"mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example"], "victim@elsewhere.example"),
    (["mx.other-hop.example; none",
      f"mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example"], "victim@elsewhere.example"),
    ([f"mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example"], ""),
])
def test_anything_else_is_not_trusted(headers, return_to):
    assert not engine.authenticated_by_school(head(*headers), AUTHSERV, return_to)


def test_without_a_trusted_server_nothing_is_authenticated():
    raw = head(f"mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example")
    assert not engine.authenticated_by_school(raw, frozenset(), "new@elsewhere.example")


def test_obscene_mail_with_a_forged_pass_under_the_school_servers_header_is_held(snapshot):
    raw = (f"Authentication-Results: mx.{DOMAIN}; dmarc=fail header.from=elsewhere.example\r\n"
           f"Authentication-Results: mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example\r\n"
           + message("victim@elsewhere.example", TEACHER, "Hi", OBSCENE).decode()).encode()
    decision = engine.decide(snapshot(), "victim@elsewhere.example", [TEACHER], raw)
    assert (decision.outcome, decision.sender_known) == (engine.HOLD, False)


def test_obscene_mail_authenticated_for_its_own_domain_is_still_returned(snapshot):
    raw = (f"Authentication-Results: mx.{DOMAIN};\r\n\tdkim=pass header.d=elsewhere.example\r\n"
           + message("new@elsewhere.example", TEACHER, "Hi", OBSCENE).decode()).encode()
    decision = engine.decide(snapshot(), "new@elsewhere.example", [TEACHER], raw)
    assert (decision.outcome, decision.return_to) == (engine.RETURN, "new@elsewhere.example")


def test_a_pass_for_the_from_line_does_not_vouch_for_a_different_envelope_sender(snapshot):
    raw = (f"Authentication-Results: mx.{DOMAIN}; dmarc=pass header.from=elsewhere.example\r\n"
           + message("new@elsewhere.example", TEACHER, "Hi", OBSCENE).decode()).encode()
    decision = engine.decide(snapshot(), "victim@innocent.example", [TEACHER], raw)
    assert decision.outcome == engine.HOLD


# ---------------------------------------------------------------- messages nothing can read

UNREADABLE = {
    "empty": b"",
    "blank lines": b"\r\n\r\n",
    "a lone dot": b".\r\n",
    "nul bytes": b"\x00" * 1000,
    "headers only": f"From: {TEACHER}\r\nTo: someone@gmail.com\r\nSubject: hi\r\n".encode(),
    "garbage": bytes(range(256)) * 40,
    "broken mime": (f"From: {TEACHER}\r\nContent-Type: multipart/mixed; boundary=\"\r\n\r\n"
                    "--\r\n--\r\nContent-Type: text/plain; charset=\xff\r\n\r\n--").encode(
                        "latin-1"),
    "huge header": b"Subject: " + b"a" * (2 * 1024 * 1024) + b"\r\n\r\nbody\r\n",
    "many headers": b"X-Junk: y\r\n" * 100_000 + b"\r\nbody\r\n",
}


@pytest.mark.parametrize("name", sorted(UNREADABLE))
def test_a_message_nothing_can_read_gets_a_verdict_not_a_retry(snapshot, name):
    for sender in (TEACHER, PUPIL, "someone@example.com"):
        decision = engine.decide(snapshot(), sender, ["grandma@example.org"], UNREADABLE[name])
        assert decision.outcome in engine.OUTCOMES


def test_an_empty_message_passes_for_staff_and_the_pupil_rules_still_apply(snapshot):
    assert engine.decide(snapshot(), TEACHER, ["someone@gmail.com"], b"").outcome == engine.PASS
    assert engine.decide(snapshot(), PUPIL, ["grandma@example.org"], b"").outcome == engine.PASS
    refused = engine.decide(snapshot(), PUPIL, ["stranger@example.com"], b"")
    assert (refused.outcome, refused.unapproved) == (engine.REFUSE, ["stranger@example.com"])
    assert engine.decide(snapshot(), NEWCOMER, ["friend@gmail.com"], b"").outcome == engine.HOLD


def test_a_parser_failure_is_read_as_text_but_running_out_of_memory_is_retried(snapshot,
                                                                              monkeypatch):
    def broken(raw):
        raise ValueError("the parser fell over")

    monkeypatch.setattr(engine, "parse_message", broken)
    decision = engine.decide(snapshot(), TEACHER, [f"head@{DOMAIN}"], b"Subject: x\r\n\r\n"
                             + OBSCENE.encode())
    assert decision.outcome == engine.HOLD  # the text was still checked
    for failure in (MemoryError, OSError):
        def fails(raw, failure=failure):
            raise failure("try again later")

        monkeypatch.setattr(engine, "parse_message", fails)
        with pytest.raises(failure):
            engine.decide(snapshot(), TEACHER, ["someone@gmail.com"], b"Subject: x\r\n\r\nhi")


def test_an_empty_message_over_smtp_is_answered_for_good(mail_filter, sink):
    with smtplib.SMTP("127.0.0.1", mail_filter.port, timeout=60) as smtp:
        smtp.ehlo()
        smtp.mail(TEACHER)
        smtp.rcpt("parent@known.example")
        code, _ = smtp.data(b"")
    assert code == 250
    assert [d.rcpts for d in sink.delivered] == [["parent@known.example"]]
    code, _ = send(mail_filter.port, PUPIL, ["stranger@example.com"], b"")
    assert code == 250 and sink.to("stranger@example.com") == []
    assert "stranger@example.com" in sink.to(PUPIL)[0].text


# ---------------------------------------------------------------- private or personal

@pytest.mark.parametrize("subject", [
    "[Private] my dentist", "(Personal) appointment", "Private: hospital", "PERSONAL - leave",
    "Private - doctor", "Private -", "Private", "personal.", "Re: Fwd: [PRIVATE] dinner",
    "RE: Private: hospital", "Dentist on Friday [Personal]", "[ private ] x",
])
def test_a_marker_used_as_a_tag_makes_it_private(snapshot, subject):
    decision = decide(snapshot(), TEACHER, ["someone@gmail.com"], subject=subject,
                      body=HOME_DETAILS)
    assert (decision.private, decision.outcome) == (True, engine.PASS)


@pytest.mark.parametrize("subject", [
    "Personal statement feedback", "Private tuition enquiry", "Personalised reading lists",
    "Privateer project", "Re: Personal development day", "Private-school fees",
])
def test_the_first_word_of_a_sentence_is_not_a_marker(snapshot, subject):
    decision = decide(snapshot(), TEACHER, ["someone@gmail.com"], subject=subject,
                      body=HOME_DETAILS)
    assert (decision.private, decision.outcome) == (False, engine.HOLD)


def test_a_sensitivity_header_still_marks_it_private(snapshot):
    decision = decide(snapshot(), TEACHER, ["someone@gmail.com"], subject="Personal statement",
                      body=HOME_DETAILS, Sensitivity="Private")
    assert decision.private


def test_the_schools_own_markers_are_used_with_the_same_tag_rule(snapshot):
    snap = snapshot(private_markers=["[confidential]", "in confidence"])
    for subject, private in [("[Confidential] my news", True), ("In Confidence: x", True),
                             ("Confidential matters today", False), ("[Private] x", False)]:
        decision = decide(snap, TEACHER, ["someone@gmail.com"], subject=subject,
                          body=HOME_DETAILS)
        assert decision.private is private, subject
    assert not decide(snapshot(private_markers=[]), TEACHER, ["someone@gmail.com"],
                      subject="[Private] x").private


def test_the_snapshot_carries_the_markers_set_for_mail_monitoring(settings, tmp_path, school):
    settings.DATA_DIR = tmp_path / "data"
    publish(school)
    published = json.loads((folder(school) / engine.SNAPSHOT_FILE).read_bytes())
    assert published["private_markers"] == ["[private]", "[personal]"]  # the defaults
    MonitorSettings.objects.create(school=school, private_markers="[Confidential], Personal")
    publish(school)
    snap = engine.load(folder(school) / engine.SNAPSHOT_FILE)
    raw = message(TEACHER, "a@gmail.com", "[Confidential] x", "hi")
    assert engine.is_private(engine.parse_message(raw), "", snap.private_subject)


# ---------------------------------------------------------------- a new install

def test_the_scheduled_turn_publishes_the_defaults_before_anyone_saves_settings(
        settings, tmp_path, school, make_person, sink):
    from esafety.mailfilter.tasks import mail_filter_turn_task

    settings.DATA_DIR = tmp_path / "data"
    make_person(roles.TEACHER, username="tom", email=TEACHER)
    config = server.Config(school=school.slug, folder=folder(school),
                           next_hop=("127.0.0.1", sink.port), timeout=10)
    raw = message(TEACHER, "parent@example.com", "Trip", "Coats please.")
    with FilterThread(config) as running:
        assert send(running.port, TEACHER, ["parent@example.com"], raw)[0] == 451
        mail_filter_turn_task.call(school.pk)
        assert send(running.port, TEACHER, ["parent@example.com"], raw)[0] == 250
    assert not MailFilterSettings.objects.exists()  # no settings row made as a side effect
    snap = engine.load(folder(school) / engine.SNAPSHOT_FILE)
    assert snap.unknown_internal_sender == engine.UNKNOWN_HOLD
    assert [d.rcpts for d in sink.delivered] == [["parent@example.com"]]


def test_a_pupils_approved_list_is_their_own_whatever_the_from_line_says(write_snapshot):
    # Another pupil may write to the stranger; the envelope sender may not, and a From:
    # line naming the other pupil does not lend their list.
    other = f"pat.pupil@{DOMAIN}"
    data = document()
    data["members"].append([other, "Pat Pupil", "pupil"])
    data["approved"][other] = ["stranger@example.com"]
    snap = write_snapshot(data)
    raw = (f"From: Pat Pupil <{other}>\r\nTo: stranger@example.com\r\nSubject: hi\r\n"
           "\r\nSee you soon.\r\n").encode()
    decision = engine.decide(snap, PUPIL, ["stranger@example.com"], raw)
    assert (decision.outcome, decision.unapproved) == (engine.REFUSE, ["stranger@example.com"])
    assert engine.decide(snap, other, ["stranger@example.com"], raw).outcome == engine.PASS


def test_a_parent_in_the_directory_is_an_outside_address_for_another_pupil(write_snapshot):
    data = document()
    data["members"].append(["dad@gmail.com", "Dan Dad", "parent"])
    snap = write_snapshot(data)
    decision = decide(snap, PUPIL, ["dad@gmail.com"])
    assert (decision.outcome, decision.unapproved) == (engine.REFUSE, ["dad@gmail.com"])


# ---------------------------------------------------------------- a stopped worker

def test_the_settings_page_says_when_the_snapshot_is_missing_or_old(client_for, it_manager,
                                                                    mail_school):
    snapshot = mail_school["folder"] / engine.SNAPSHOT_FILE
    client = client_for(it_manager)
    fresh = html.unescape(client.get("/mail/settings/").content.decode())
    assert "No snapshot has been published yet" not in fresh
    assert "has probably stopped" not in fresh
    two_hours_ago = time.time() - 2 * 3600
    os.utime(snapshot, (two_hours_ago, two_hours_ago))
    old = html.unescape(client.get("/mail/settings/").content.decode())
    assert "The snapshot the filter reads is" in old and "2\xa0hours old" in old
    snapshot.unlink()
    missing = html.unescape(client.get("/mail/settings/").content.decode())
    assert "No snapshot has been published yet" in missing
