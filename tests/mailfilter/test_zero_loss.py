"""Zero loss: 2,000 messages stream through a real Postfix while the filter (the real
`esafety mail filter` process, as the after-queue content filter and as a milter) is
killed with SIGKILL three times and started again. Every
message ends as its verdict says, and only so: a passed message is delivered to its
recipients; a refused one never is, and its sender (the pupil) is told; a returned one never
is, and goes back to its sender with the original attached; a held one never is, and is in
the held store once. None is lost, none leaks. Duplicates (a message re-injected just before
the kill, whose 250 Postfix never saw) are allowed where harmless, counted and printed.

With the milter, a message whose check was cut short by the kill is answered 451 by Postfix
itself (milter_default_action = tempfail), before Postfix has taken it: the sending server
keeps it and tries again. The test's sender does what a sending server does: it sends the
message again after any 4xx or dropped connection, on a new connection."""

import os
import re
import signal
import smtplib
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from email import message_from_bytes

import pytest

from esafety.mailfilter.server import HELD_DIR
from tests.mailfilter import postfix
from tests.mailfilter.harness import free_port, message

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root"),
]

TOTAL = 2000
TEACHER = "tom@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."
TAG = re.compile(r"zl-(\d+)-(\w+)")


def _kind(i: int) -> str:
    return ("pass", "pass", "pass", "refuse", "hold", "return")[i % 6]


def _message(i: int) -> tuple[str, list[str], bytes]:
    kind = _kind(i)
    subject = f"zl-{i}-{kind}"
    if kind == "pass":
        return TEACHER, ["parent@known.example"], message(
            TEACHER, "parent@known.example", subject, f"Reminder number {i}: coats please.")
    if kind == "refuse":
        return PUPIL, ["stranger@example.com"], message(
            PUPIL, "stranger@example.com", subject, "hello there")
    if kind == "hold":
        return "someone@forged.example", [TEACHER], message(
            "someone@forged.example", TEACHER, subject, OBSCENE)
    return "parent@known.example", [TEACHER], message(
        "parent@known.example", TEACHER, subject, OBSCENE)


class FilterProcess:
    def __init__(self, port, next_hop, school, data_dir, milter=False):
        self.args = [sys.executable, "-m", "esafety.mailfilter.server", "--listen",
                     f"127.0.0.1:{port}", "--next-hop", f"127.0.0.1:{next_hop}",
                     "--school", school, "--data-dir", str(data_dir), "--workers", "4",
                     *(["--milter"] if milter else [])]
        self.port = port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                # (A connection taken is enough: a milter sends no greeting.)
                socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
                return
            except OSError:
                time.sleep(0.1)
        raise AssertionError("the filter did not start")

    def kill(self):
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


# How a message can end. Each verdict has one right ending (FATE); any other is wrong.
DELIVERED = "delivered"  # the message itself, to its own recipients
REFUSED = "told its sender"  # a notice to its sender naming it, without the original
RETURNED = "returned to its sender"  # a notice to its sender with the original attached
HELD = "held"  # in the held store (the message and its details)
ASTRAY = "delivered elsewhere"  # the message itself, to anyone else or from anyone else
BOUNCED = "bounced by Postfix"  # a delivery report from Postfix itself naming it
FATE = {"pass": DELIVERED, "refuse": REFUSED, "return": RETURNED, "hold": HELD}
ENDINGS = (DELIVERED, REFUSED, RETURNED, HELD, ASTRAY, BOUNCED)


def _carries(msg, subject: str) -> bool:
    """Whether a notice has the original message attached (the return to its sender)."""
    line = f"Subject: {subject}".encode()
    return any(line in (part.get_payload(decode=True) or b"") for part in msg.walk()
               if not part.is_multipart() and part.get_content_maintype() != "text")


class Endings:
    """For each ending, how many times each message number ended so. Deliveries are read
    once each, as they arrive; the held store is read afresh each time."""

    def __init__(self, sink, folder):
        self.sink = sink
        self.held = folder / HELD_DIR
        self.read = 0
        self.delivered: dict[str, Counter] = {e: Counter() for e in ENDINGS}

    def _one(self, d) -> None:
        msg = message_from_bytes(d.raw)
        match = TAG.fullmatch(str(msg.get("Subject", "")))
        if match:  # the message itself
            i = int(match.group(1))
            mail_from, rcpts, _ = _message(i)
            ending = DELIVERED if (d.mail_from, d.rcpts) == (mail_from, rcpts) else ASTRAY
            self.delivered[ending][i] += 1
            return
        if d.mail_from not in ("", "<>"):
            return  # not from this test
        match = TAG.search(d.text) if msg.get("X-Esafety-Notice") else TAG.search(
            d.raw.decode("utf-8", "replace"))
        if not match:
            return
        i = int(match.group(1))
        if not msg.get("X-Esafety-Notice"):
            self.delivered[BOUNCED][i] += 1
        elif d.rcpts == [_message(i)[0]]:
            ending = RETURNED if _carries(msg, match.group(0)) else REFUSED
            self.delivered[ending][i] += 1
        # (Else a notice to someone it was for, that it was returned: not counted.)

    def now(self) -> dict[str, Counter]:
        deliveries = self.sink.delivered
        while self.read < len(deliveries):
            self._one(deliveries[self.read])
            self.read += 1
        seen = {e: Counter(n) for e, n in self.delivered.items()}
        for path in self.held.glob("*.eml"):
            match = TAG.fullmatch(str(message_from_bytes(path.read_bytes()).get("Subject", "")))
            if match and path.with_suffix(".json").exists():
                seen[HELD][int(match.group(1))] += 1
        return seen


