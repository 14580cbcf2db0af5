"""The Squid helper as Squid runs it: a child process speaking the url_rewrite protocol."""

import json
import os
import subprocess
import sys
import time

from esafety.engine.urls.snapshot import write_snapshot

from .test_policy import policy_data


def start_helper(*args, env=None):
    return subprocess.Popen([sys.executable, "-m", "esafety.engine.urls", "helper", *args],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env={**os.environ, **(env or {})})


def ask(proc, line: str) -> str:
    proc.stdin.write(line.encode("latin-1") + b"\n")
    proc.stdin.flush()
    return proc.stdout.readline().decode("latin-1").rstrip("\n")


def run_all(args, lines):
    out = subprocess.run([sys.executable, "-m", "esafety.engine.urls", "helper", *args],
                         input="\n".join(lines).encode("latin-1") + b"\n",
                         capture_output=True, timeout=60)
    return out.stdout.decode("latin-1").splitlines(), out.stderr.decode()


def test_standalone_helper_blocks_listed_categories_and_passes_the_rest(list_dir):
    answers, _ = run_all(["--lists", str(list_dir), "--block", "games,adult",
                          "--block-page", "http://block.test/b"],
                         ["http://games.example/play 10.0.0.1/- - GET",
                          "http://bbc.example/ 10.0.0.1/- - GET",
                          "porn.example:443 10.0.0.1/- - CONNECT"])
    assert answers[0] == 'OK status=302 url="http://block.test/b?url=http://games.example/play"'
    assert answers[1] == "ERR"
    assert answers[2].startswith("OK status=302")


def test_channel_ids_are_echoed_and_every_bad_line_still_gets_an_answer(list_dir):
    lines = ["0 http://games.example/ 10.0.0.1/- - GET",
             "1 http://bbc.example/ 10.0.0.1/- - GET",
             "",
             "7",
             "\x00\xff\xfe garbage",
             "http://" + "a" * 200_000 + ".example/ 10.0.0.1/- - GET",
             "2 http://[::1]:8080/x 10.0.0.1/- - GET",
             "3 HTTP://USER:PW@GAMES.EXAMPLE.:81/ 10.0.0.1/- - GET",
             "4 http://bücher.example/ 10.0.0.1/- - GET"]
    answers, _ = run_all(["--lists", str(list_dir), "--block", "all"], lines)
    assert len(answers) == len(lines)
    assert answers[0].startswith("0 OK status=302")
    assert answers[1] == "1 ERR"
    assert answers[2:6] == ["ERR", "ERR", "ERR", "ERR"]
    assert answers[6] == "2 ERR"
    assert answers[7].startswith("3 OK status=302")
    assert answers[8] == "4 ERR"


def test_published_helper_follows_the_policy_and_spools_blocks(lists, tmp_path):
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    (folder / "policy.json").write_text(json.dumps(policy_data()))
    proc = start_helper("--snapshot", str(folder))
    try:
        pupil = ask(proc, "http://games.example/ 10.0.0.9/- sam GET")
        assert pupil.startswith('OK status=302 url="http://esafety.test/filtering/blocked/?url=')
        assert "&rule=group-policy&group=ks3&user=sam" in pupil
        assert ask(proc, "http://games.example/ 10.0.0.9/- tom GET") == "ERR"
        assert ask(proc, "http://www.google.com/search?q=cats 10.0.0.9/- sam GET") == (
            'OK rewrite-url="http://www.google.com/search?q=cats&safe=active"')
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    spooled = [json.loads(line) for path in (folder / "decisions").glob("*.jsonl")
               for line in path.read_text().splitlines()]
    # (The search and the allowed counts are logged too: tests/filtering/test_decision_logs*.)
    assert [(r["user"], r["category"], r["rule"]) for r in spooled
            if r.get("action") == "block"] == [("sam", "games", "group-policy")]


def test_a_corrupt_new_snapshot_is_refused_and_the_last_good_one_kept(lists, tmp_path):
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    (folder / "policy.json").write_text(json.dumps(policy_data()))
    proc = start_helper("--snapshot", str(folder), "--no-log")
    try:
        assert ask(proc, "http://games.example/ 10.0.0.9/- sam GET").startswith("OK")
        (folder / "lists.snap").write_bytes(b"ESAFETY-URL-LISTS\n{broken")
        (folder / "policy.json").write_text("{not json")
        time.sleep(1.2)
        for _ in range(3):  # the reload happens in the background; answers never stop
            assert ask(proc, "http://games.example/ 10.0.0.9/- sam GET").startswith("OK")
            assert ask(proc, "http://games.example/ 10.0.0.9/- tom GET") == "ERR"
            time.sleep(0.3)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert "REFUSED lists snapshot" in proc.stderr.read().decode()


def test_a_new_policy_is_picked_up_without_restarting(lists, tmp_path):
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    (folder / "policy.json").write_text(json.dumps(policy_data()))
    proc = start_helper("--snapshot", str(folder), "--no-log")
    try:
        assert ask(proc, "http://fine.example/ 10.0.0.9/- tom GET") == "ERR"
        (folder / "policy.json").write_text(json.dumps(policy_data(school_block=["fine.example"])))
        deadline = time.time() + 10
        while ask(proc, "http://fine.example/ 10.0.0.9/- tom GET") == "ERR":
            assert time.time() < deadline, "new policy never loaded"
            time.sleep(0.2)
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)


def test_with_nothing_published_everything_is_blocked_and_it_says_so_loudly(tmp_path):
    proc = start_helper("--snapshot", str(tmp_path / "empty"), "--no-log")
    try:
        assert ask(proc, "http://bbc.example/ 10.0.0.9/- tom GET").startswith("OK status=302")
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert "EVERYTHING IS BLOCKED" in proc.stderr.read().decode()


def test_the_esafety_command_runs_the_helper_without_loading_django(list_dir):
    code = ("import sys; from esafety.cli import main; "
            "rc = main(['filter', 'helper', '--lists', sys.argv[1], '--block', 'games']); "
            "assert 'django' not in sys.modules, 'django was imported'; sys.exit(rc)")
    out = subprocess.run([sys.executable, "-c", code, str(list_dir)],
                         input=b"http://games.example/ 10.0.0.1/- - GET\n", capture_output=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().startswith("OK status=302")


def test_allowed_counts_as_lines_are_the_json_of_their_records():
    """Helper.allowed_lines writes the text json.dumps writes for allowed_records."""
    import json

    from esafety.engine.urls.helper import Helper

    counts = {("2026-12-04", "sam", "", "ks3", ""): 3,
              ("2026-12-04", "", "10.0.0.1", "", "games"): 1,
              ("2026-12-04", 'o"neil\\', "", "gr\u00fcp", "caf\u00e9 \u2603"): 12,
              ("2026-12-04", "tab\there", "\x00\x1f\x7f", "ks3", "a/b"): 10**12}
    lines_helper, dicts_helper = Helper(None, "http://b/"), Helper(None, "http://b/")
    lines_helper.allowed, dicts_helper.allowed = dict(counts), dict(counts)
    expected = "".join(json.dumps(r, separators=(",", ":")) + "\n"
                       for r in dicts_helper.allowed_records())
    assert lines_helper.allowed_lines() == expected.encode()
    assert lines_helper.allowed == {} and dicts_helper.allowed == {}
