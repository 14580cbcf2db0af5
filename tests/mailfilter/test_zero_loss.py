"""Zero loss: 2,000 messages stream through a real Postfix while the filter (the real
`esafety mail filter` process) is killed with SIGKILL three times and started again. Every
message ends as its verdict says (delivered, refused with a notice to the pupil, returned
to its sender, or in the held store); none is lost. Duplicates (a message re-injected just
before the kill, whose 250 Postfix never saw) are counted and printed."""

import os
import re
import signal
import smtplib
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
    def __init__(self, port, next_hop, school, data_dir):
        self.args = [sys.executable, "-m", "esafety.mailfilter.server", "--listen",
                     f"127.0.0.1:{port}", "--next-hop", f"127.0.0.1:{next_hop}",
                     "--school", school, "--data-dir", str(data_dir), "--workers", "4"]
        self.port = port
        self.proc = None

    def start(self):
        self.proc = subprocess.Popen(self.args, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with smtplib.SMTP("127.0.0.1", self.port, timeout=5):
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


def outcomes(sink, folder) -> dict[str, Counter]:
    """For each verdict, how many times each message number was seen ending that way."""
    seen: dict[str, Counter] = {k: Counter() for k in ("pass", "refuse", "hold", "return")}
    for d in list(sink.delivered):
        text = d.raw.decode("utf-8", "replace")
        if d.mail_from in ("", "<>"):  # a notice: refused (to the pupil) or returned
            match = TAG.search(d.text)
            if match and PUPIL in d.rcpts and match.group(2) == "refuse":
                seen["refuse"][int(match.group(1))] += 1
            elif match and "parent@known.example" in d.rcpts and match.group(2) == "return":
                seen["return"][int(match.group(1))] += 1
            continue
        match = TAG.search(message_from_bytes(d.raw).get("Subject", "")) or TAG.search(text)
        if match and match.group(2) == "pass":
            seen["pass"][int(match.group(1))] += 1
    for path in (folder / HELD_DIR).glob("*.eml"):
        match = TAG.search(message_from_bytes(path.read_bytes()).get("Subject", ""))
        if match:
            seen["hold"][int(match.group(1))] += 1
    return seen


def test_two_thousand_messages_and_three_kills_lose_nothing(mail_school, sink, settings):
    pf = postfix.Postfix(sink.port, free_port())
    flt = FilterProcess(pf.filter_port, pf.reinject, mail_school["school"].slug,
                        settings.DATA_DIR)
    flt.start()
    try:
        with pf:
            def stream():
                with smtplib.SMTP("127.0.0.1", pf.public, timeout=60) as smtp:
                    for i in range(TOTAL):
                        mail_from, rcpts, raw = _message(i)
                        smtp.sendmail(mail_from, rcpts, raw)

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
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline:
                seen = outcomes(sink, mail_school["folder"])
                if all(len(seen[k]) == expected[k] for k in expected) and pf.queue_count() == 0:
                    break
                pf.flush()
                time.sleep(1)
            seen = outcomes(sink, mail_school["folder"])
            lost = {k: expected[k] - len(seen[k]) for k in expected}
            duplicates = {k: sum(n - 1 for n in seen[k].values()) for k in expected}
            print(f"\nzero loss: {TOTAL} messages, 3 SIGKILLs; by verdict "
                  f"{ {k: len(seen[k]) for k in expected} } of {dict(expected)}; "
                  f"lost {lost}; duplicates {duplicates}; still queued {pf.queue_count()}")
            assert lost == {k: 0 for k in expected}
            wrong = [i for k in seen for i in seen[k] if _kind(i) != k]
            assert wrong == []
    finally:
        flt.stop()
