"""The url_rewrite side of "one identity": leavers, the AUP and unidentified clients.

The policy's keys refused, aup_pending, unidentified, signin_page, aup_page and web_hosts
(all optional: without them every answer is today's)."""

import json
import os
import subprocess
import sys
import time
from urllib.parse import parse_qs, urlsplit

from esafety.engine.urls.helper import Helper, _Fixed
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy
from esafety.engine.urls.snapshot import write_snapshot

from .test_policy import MONDAY_LESSON, MONDAY_LUNCH, policy_data

SIGNIN = "http://portal.test/internet/sign-in/?school=hp"
AUP = "http://portal.test/internet/aup/?school=hp"
NETWORK = {
    "refused": {"lee": "left", "gus": "expired", "ian": "inactive"},
    "aup_pending": ["sam"],
    "unidentified": "signin",
    "signin_page": SIGNIN,
    "aup_page": AUP,
    "web_hosts": ["portal.test", "login.idp.test:8443"],
}


def decide(lists, url, user, at=MONDAY_LESSON, method="GET", **overrides):
    policy = Policy(policy_data(**{**NETWORK, **overrides}), lists)
    return policy.decide(parse_target(url, method), user, at, method, url)


def next_of(redirect: str) -> str:
    return parse_qs(urlsplit(redirect).query)["next"][0]


def test_a_leaver_an_expired_guest_and_an_inactive_account_are_refused_everywhere(lists):
    for user, words in (("lee", "left the school"), ("GUS", "guest access"),
                        ("ian", "no longer active")):
        for url in ("http://fine.example/", "http://porn.example/", "http://approved.example/"):
            decision = decide(lists, url, user, MONDAY_LUNCH)
            assert (decision.action, decision.rule, decision.redirect) == (
                "block", "access-ended", None), (user, url)
            assert words in decision.reason
    # They are refused, never treated as guests: guests may reach games.
    assert decide(lists, "http://games.example/", "lee", unidentified="guests").rule \
        == "access-ended"


def test_a_person_who_has_not_accepted_the_aup_is_sent_to_it_with_where_they_were_going(lists):
    url = "http://fine.example/page?a=1&b=2#top"
    decision = decide(lists, url, "sam")
    assert (decision.action, decision.rule) == ("block", "aup-pending")
    assert decision.redirect.startswith(AUP + "&next=")
    assert next_of(decision.redirect) == url
    assert '"' not in decision.redirect and " " not in decision.redirect
    # The statutory block still shows the block page; esafety's own pages stay open.
    assert decide(lists, "http://porn.example/", "sam").rule == "statutory"
    assert decide(lists, "http://portal.test/internet/aup/", "sam").rule == "esafety-page"
    # Once they accept, the republished policy drops them and they browse by their group.
    accepted = decide(lists, url, "sam", aup_pending=[])
    assert (accepted.action, accepted.group) == ("allow", "ks3")


def test_an_unidentified_client_is_sent_to_sign_in_except_for_the_statutory_block(lists):
    decision = decide(lists, "http://fine.example/x", "")
    assert (decision.action, decision.rule, decision.group) == ("block", "sign-in", None)
    assert next_of(decision.redirect) == "http://fine.example/x"
    assert decide(lists, "http://porn.example/", None).rule == "statutory"
    # A username the proxy authenticated that the school does not know is not a guest
    # either; signing in on the portal would not change it, so the block page says so.
    stranger = decide(lists, "http://fine.example/", "stranger")
    assert (stranger.action, stranger.rule, stranger.redirect) == ("block", "unknown-person",
                                                                   None)
    assert "does not know the name" in stranger.reason
    assert decide(lists, "http://porn.example/", "stranger").rule == "statutory"
    assert decide(lists, "http://games.example/", "stranger",
                  unidentified="guests").group == "guests"
    for url in ("http://portal.test/internet/sign-in/?school=hp",
                "https://login.idp.test:8443/authorize", "http://www.portal.test/"):
        assert decide(lists, url, "").action == "allow", url
    assert decide(lists, "login.idp.test:443", "", method="CONNECT").action == "allow"
    # People the school knows are decided as before.
    assert decide(lists, "http://games.example/", "tom", MONDAY_LUNCH).action == "allow"
    assert decide(lists, "http://games.example/", "kit").rule == "approved-only"


def test_the_school_may_choose_guests_for_unidentified_clients(lists):
    decision = decide(lists, "http://social.example/", "", unidentified="guests")
    assert (decision.rule, decision.group) == ("group-policy", "guests")
    assert decide(lists, "http://fine.example/", "", unidentified="guests").action == "allow"
    # A typo never opens the network: anything but "guests" is the strict default.
    assert decide(lists, "http://fine.example/", "", unidentified="gusts").rule == "sign-in"


def test_sign_in_is_the_default_once_a_sign_in_page_is_published(lists):
    policy = policy_data(signin_page=SIGNIN)
    decision = Policy(policy, lists).decide(parse_target("http://fine.example/"), "",
                                            MONDAY_LESSON, "GET", "http://fine.example/")
    assert decision.rule == "sign-in"


