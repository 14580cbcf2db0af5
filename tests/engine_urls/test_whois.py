"""The whois helper: Squid's external ACL helper answering who is at a client address."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from esafety.engine.urls.snapshot import write_atomic, write_snapshot
from esafety.engine.urls.whois import Whois, canonical_address

from .test_policy import policy_data

NOW = time.time()
LATER = NOW + 3600


def write_bindings(folder: Path, bindings: dict, version: int = 1) -> None:
    write_atomic(folder / "bindings.json", json.dumps(
        {"format": 1, "version": version, "written_at": int(time.time()),
         "bindings": bindings}).encode())


def write_policy(folder: Path, **overrides) -> None:
    data = policy_data(**{"refused": {"lee": "left", "gus": "expired"},
                          "aup_pending": ["sam"], **overrides})
    write_atomic(folder / "policy.json", json.dumps(data).encode())


def school(tmp_path: Path, name: str = "filtering", **policy) -> Path:
    folder = tmp_path / name
    write_policy(folder, **policy)
    write_bindings(folder, {
        "10.0.0.1": {"user": "kit", "until": LATER},  # a KS1 pupil
        "10.0.0.2": {"user": "Tom", "until": LATER},  # a teacher (case as the school wrote it)
        "10.0.0.3": {"user": "sam", "until": LATER},  # has not accepted the AUP yet
        "10.0.0.4": {"user": "lee", "until": LATER},  # a leaver
        "10.0.0.5": {"user": "kit", "until": NOW - 1},  # expired
        "10.0.0.6": {"user": "nobody", "until": LATER},  # not in the policy at all
        "fe80::1": {"user": "tom", "until": LATER},
        "10.0.0.7": "garbage", "10.0.0.8": {"user": 7, "until": LATER},
    })
    return folder


def test_a_live_binding_to_a_current_person_is_ok_and_everything_else_err(tmp_path):
    whois = Whois(school(tmp_path))
    lines = ["0 10.0.0.1", "1 10.0.0.2", "2 10.0.0.3", "3 10.0.0.4", "4 10.0.0.5",
             "5 10.0.0.6", "6 10.0.0.99", "7 10.0.0.7", "8 10.0.0.8", "9 FE80:0:0::1",
             "10 ::ffff:10.0.0.1", "10.0.0.1"]
    assert whois.answer_lines(lines, NOW) == [
        "0 OK user=kit", "1 OK user=Tom", "2 OK user=sam", "3 ERR", "4 ERR", "5 ERR",
        "6 ERR", "7 ERR", "8 ERR", "9 OK user=tom", "10 OK user=kit", "OK user=kit"]
    # A binding ends by itself at its `until`, without anyone republishing.
    assert whois.answer_lines(["0 10.0.0.1"], LATER + 1) == ["0 ERR"]


def test_garbage_blank_and_channel_only_lines_each_get_one_answer(tmp_path):
    whois = Whois(school(tmp_path))
    lines = ["", "   ", "7", "\x00\xff\xfe garbage", "12 ", "3 10.0.0.1 extra tokens",
             "x" * 70000, "4 10.0.0.1%20"]
    assert whois.answer_lines(lines, NOW) == [
        "ERR", "ERR", "ERR", "ERR", "ERR", "3 OK user=kit", "ERR", "4 ERR"]


def test_usernames_with_odd_characters_are_percent_encoded_for_squid(tmp_path):
    folder = tmp_path / "filtering"
    write_policy(folder, users={"jo smith": ["staff", ""], 'x"y': ["staff", ""],
                                "a.b@school.org": ["staff", ""]})
    write_bindings(folder, {"10.1.1.1": {"user": "jo smith", "until": LATER},
                            "10.1.1.2": {"user": 'x"y', "until": LATER},
                            "10.1.1.3": {"user": "a.b@school.org", "until": LATER}})
    assert Whois(folder).answer_lines(["1 10.1.1.1", "2 10.1.1.2", "3 10.1.1.3"], NOW) == [
        "1 OK user=jo%20smith", "2 OK user=x%22y", "3 OK user=a.b@school.org"]


def test_without_files_nobody_is_identified_and_a_damaged_file_keeps_the_last_good(tmp_path):
    assert Whois(tmp_path / "nothing").answer_lines(["1 10.0.0.1"], NOW) == ["1 ERR"]
    folder = school(tmp_path)
    whois = Whois(folder)
    (folder / "bindings.json").write_text("{not json")
    (folder / "policy.json").write_text('{"format": 99}')
    whois.reload()
    assert whois.answer_lines(["1 10.0.0.1"], NOW) == ["1 OK user=kit"]


def test_a_leaver_recorded_in_the_policy_is_refused_at_once(tmp_path):
    folder = school(tmp_path)
    whois = Whois(folder)
    assert whois.answer_lines(["1 10.0.0.1"], NOW) == ["1 OK user=kit"]
    write_policy(folder, refused={"kit": "left"},
                 users={"sam": ["ks3", "8B"], "tom": ["staff", ""]})
    assert whois.reload()
    assert whois.answer_lines(["1 10.0.0.1"], NOW) == ["1 ERR"]


def test_addresses_seen_are_written_for_the_web_app_bounded_to_bound_ones(tmp_path):
    folder = school(tmp_path)
    whois = Whois(folder)
    whois.answer_lines(["1 10.0.0.1", "2 10.0.0.99", "3 10.0.0.4", "4 10.0.0.2"], NOW)
    whois.write_activity(NOW + 1)
    written = json.loads((folder / "activity" / f"whois-{os.getpid()}.json").read_text())
    assert written["seen"] == {"10.0.0.1": round(NOW, 3), "10.0.0.2": round(NOW, 3)}
    write_bindings(folder, {"10.0.0.2": {"user": "tom", "until": LATER}}, version=2)
    whois.reload()
    whois.write_activity(NOW + 20)
    written = json.loads((folder / "activity" / f"whois-{os.getpid()}.json").read_text())
    assert written == {"at": round(NOW + 20, 3), "seen": {"10.0.0.2": round(NOW, 3)}}
    assert whois.status()["bindings_version"] == 2


def test_canonical_addresses():
    assert canonical_address("::FFFF:192.0.2.1") == "192.0.2.1"
    assert canonical_address("[2001:DB8:0::1]") == "2001:db8::1"
    assert canonical_address("not an address") == "not an address"


# -- the helper as Squid runs it -----------------------------------------------------------
def start_whois(folder: Path):
    return subprocess.Popen([sys.executable, "-m", "esafety.engine.urls", "whois",
                             "--snapshot", str(folder)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)


def ask(proc, line: str) -> str:
    proc.stdin.write(line.encode("latin-1") + b"\n")
    proc.stdin.flush()
    return proc.stdout.readline().decode("latin-1").rstrip("\n")


def test_the_helper_process_answers_in_order_and_follows_new_bindings(tmp_path, lists):
    folder = school(tmp_path)
    write_snapshot(lists, folder / "lists.snap")
    proc = start_whois(folder)
    try:
        assert ask(proc, "0 10.0.0.1") == "0 OK user=kit"
        assert ask(proc, "1 10.0.0.9") == "1 ERR"
        beat = folder / "heartbeats" / f"whois-{proc.pid}.json"
        written = json.loads(beat.read_text())
        assert {k: written[k] for k in ("kind", "pid", "policy_version", "bindings_version")} \
            == {"kind": "whois", "pid": proc.pid, "policy_version": "7", "bindings_version": 1}
        write_bindings(folder, {"10.0.0.9": {"user": "tom", "until": LATER}}, version=2)
        deadline = time.time() + 10
        while ask(proc, "2 10.0.0.9") != "2 OK user=tom":
            assert time.time() < deadline, "the new binding was never picked up"
            time.sleep(0.1)
        assert ask(proc, "3 10.0.0.1") == "3 ERR"
    finally:
        proc.stdin.close()
        proc.wait(timeout=10)
    assert proc.returncode == 0
    assert not beat.exists()  # a helper that ended normally takes its heartbeat away
    assert (folder / "activity" / f"whois-{proc.pid}.json").exists()


def test_a_batch_with_garbage_and_an_endless_line_gets_exactly_one_answer_each(tmp_path):
    folder = school(tmp_path)
    lines = [b"0 10.0.0.1", b"", b"\xff\xfe\x00", b"1 " + b"9" * 1_000_000, b"2 10.0.0.2",
             b"3"]
    out = subprocess.run([sys.executable, "-m", "esafety.engine.urls", "whois",
                          "--snapshot", str(folder)], input=b"\n".join(lines) + b"\n",
                         capture_output=True, timeout=60)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().splitlines() == [
        "0 OK user=kit", "ERR", "ERR", "1 ERR", "2 OK user=Tom", "ERR"]


def test_esafety_filter_whois_finds_the_schools_folder_in_the_data_folder(tmp_path):
    """The Django command wraps the same helper; it reads the snapshot folder only."""
    school(tmp_path, "data/filtering/hp")
    env = {**os.environ, "ESAFETY_DATA_DIR": str(tmp_path / "data")}
    for args in (["--school", "hp"], []):
        out = subprocess.run([sys.executable, "-m", "esafety.cli", "filter", "whois", *args],
                             input=b"5 10.0.0.1\n6 10.0.0.4\n", capture_output=True,
                             timeout=120, env=env)
        assert out.returncode == 0, out.stderr.decode()
        assert out.stdout.decode().splitlines() == ["5 OK user=kit", "6 ERR"]
