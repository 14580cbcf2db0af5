"""The command-line contracts: classify, check, rules and scan (run as real processes)."""

import json
import mailbox
import os
import select
import subprocess
import sys

import pytest

from tests.engine_messages.mail import make_mail

CATEGORY_KEYS = {"profanity", "abuse", "discrimination", "sexual", "violence", "self_harm",
                 "extremism", "disclosure"}


@pytest.fixture
def run(tmp_path):
    """run(args, stdin=b"") -> CompletedProcess of `esafety ...` with no database around."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ESAFETY_DATA_DIR"] = str(tmp_path / "data")
    env.pop("ESAFETY_RULEBOOK", None)

    def run(args, stdin=b""):
        return subprocess.run([sys.executable, "-m", "esafety", *args], input=stdin,
                              capture_output=True, env=env, cwd=tmp_path, timeout=120)

    return run


def test_classify_writes_one_line_per_input_in_order(run):
    lines = [{"id": 1, "text": "Thanks for the lovely assembly"},
             {"id": "b", "text": "you are a f*cking idiot"},
             {"id": [3], "text": "Scunthorpe, Sussex and the cockpit"}]
    stdin = "\n".join(json.dumps(x) for x in lines).encode() + b"\n\n"
    result = run(["classify"], stdin)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o["id"] for o in out] == [1, "b", [3]]
    for o in out:
        assert set(o) == {"id", "flagged", "categories", "rating"}
        assert set(o["categories"]) == CATEGORY_KEYS
        assert all(0 <= p <= 1 for p in o["categories"].values())
    assert [o["flagged"] for o in out] == [False, True, False]
    assert out[1]["rating"] in ("serious", "gross") and out[0]["rating"] is None


def test_classify_reports_a_bad_line_and_carries_on(run):
    result = run(["classify"], b'{"id": 1, "text": 5}\nnot json\n{"id": 2, "text": "hi"}\n')
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [o.get("id") for o in out] == [1, None, 2]
    assert "error" in out[0] and "error" in out[1] and out[2]["flagged"] is False


def test_classify_and_check_never_load_django_or_scikit_learn(tmp_path):
    code = ("import sys, io; from esafety.cli import main;"
            "sys.stdin = io.TextIOWrapper(io.BytesIO(b'{\"id\":1,\"text\":\"hi\"}\\n'));"
            "main(['classify']);"
            "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'sklearn')];"
            "print('LOADED', bad)")
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ESAFETY_DATA_DIR"] = str(tmp_path)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env,
                         cwd=tmp_path, timeout=60).stdout.decode()
    assert "LOADED []" in out


def test_check_json_contract(run, tmp_path):
    raw = make_mail(to=["jane@gmail.com", "bob@hotmail.co.uk"], subject="Trip",
                    body="Dear parents, WE NEED ALL THE CONSENT FORMS BACK BY FRIDAY PLEASE.")
    (tmp_path / "m.eml").write_bytes(raw)
    result = run(["check", str(tmp_path / "m.eml"), "--json", "--sender-role", "teacher"])
    assert result.returncode == 0, result.stderr
    verdict = json.loads(result.stdout)
    assert set(verdict) == {"verdict", "rating", "findings"}
    assert verdict["verdict"] == "hold" and verdict["rating"] is None
    for finding in verdict["findings"]:
        assert set(finding) == {"rule", "title", "severity", "action", "clauses", "evidence",
                                "advice"}
        assert finding["evidence"] and all(set(e) == {"part", "excerpt"} and e["excerpt"]
                                           for e in finding["evidence"])
    assert [f["rule"] for f in verdict["findings"]] == ["recipients.parents-visible",
                                                        "tone.shouting"]


def test_check_reads_stdin_and_plain_text(run):
    result = run(["check", "-", "--text", "--json"], b"You are a useless idiot.")
    assert json.loads(result.stdout)["findings"][0]["rule"] == "content.abuse"


def test_check_prints_a_readable_verdict(run):
    result = run(["check", "--text", "-"], b"Thanks, see you on Monday.")
    assert result.stdout.decode().startswith("Verdict: ALLOW")


@pytest.mark.parametrize("args,stdin,message", [
    (["check", "/no/such/file.eml"], b"", "cannot read /no/such/file.eml"),
    (["check", "-"], b"", "the message is empty"),
    (["check", "-", "--sender-role", "wizard"], b"From: a@b.c\n\nhi", "unknown sender role"),
])
def test_check_errors_are_one_clear_line(run, args, stdin, message):
    result = run(args, stdin)
    assert result.returncode == 2
    err = result.stderr.decode().strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err


def test_rules_json_lists_the_catalogue(run):
    result = run(["rules", "--json"])
    catalogue = json.loads(result.stdout)
    ids = [r["id"] for r in catalogue["rules"]]
    assert "recipients.parents-visible" in ids and "content.extremism" in ids
    assert all(r["clauses"] for r in catalogue["rules"])
    listing = run(["rules"]).stdout.decode()
    assert "recipients.pupil-unapproved  [block, high; pupils]" in listing


def test_scan_a_folder_an_mbox_and_a_maildir(run, tmp_path):
    folder = tmp_path / "folder"
    folder.mkdir()
    (folder / "1.eml").write_bytes(make_mail(to=["a@example.com"], body="Lovely day."))
    (folder / "2.eml").write_bytes(make_mail(to=["a@example.com"], body="What a load of shit."))
    (folder / "3.eml").write_bytes(b"")
    result = run(["scan", str(folder), "--quiet"])
    out = result.stdout.decode()
    assert result.returncode == 0
    assert "3 messages scanned, 1 unreadable" in out
    assert "content.profanity" in out and "3.eml: the message is empty" in out

    box = mailbox.mbox(str(tmp_path / "mail.mbox"))
    box.add(make_mail(to=["a@example.com"], body="Hello"))
    box.add(make_mail(to=["a@example.com"], body="f u c k"))
    box.flush()
    result = run(["scan", str(tmp_path / "mail.mbox"), "--json", "--quiet"])
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["verdict"] for line in lines] == ["allow", "warn"]
    assert "2 messages scanned" in result.stderr.decode()

    maildir = mailbox.Maildir(str(tmp_path / "Maildir"))
    maildir.add(make_mail(to=["a@example.com"], body="Hello"))
    result = run(["scan", str(tmp_path / "Maildir"), "--quiet"])
    assert "1 messages scanned, 0 unreadable" in result.stdout.decode()


def test_classify_keeps_order_and_errors_across_chunks_of_input(run):
    # More lines than one chunk (2,000), with bad and blank lines on both sides of the cut.
    lines = [json.dumps({"id": i, "text": "you idiot" if i % 3 else "hello"})
             for i in range(2600)]
    lines[1999] = "not json"
    lines[2000] = ""
    lines[2001] = '{"id": "n", "text": null}'
    result = run(["classify"], ("\n".join(lines) + "\n").encode())
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert len(out) == 2599  # the blank line gives nothing
    assert out[1999] == {"id": None, "error": "line 2000: Expecting value: line 1 column 1 "
                                              "(char 0)"}
    assert out[2000]["id"] == "n" and out[2000]["error"].startswith("line 2002: ")
    verdicts = [o for o in out if "error" not in o]
    assert [o["id"] for o in verdicts] == [i for i in range(2600) if i not in (1999, 2000, 2001)]
    assert all(o["flagged"] == bool(o["id"] % 3) for o in verdicts)


def test_classify_answers_each_line_as_it_arrives(tmp_path):
    # A program that writes one line and waits for the answer must get it before it writes
    # the next (the command must not wait for a full chunk or for the end of the input).
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["ESAFETY_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.Popen([sys.executable, "-m", "esafety", "classify"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, env=env, cwd=tmp_path)
    try:
        for i, text in enumerate(["see you at nine", "you are a f*cking idiot"]):
            proc.stdin.write(json.dumps({"id": i, "text": text}).encode() + b"\n")
            proc.stdin.flush()
            answer = json.loads(_answer(proc))
            assert answer["id"] == i
            assert answer["flagged"] is (i == 1)
        proc.stdin.write(b'{"id": 2, "text": "half a li')  # an unfinished line...
        proc.stdin.flush()
        proc.stdin.write(b'ne"}\n')  # ...is classified once it is complete
        proc.stdin.close()
        assert json.loads(_answer(proc))["id"] == 2
        assert proc.wait(timeout=60) == 0
    finally:
        proc.kill()


def _answer(proc) -> bytes:
    # A generous bound so a command that waits for more input fails the test instead of
    # hanging the suite (a liveness check, not a speed check).
    ready, _, _ = select.select([proc.stdout], [], [], 60)
    assert ready, "no answer: the command is waiting for more input"
    return proc.stdout.readline()


def test_check_text_asks_where_a_draft_goes(run):
    draft = (b"Dear parents, Oliver Bennett had an asthma attack today. He is on the child "
             b"protection register. Call my mobile on 07700 900123.")
    unanswered = json.loads(run(["check", "--text", "-", "--json", "--sender-role", "teacher"],
                                draft).stdout)
    parents = json.loads(run(["check", "--text", "-", "--json", "--audience", "parents"],
                             draft).stdout)
    staff = json.loads(run(["check", "--text", "-", "--json", "--audience", "staff"],
                           draft).stdout)
    held = ["privacy.personal-contact-details", "privacy.sensitive-data"]
    assert [f["rule"] for f in unanswered["findings"]] == held
    assert [f["rule"] for f in parents["findings"]] == held
    assert parents["verdict"] == unanswered["verdict"] == "hold"
    assert staff == {"verdict": "allow", "rating": None, "findings": []}


def test_check_audience_is_only_for_text_drafts(run):
    result = run(["check", "-", "--audience", "parents"], b"From: a@b.c\n\nhi")
    assert result.returncode == 2
    assert "--audience is for --text drafts" in result.stderr.decode()


def test_check_deploy_runs_djangos_deployment_checks(run):
    result = run(["check", "--deploy"])
    out = result.stdout.decode() + result.stderr.decode()
    assert "System check identified" in out
    assert "Verdict" not in out and "the message is empty" not in out


def test_check_file_still_checks_a_message(run, tmp_path):
    (tmp_path / "m.eml").write_bytes(b"From: a@example.com\nSubject: hi\n\nSee you at 3pm.\n")
    result = run(["check", str(tmp_path / "m.eml")])
    assert result.returncode == 0
    assert result.stdout.decode().startswith("Verdict: ALLOW")
