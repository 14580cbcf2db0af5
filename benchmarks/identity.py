"""Who is at this computer: esafety's whois helper against Squid's ext_file_userip_acl.

    uv run python benchmarks/identity.py [--lookups 100000] [--addresses 100000]
                                         [--bindings 5000] [--repeat 3] [--leave-runs 20]

Part 1, lookups per second on one core (``taskset -c 0`` when there is one), same input,
same run:

- esafety: ``python3 -m esafety.engine.urls whois --snapshot DIR`` on a snapshot folder
  holding policy.json (the people) and bindings.json (5,000 live bindings out of 100,000
  addresses, plus expired bindings and bindings of people who have left, which must be
  refused); it is sent one client address a line (Squid's ``%SRC``) and answers
  ``OK user=NAME`` or ``ERR``;
- Squid's bundled ``/usr/lib/squid/ext_file_userip_acl -f FILE`` with FILE mapping the same
  live addresses to the same users; it is sent ``address user`` (Squid's ``%SRC %LOGIN``)
  with the bound person's name (or someone's name for an unbound address) and answers
  ``OK`` or ``ERR``.

Half the lookups come from bound addresses, half from the rest of the 100,000. Every answer
is compared: both must say OK for exactly the same lines, and whois must name the bound user.

Part 2 (``--leave-runs``, needs a Django database: a throwaway SQLite in a temporary
ESAFETY_DATA_DIR): a pupil is bound to an address and a whois helper runs on the school's
published folder; the pupil's leave is recorded with esafety's ``person_leave`` action, and
the time until the helper answers ERR for that address is measured; median and worst.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filtering_vs_squidguard import run as run_helper  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
USERIP = "/usr/lib/squid/ext_file_userip_acl"
TASKSET = shutil.which("taskset")


def whois_available() -> bool:
    main = REPO / "esafety" / "engine" / "urls" / "__main__.py"
    return (REPO / "esafety" / "engine" / "urls" / "whois.py").is_file() and \
        "whois" in main.read_text()


def pinned(cmd: list[str]) -> list[str]:
    return [TASKSET, "-c", "0", *cmd] if TASKSET else cmd


def run(cmd: list[str], stream: Path, out: Path) -> tuple[float, float, float]:
    """Run a helper over the stream from the checkout; (wall seconds, CPU seconds, peak RSS
    MB), measured as the filtering benchmark measures its helpers."""
    return run_helper(cmd, stream, out, cwd=REPO)


def address(n: int) -> str:
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def build_input(work: Path, addresses: int, bindings: int, lookups: int, seed: int = 2026):
    """Write the snapshot folder, the userip config and both input streams.

    Returns (expected whois answers, the lines of both streams' count)."""
    rng = random.Random(seed)
    now = time.time()
    pool = [address(n) for n in range(1, addresses + 1)]
    rng.shuffle(pool)
    live = pool[:bindings]
    # Bound, but not to be let in: expired bindings and people who have left.
    expired = pool[bindings:bindings + bindings // 20]
    leavers = pool[bindings + bindings // 20:bindings + bindings // 10]
    users: dict[str, list[str]] = {}
    refused: dict[str, str] = {}
    bound: dict[str, dict] = {}
    who: dict[str, str] = {}
    for i, ip in enumerate(live):
        name = f"pupil{i:05d}" if i % 10 else f"staff{i:05d}"
        users[name] = ["ks3" if i % 10 else "staff", "9A" if i % 10 else ""]
        bound[ip] = {"user": name, "until": now + 86400}
        who[ip] = name
    for i, ip in enumerate(expired):
        name = f"late{i:05d}"
        users[name] = ["ks4", "10B"]
        bound[ip] = {"user": name, "until": now - 60}
    for i, ip in enumerate(leavers):
        name = f"left{i:05d}"
        refused[name] = "left"
        bound[ip] = {"user": name, "until": now + 86400}
    snap = work / "snapshot"
    snap.mkdir(parents=True)
    (snap / "policy.json").write_text(json.dumps({
        "format": 1, "version": "1", "school": "bench", "timezone": "Europe/London",
        "block_page": "http://127.0.0.1:8000/filtering/blocked/?school=bench",
        "default_group": "guests", "statutory": [], "labels": {}, "group_labels": {},
        "groups": {"ks3": {"rules": {}}, "ks4": {"rules": {}}, "staff": {"rules": {}},
                   "guests": {"rules": {}}},
        "working_time": {}, "users": users, "refused": refused, "aup_pending": [],
        "unidentified": "signin", "school_block": [], "school_allow": [],
        "approved_sites": [], "unblocks": [], "suspensions": []}))
    (snap / "bindings.json").write_text(json.dumps({
        "format": 1, "version": 1, "written_at": now, "bindings": bound}))
    (work / "userip.conf").write_text("".join(f"{ip} {who[ip]}\n" for ip in live))
    everyone = list(users) + list(refused)
    whois_lines, userip_lines, expected = [], [], []
    for k in range(lookups):
        ip = rng.choice(live) if k % 2 == 0 else rng.choice(pool)
        name = bound[ip]["user"] if ip in bound else rng.choice(everyone)
        whois_lines.append(ip)
        userip_lines.append(f"{ip} {name}")
        expected.append(who.get(ip))
    (work / "whois.in").write_text("\n".join(whois_lines) + "\n")
    (work / "userip.in").write_text("\n".join(userip_lines) + "\n")
    return expected, snap


def lookups_part(args, work: Path) -> None:
    expected, snap = build_input(work, args.addresses, args.bindings, args.lookups)
    n = len(expected)
    print(f"input: {n:,} lookups over {args.addresses:,} addresses, {args.bindings:,} live "
          f"bindings (+{args.bindings // 20:,} expired, +{args.bindings // 20:,} of leavers); "
          f"half the lookups from bound addresses; {sum(e is not None for e in expected):,} "
          "should be OK")
    print(f"one core: {'taskset -c 0' if TASKSET else 'taskset not found: not pinned'}")
    userip_cmd = pinned([USERIP, "-f", str(work / "userip.conf")])
    whois_cmd = pinned([sys.executable, "-m", "esafety.engine.urls", "whois",
                        "--snapshot", str(snap)])
    have_whois = whois_available()
    es_runs: list[tuple[float, float, float]] = []
    ui_runs: list[tuple[float, float, float]] = []
    # Start-up and shut-down alone (empty input), to give the rate once running too.
    empty = work / "empty.in"
    empty.write_text("")
    ui_idle = statistics.median(run(userip_cmd, empty, work / "idle.out")[0] for _ in range(3))
    # whois's start-up is most of its time on this input: its rate once running comes from
    # the same input ten times over (the difference of the two runs' CPU times).
    tenfold = work / "whois10.in"
    tenfold.write_bytes((work / "whois.in").read_bytes() * 10)
    # Alternate the two, so drifting load on this shared machine falls on both.
    for i in range(args.repeat):
        if have_whois:
            es_runs.append(run(whois_cmd, work / "whois.in", work / f"whois{i}.out"))
        ui_runs.append(run(userip_cmd, work / "userip.in", work / f"userip{i}.out"))
    ui_s = statistics.median(r[0] for r in ui_runs)
    ui_cpu = statistics.median(r[1] for r in ui_runs)
    print("ext_file_userip_acl: " + f"{ui_s:6.2f} s wall {ui_cpu:6.2f} s CPU "
          f"{n / ui_s:10,.0f} lookups/s  peak {max(r[2] for r in ui_runs):5.1f} MB  "
          "(median of " + ", ".join(f"{r[0]:.2f}" for r in ui_runs) + ")")
    print(f"    start-up alone {ui_idle:.3f} s wall: its rate above is its rate once running")
    ui_answers = (work / "userip0.out").read_text().splitlines()
    ui_ok = [a.startswith("OK") for a in ui_answers]
    wrong = sum(1 for a, e in zip(ui_ok, expected, strict=False) if a != (e is not None))
    print(f"ext_file_userip_acl answers: {len(ui_answers):,}, OK {sum(ui_ok):,}, "
          f"different from expected: {wrong + abs(len(ui_answers) - n):,}")
    if not have_whois:
        print("esafety whois: NOT MEASURED: `python3 -m esafety.engine.urls whois` does not "
              "exist yet in this checkout")
        return
    es_s = statistics.median(r[0] for r in es_runs)
    es_cpu = statistics.median(r[1] for r in es_runs)
    print("esafety whois:       " + f"{es_s:6.2f} s wall {es_cpu:6.2f} s CPU "
          f"{n / es_s:10,.0f} lookups/s  peak {max(r[2] for r in es_runs):5.1f} MB  "
          "(median of " + ", ".join(f"{r[0]:.2f}" for r in es_runs) + ")")
    ten = [run(whois_cmd, tenfold, work / "whois10.out") for _ in range(args.repeat)]
    ten_cpu = statistics.median(r[1] for r in ten)
    ten_s = statistics.median(r[0] for r in ten)
    running = 9 * n / max(ten_cpu - es_cpu, 1e-9)
    print(f"    same input x10 ({10 * n:,} lookups): {ten_s:.2f} s wall {ten_cpu:.2f} s CPU "
          f"({10 * n / ten_s:,.0f} lookups/s whole process); once running (difference of "
          f"the CPU times): {running:,.0f} lookups/s")
    print(f"ratio esafety / ext_file_userip_acl, same input, whole process: "
          f"{ui_s / es_s:.1f}x wall, {ui_cpu / es_cpu:.1f}x CPU; once running (CPU): "
          f"{running / (n / ui_cpu):.0f}x")
    es_answers = (work / "whois0.out").read_text().splitlines()
    names_wrong = 0
    ok_differ = 0
    for i, answer in enumerate(es_answers[:n]):
        ok = answer.startswith("OK")
        if ok != ui_ok[i] if i < len(ui_ok) else True:
            ok_differ += 1
        if ok != (expected[i] is not None) or (ok and answer != f"OK user={expected[i]}"):
            names_wrong += 1
    print(f"esafety whois answers: {len(es_answers):,}, OK {sum(a.startswith('OK') for a in es_answers):,}; "
          f"OK/ERR different from ext_file_userip_acl: {ok_differ + abs(len(es_answers) - n):,}; "
          f"wrong or unexpected user: {names_wrong:,}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lookups", type=int, default=100_000)
    parser.add_argument("--addresses", type=int, default=100_000)
    parser.add_argument("--bindings", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--leave-runs", type=int, default=20,
                        help="part 2: leaves recorded (0 to skip)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    print("command: " + " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]))
    if not os.access(USERIP, os.X_OK):
        raise SystemExit(f"{USERIP} not found (Debian package squid)")
    work = Path(tempfile.mkdtemp(prefix="esafety-identity-"))
    try:
        lookups_part(args, work / "lookups")
        if args.leave_runs:
            leave_part(args.leave_runs, work / "leave")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


LEAVE_SCRIPT = r"""
import json, os, statistics, subprocess, sys, time
import django
django.setup()
from django.core.management import call_command
call_command("migrate", verbosity=0)
from esafety.directory import roles
from esafety.directory.actions import person_leave
from esafety.directory.models import Person, School
from esafety.filtering.publish import publish_all, snapshot_dir
from esafety.network.actions.bindings import binding_start

runs, limit = int(sys.argv[1]), float(sys.argv[2])
school = School.objects.create(name="Bench School", slug="bench")
head = Person.objects.create(school=school, role=roles.HEADTEACHER, username="head",
                             first_name="Head", last_name="Teacher")
pupils = [Person.objects.create(school=school, role=roles.PUPIL, year_group=8,
                                username=f"pupil{i:02d}", first_name="Pupil",
                                last_name=f"Number{i}") for i in range(runs)]
publish_all(school)
for i, pupil in enumerate(pupils):
    binding_start(actor=pupil, school=school, address=f"10.9.0.{i + 1}")
folder = snapshot_dir(school)
whois = subprocess.Popen([sys.executable, "-m", "esafety.engine.urls", "whois",
                          "--snapshot", str(folder)], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, bufsize=0)


def ask(ip):
    whois.stdin.write(ip.encode() + b"\n")
    return whois.stdout.readline().decode().strip()


# The helper starts on the published folder: wait until it knows every binding.
deadline = time.monotonic() + 30
while any(not ask(f"10.9.0.{i + 1}").startswith("OK") for i in range(runs)):
    if time.monotonic() > deadline:
        print(json.dumps({"error": "the whois helper never answered OK for the bound pupils"}))
        sys.exit(0)
    time.sleep(0.05)
import random
rng = random.Random(2026)
times, answers, recorded = [], [], []
for i, pupil in enumerate(pupils):
    ip = f"10.9.0.{i + 1}"
    before = ask(ip)
    # The helper looks for new files on a timer: start each leave at a random moment of
    # it, or every leave would land at the same point of the timer.
    time.sleep(rng.uniform(0, 1.0))
    start = time.perf_counter()
    person_leave(actor=head, person=pupil)
    recorded.append(time.perf_counter() - start)
    while True:
        answer = ask(ip)
        elapsed = time.perf_counter() - start
        if answer.startswith("ERR") or elapsed > limit:
            break
        time.sleep(0.002)
    times.append(elapsed)
    answers.append((before, answer))
    if not answer.startswith("ERR"):
        break
whois.stdin.close()
whois.wait(timeout=10)
print(json.dumps({"times": times, "answers": answers, "recorded": recorded}))
"""


def leave_part(runs: int, work: Path, limit: float = 15.0) -> None:
    """Time from person_leave to the whois helper answering ERR, on a throwaway database."""
    work.mkdir(parents=True)
    env = {**os.environ, "ESAFETY_DATA_DIR": str(work / "data"),
           "DJANGO_SETTINGS_MODULE": "esafety.settings"}
    env.pop("DATABASE_URL", None)
    if not whois_available():
        print("leave to refusal: NOT MEASURED: no whois helper in this checkout")
        return
    out = subprocess.run([sys.executable, "-c", LEAVE_SCRIPT, str(runs), str(limit)],
                         env=env, cwd=REPO, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        print("leave to refusal: FAILED to run:\n" + out.stderr[-3000:])
        return
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if "error" in result:
        print(f"leave to refusal: NOT MEASURED: {result['error']}")
        return
    times = result["times"]
    refused = [t for t, (_, answer) in zip(times, result["answers"], strict=True)
               if answer.startswith("ERR")]
    if len(refused) < len(times):
        print(f"leave to refusal: NOT REFUSED within {limit:.0f} s of the leave being "
              f"recorded (last answer {result['answers'][-1][1]!r}): the leave does not "
              "reach the helper in this checkout")
        return
    recorded = result["recorded"]
    print(f"leave to refusal ({len(times)} leaves, person_leave on SQLite, then the whois "
          f"helper asked every 2 ms): median {statistics.median(times) * 1000:.0f} ms, "
          f"worst {max(times) * 1000:.0f} ms, best {min(times) * 1000:.0f} ms")
    print(f"    of which person_leave itself (its transaction and the republish after "
          f"commit): median {statistics.median(recorded) * 1000:.0f} ms, worst "
          f"{max(recorded) * 1000:.0f} ms; the rest is the helper noticing the new files")


if __name__ == "__main__":
    sys.exit(main())