def test_without_the_new_keys_every_answer_is_todays(lists):
    old, new = Policy(policy_data(), lists), Policy(policy_data(**NETWORK), lists)
    assert not old.gated and new.gated
    urls = ["http://fine.example/", "http://games.example/", "http://social.example/",
            "http://porn.example/", "http://approved.example/", "http://portal.test/"]
    for user in ("", "kit", "sam", "tom", "lee", "stranger"):
        for url in urls:
            for at in (MONDAY_LESSON, MONDAY_LUNCH):
                decision = old.decide(parse_target(url), user, at, "GET", url)
                assert decision.redirect is None
                assert decision.rule not in ("sign-in", "aup-pending", "access-ended",
                                             "esafety-page", "unknown-person")
                if user in ("", "lee", "stranger"):
                    assert decision.group == "guests"
    # And as_dict() (esafety filter decide --json) has no new key when nothing redirects.
    decision = old.decide(parse_target("http://fine.example/"), "tom", MONDAY_LESSON)
    assert "redirect" not in decision.as_dict()


def lines_for(helper: Helper, *lines: str) -> list[str]:
    return helper.answer_lines(list(lines), MONDAY_LESSON)


def test_the_helper_redirects_without_logging_and_blocks_leavers_with_the_block_page(lists):
    helper = Helper(_Fixed(Policy(policy_data(**NETWORK), lists)), "http://unused.test/")
    records: list[dict] = []

    class Spool:
        def write(self, batch):
            records.extend(batch)

    helper.spool = Spool()  # type: ignore[assignment]
    answers = lines_for(helper,
                        "0 http://fine.example/a?b=c 10.0.0.3/- sam GET",
                        "1 http://fine.example/ 10.0.0.9/- - GET",
                        "2 http://fine.example/ 10.0.0.4/- lee GET",
                        "3 http://portal.test/internet/sign-in/ 10.0.0.9/- - GET",
                        "4 http://porn.example/ 10.0.0.9/- - GET")
    assert answers[0] == f'0 OK status=302 url="{AUP}&next=http://fine.example/a%3Fb%3Dc"'
    assert answers[1] == f'1 OK status=302 url="{SIGNIN}&next=http://fine.example/"'
    assert answers[2].startswith('2 OK status=302 url="http://esafety.test/filtering/blocked/?')
    assert "rule=access-ended" in answers[2] and "user=lee" in answers[2]
    assert answers[3] == "3 ERR"
    assert "rule=statutory" in answers[4]
    # The leaver's attempt and the statutory block are logged; the redirects are not.
    assert [(r["user"], r["rule"]) for r in records] == [("lee", "access-ended"),
                                                         ("", "statutory")]


def test_squids_authenticated_username_is_used_as_is(lists):
    """Proxy authentication (basic, Negotiate): Squid sends the name it authenticated,
    percent-encoded; the helper decodes it and decides for that person."""
    policy = policy_data(**NETWORK, users={"tom@school.org": ["staff", ""]})
    helper = Helper(_Fixed(Policy(policy, lists)), "http://unused.test/")
    assert lines_for(helper, "0 http://games.example/ 10.0.0.2/- tom%40school.org GET") \
        == ["0 ERR"]


def test_the_url_rewrite_helper_beats_and_answers_an_endless_line_once(lists, tmp_path):
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    (folder / "policy.json").write_text(json.dumps(policy_data(**NETWORK)))
    (folder / "bindings.json").write_text('{"format": 1, "version": 12, "bindings": {}}')
    proc = subprocess.Popen([sys.executable, "-m", "esafety.engine.urls", "helper",
                             "--snapshot", str(folder), "--no-log"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        beat = folder / "heartbeats" / f"filter-{proc.pid}.json"
        deadline = time.time() + 10
        while not beat.exists():
            assert time.time() < deadline, "no heartbeat"
            time.sleep(0.05)
        written = json.loads(beat.read_text())
        assert {k: written[k] for k in ("kind", "pid", "policy_version", "bindings_version")} \
            == {"kind": "filter", "pid": proc.pid, "policy_version": "7",
                "bindings_version": 12}
        assert written["lists_version"] == lists.version
        proc.stdin.write(b"0 http://" + b"a" * 1_000_000 + b".example/ 10.0.0.1/- tom GET\n"
                         + b"1 http://games.example/ 10.0.0.9/- tom GET\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith(b"0 ")  # one answer, then the next line's
        assert proc.stdout.readline() == b"1 ERR\n"
        proc.stdin.write(b"2 http://fine.example/ 10.0.0.9/- - GET\n")
        proc.stdin.flush()
        assert proc.stdout.readline().startswith(b'2 OK status=302 url="' + SIGNIN.encode())
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert not beat.exists()
    assert not os.path.exists(folder / "decisions")


def test_an_idle_url_rewrite_helper_takes_up_a_new_policy_before_the_next_request(lists,
                                                                                   tmp_path):
    """A leaver's very next request is refused: the helper does not wait for a request to
    notice the new policy (its heartbeat shows what it has loaded)."""
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    (folder / "policy.json").write_text(json.dumps(policy_data(**NETWORK)))
    proc = subprocess.Popen([sys.executable, "-m", "esafety.engine.urls", "helper",
                             "--snapshot", str(folder), "--no-log"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        proc.stdin.write(b"0 http://fine.example/ 10.0.0.1/- tom GET\n")
        proc.stdin.flush()
        assert proc.stdout.readline() == b"0 ERR\n"
        (folder / "policy.json").write_text(json.dumps(
            policy_data(**{**NETWORK, "version": "8", "refused": {"tom": "left"}})))
        beat = folder / "heartbeats" / f"filter-{proc.pid}.json"
        deadline = time.time() + 20
        while json.loads(beat.read_text())["policy_version"] != "8":
            assert time.time() < deadline, "the idle helper never loaded the new policy"
            time.sleep(0.1)
        proc.stdin.write(b"1 http://fine.example/ 10.0.0.1/- tom GET\n")
        proc.stdin.flush()
        assert b"rule=access-ended" in proc.stdout.readline()
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