def wrong_endings(seen: dict[str, Counter]) -> dict[str, dict[str, list[int]]]:
    """By verdict: the messages lost (never ended as they should), leaked (delivered to
    their recipients though not passed), ended some other wrong way, or held twice."""
    problems: dict[str, dict[str, list[int]]] = {}
    for i in range(TOTAL):
        kind = _kind(i)
        found = []
        if not seen[FATE[kind]][i]:
            found.append("lost")
        found += ["leaked" if e == DELIVERED else e for e in ENDINGS
                  if e != FATE[kind] and seen[e][i]]
        if kind == "hold" and seen[HELD][i] > 1:
            found.append("held more than once")
        for problem in found:
            problems.setdefault(kind, {}).setdefault(problem, []).append(i)
    return problems


def _send_until_taken(port: int, retried: Counter) -> None:
    """Every message, in order, each sent again (on a new connection) after a 4xx or a
    dropped connection until Postfix takes it, as a sending server's queue would."""
    smtp = None
    for i in range(TOTAL):
        mail_from, rcpts, raw = _message(i)
        while True:
            try:
                if smtp is None:
                    smtp = smtplib.SMTP("127.0.0.1", port, timeout=60)
                smtp.sendmail(mail_from, rcpts, raw)
                break
            except (smtplib.SMTPResponseException, smtplib.SMTPServerDisconnected,
                    OSError) as exc:
                code = getattr(exc, "smtp_code", 421)
                assert 400 <= code < 500, f"message {i} refused for good: {exc}"
                retried[_kind(i)] += 1
                try:
                    if smtp is not None:
                        smtp.close()
                finally:
                    smtp = None
                time.sleep(0.2)
    if smtp is not None:
        smtp.quit()


@pytest.mark.parametrize("milter", [False, True], ids=["content filter", "milter"])
def test_two_thousand_messages_and_three_kills_lose_nothing(mail_school, sink, settings,
                                                            milter):
    pf = postfix.Postfix(sink.port, free_port(), milter=milter)
    flt = FilterProcess(pf.filter_port, pf.reinject, mail_school["school"].slug,
                        settings.DATA_DIR, milter=milter)
    flt.start()
    retried: Counter = Counter()
    try:
        with pf:
            def stream():
                _send_until_taken(pf.public, retried)

            sender = threading.Thread(target=stream)
            sender.start()
            kills = 0
            while kills < 3:
                time.sleep(2.5)
                flt.kill()
                kills += 1
                time.sleep(0.5)
                flt.start()
            sender.join(120)
            expected = Counter(_kind(i) for i in range(TOTAL))
            endings = Endings(sink, mail_school["folder"])
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                seen = endings.now()
                if all(seen[FATE[_kind(i)]][i] for i in range(TOTAL)) and pf.queue_count() == 0:
                    break
                pf.flush()
                time.sleep(1)
            seen = endings.now()
            problems = wrong_endings(seen)
            right = {k: {i: n for i, n in seen[FATE[k]].items() if _kind(i) == k}
                     for k in expected}
            lost = {k: len(problems.get(k, {}).get("lost", [])) for k in expected}
            leaked = {k: len(problems.get(k, {}).get("leaked", [])) for k in expected}
            duplicates = {k: sum(n - 1 for n in right[k].values()) for k in expected}
            print(f"\nzero loss: {TOTAL} messages, 3 SIGKILLs; ended as their verdict says "
                  f"{ {k: len(right[k]) for k in expected} } of {dict(expected)}; "
                  f"lost {lost}; leaked {leaked}; duplicates {duplicates}; "
                  f"sent again after a 4xx {dict(retried)}; still queued {pf.queue_count()}")
            # Each problem with the first few message numbers it happened to.
            assert {k: {p: (len(ns), ns[:10]) for p, ns in v.items()}
                    for k, v in problems.items()} == {}
    finally:
        flt.stop()
