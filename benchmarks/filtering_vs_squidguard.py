"""esafety's Squid helper against squidGuard 1.6 on the same lists and the same stream.

    uv run python benchmarks/filtering_vs_squidguard.py [--lines 1000000] [--block all|pupils|CATS]
    uv run python benchmarks/filtering_vs_squidguard.py --school [--lines 1000000] [--no-log]

1. compiles ../shared/data/urls/ut1 with esafety (timed) and builds squidGuard's Berkeley
   DB files from the same lists in a temporary folder (``squidGuard -C all``, not timed);
2. builds a request stream of --lines lines from UT1 + ../shared/data/urls/benign;
3. feeds the stream to each helper on standard input, timing it and sampling its peak memory;
4. compares every answer (block or pass) and prints the disagreements with an explanation.

Standalone mode (the default) blocks the same categories for everyone (``--lists --block``).
School mode (``--school``) runs the helper as a school does: on a published snapshot
(lists.snap + policy.json, as esafety.filtering.publish writes them) with per-person groups
(1,000 pupils in KS1 to KS5 with a 22-category pupil policy, 100 staff, 20 guest accounts)
and the network's keys (310 refused leavers and expired guests, 20 pupils with the AUP
pending, clients with no username sent to sign in), each request line carrying a username,
against squidGuard with the same groups as ``src`` blocks with user lists and the same
categories per group (``pass none`` to their page for the refused, the AUP-pending and, in
``default``, everyone else). Both log their blocked requests (esafety's decision spool,
squidGuard's ``log`` in each destination) unless ``--no-log``. School mode times both of the
helper's paths in the same run: the compiled fast path (esafety/engine/urls/_fastpath.c,
when scripts/build_fastpath.py has built it) and every line in Python (``--python-only``),
each against squidGuard by CPU and wall, and checks their answers are byte-identical.
Results: FILTERING.md.
"""

from __future__ import annotations

import argparse
import bisect
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from filtering_stream import UT1, make_stream  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
SQUIDGUARD = "/usr/bin/squidGuard"
# A realistic secondary-school pupil policy (UK SIC categories + circumvention + school choice).
DEFAULT_BLOCK = ("adult,agressif,cryptojacking,dangerous_material,dating,ddos,doh,drogue,"
                 "gambling,hacking,malware,mixed_adult,phishing,publicite,redirector,sect,"
                 "social_networks,stalkerware,vpn,warez,games,chat")


# School mode. Pupils of every key stage share the 22-category policy above; staff and
# guests have their own (UK SIC headings, circumvention, dating and chat; guests also social
# networks and games). Statutory categories are blocked for everyone.
STAFF_BLOCK = ("adult,agressif,cryptojacking,dangerous_material,dating,ddos,doh,drogue,"
               "gambling,hacking,malware,mixed_adult,phishing,redirector,sect,stalkerware,"
               "vpn,chat")
GUEST_BLOCK = STAFF_BLOCK + ",social_networks,games"
STATUTORY = ("adult", "malware", "phishing")
PUPILS_BY_GROUP = {"ks1": 150, "ks2": 250, "ks3": 300, "ks4": 200, "sixth_form": 100}
STAFF, GUESTS, LEAVERS = 100, 20, 300
GROUP_LABELS = {"ks1": "Reception and Key Stage 1", "ks2": "Key Stage 2",
                "ks3": "Key Stage 3", "ks4": "Key Stage 4", "sixth_form": "Sixth form",
                "staff": "Staff", "guests": "Guests and visitors"}
BLOCK_PAGE = "http://127.0.0.1:8000/filtering/blocked/?school=bench"
SIGNIN_PAGE = "http://127.0.0.1:8000/internet/sign-in/?school=bench"
AUP_PAGE = "http://127.0.0.1:8000/internet/aup/?school=bench"


def school_people() -> dict[str, list[str]]:
    """username -> [group, form], as policy.json's "users" holds them."""
    users: dict[str, list[str]] = {}
    n = 0
    for group, count in PUPILS_BY_GROUP.items():
        for i in range(count):
            n += 1
            users[f"pupil{n:04d}"] = [group, f"{group.upper()}{'ABCD'[i % 4]}"]
    for i in range(1, STAFF + 1):
        users[f"staff{i:03d}"] = ["staff", ""]
    for i in range(1, GUESTS + 1):
        users[f"guest{i:02d}"] = ["guests", ""]
    return users


def school_refused() -> dict[str, str]:
    """policy.json's "refused": the school's leavers and expired guests."""
    refused = {f"left{i:04d}": "left" for i in range(1, LEAVERS + 1)}
    refused.update({f"oldguest{i:02d}": "expired" for i in range(1, 11)})
    return refused


def school_aup_pending(users: dict[str, list[str]]) -> list[str]:
    """policy.json's "aup_pending": every 50th pupil has not accepted the AUP yet."""
    pupils = [u for u, (g, _) in users.items() if g in PUPILS_BY_GROUP]
    return pupils[::50]


def school_blocks(available: set[str]) -> dict[str, list[str]]:
    """group -> the categories it blocks (those UT1 has)."""
    pupils = [c for c in DEFAULT_BLOCK.split(",") if c in available]
    out = {group: pupils for group in PUPILS_BY_GROUP}
    out["staff"] = [c for c in STAFF_BLOCK.split(",") if c in available]
    out["guests"] = [c for c in GUEST_BLOCK.split(",") if c in available]
    return out


def school_policy(users: dict[str, list[str]], blocks: dict[str, list[str]]) -> dict:
    """policy.json as esafety.filtering.publish writes it, for this school, with the
    network's keys (leavers refused, AUP pending, unidentified clients sent to sign in).
    No working time rules (squidGuard would need the same time spans) and no unblocks."""
    every = sorted({c for cats in blocks.values() for c in cats})
    return {
        "format": 1, "version": "1", "school": "bench",
        "published_at": "2026-12-03T00:00:00+00:00", "timezone": "Europe/London",
        "block_page": BLOCK_PAGE, "default_group": "guests",
        "statutory": list(STATUTORY),
        "labels": {c: c.replace("_", " ").capitalize() for c in every},
        "group_labels": GROUP_LABELS,
        "groups": {g: {"approved_only": False, "safe_search": g != "staff",
                       "rules": {c: "block" for c in cats}} for g, cats in blocks.items()},
        "working_time": {}, "users": users, "school_block": [], "school_allow": [],
        "approved_sites": [], "unblocks": [], "suspensions": [],
        "refused": school_refused(), "aup_pending": school_aup_pending(users),
        "unidentified": "signin", "signin_page": SIGNIN_PAGE, "aup_page": AUP_PAGE,
        "web_hosts": ["127.0.0.1", "login.microsoftonline.com", "accounts.google.com"],
    }


def stream_users(users: dict[str, list[str]]) -> list[str]:
    """Who sends the requests, weighted: about 78% pupils (2% of them with the AUP
    pending), 12% staff, 3% guest accounts, 3% leavers, 4% no username (Squid's "-")."""
    pupils = [u for u, (g, _) in users.items() if g in PUPILS_BY_GROUP]
    staff = [u for u, (g, _) in users.items() if g == "staff"]
    guests = [u for u, (g, _) in users.items() if g == "guests"]
    return pupils * 8 + staff * 12 + guests * 15 + list(school_refused()) + ["-"] * 400


def build_squidguard_school(workdir: Path, users: dict[str, list[str]],
                            blocks: dict[str, list[str]], log: bool) -> Path:
    """squidGuard with one `src` (user list) and one `acl` per group; the AUP-pending
    pupils and the refused people first, each sent to their page for everything; anyone
    else (no or unknown username) to the sign-in page, as esafety's "unidentified"."""
    every = sorted({c for cats in blocks.values() for c in cats})
    conf = build_squidguard(workdir, every, log=log)
    text = conf.read_text()
    dests = text[:text.index("acl {")]
    pending = set(school_aup_pending(users))
    members = {"aup_pending": sorted(pending), "refused": sorted(school_refused())}
    for group in blocks:
        members[group] = [u for u, (g, _) in users.items() if g == group and u not in pending]
    srcs, acls = [], []
    folder = workdir / "users"
    folder.mkdir(exist_ok=True)
    for name, people in members.items():
        (folder / name).write_text("".join(f"{u}\n" for u in people))
        srcs.append(f"src {name} {{\n    userlist {folder / name}\n}}")
        if name in blocks:
            passes = " ".join(f"!{sg_name(c)}" for c in blocks[name]) + " all"
        else:
            passes = "none"
        page = {"aup_pending": AUP_PAGE}.get(name, BLOCK_PAGE)
        acls.append(f"    {name} {{\n        pass {passes}\n        redirect {page}&url=%u\n"
                    "    }")
    acls.append(f"    default {{\n        pass none\n        redirect {SIGNIN_PAGE}&next=%u\n"
                "    }")
    conf.write_text(dests + "\n\n".join(srcs) + "\n\nacl {\n" + "\n".join(acls) + "\n}\n")
    return conf


def sg_name(category: str) -> str:
    return category.replace("-", "_")


def build_squidguard(workdir: Path, categories: list[str], log: bool = False) -> Path:
    db = workdir / "db"
    logdir = workdir / "log"
    logdir.mkdir(parents=True)
    dests = []
    for cat in categories:
        src = UT1 / cat
        (db / cat).mkdir(parents=True)
        lines = [f"dest {sg_name(cat)} {{"]
        for kind, keyword in (("domains", "domainlist"), ("urls", "urllist"),
                              ("expressions", "expressionlist")):
            if (src / kind).is_file() and (src / kind).stat().st_size > 0:
                shutil.copy(src / kind, db / cat / kind)
                lines.append(f"    {keyword} {cat}/{kind}")
        if log:
            lines.append("    log blocked.log")
        lines.append("}")
        dests.append("\n".join(lines))
    passes = " ".join(f"!{sg_name(c)}" for c in categories)
    conf = workdir / "squidGuard.conf"
    conf.write_text(
        f"dbhome {db}\nlogdir {logdir}\n\n" + "\n\n".join(dests) + "\n\n"
        "acl {\n    default {\n"
        f"        pass {passes} all\n"
        "        redirect http://127.0.0.1/filtering/blocked/?url=%u\n"
        "    }\n}\n")
    subprocess.run([SQUIDGUARD, "-c", str(conf), "-C", "all"], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return conf


def _peak_rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(cmd: list[str], stream: Path, out: Path,
        cwd: Path | None = None) -> tuple[float, float, float]:
    """Run a helper over the stream; return (wall seconds, CPU seconds, peak RSS in MB).

    The peak is the process's own high-water mark (VmHWM), sampled until it exits: the
    rusage of a forked child would also count the memory of this script.
    """
    with open(stream, "rb") as fin, open(out, "wb") as fout:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=fin, stdout=fout, stderr=subprocess.DEVNULL,
                                cwd=cwd)
        peak = 0.0
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _peak_rss_mb(proc.pid))
            time.sleep(0.02)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited with {proc.returncode}")
    return elapsed, usage.ru_utime + usage.ru_stime, peak


def verdicts(path: Path, blocked: bytes) -> list[bool]:
    """Block (True) or pass for each answer: blocks start with `blocked`."""
    with open(path, "rb") as fh:
        return [line.startswith(blocked) for line in fh.read().splitlines()]


def _sg_key(raw: str) -> str:
    """A urls entry as squidGuard stores it: lower case, userinfo and port removed."""
    key = raw.strip().lower()
    slash = key.find("/")
    host, path = (key, "") if slash < 0 else (key[:slash], key[slash:])
    host = host.rsplit("@", 1)[-1].split(":", 1)[0]
    return host + path


def explain(lines: list[str], differ: list[int], es_v: list[bool], categories: list[str],
            snapshot: Path) -> dict[str, list[int]]:
    """Sort each disagreement into a known difference between the two matchers."""
    from esafety.engine.urls.normalise import normalise_list_url, parse_target, url_prefixes
    from esafety.engine.urls.snapshot import load_snapshot

    lists = load_snapshot(snapshot)
    blocked = lists.mask_of(categories)
    raw_by_entry: dict[str, list[str]] = {}
    sg_keys: list[str] = []
    sorted_keys: dict[str, list[str]] = {}
    for cat in categories:
        path = UT1 / cat / "urls"
        if path.is_file():
            keys = []
            for raw in path.read_text(errors="replace").splitlines():
                if raw.strip() and not raw.startswith("#"):
                    raw_by_entry.setdefault(normalise_list_url(raw), []).append(raw.strip())
                    keys.append(_sg_key(raw))
            sg_keys.extend(keys)
            sorted_keys[cat] = sorted(set(keys))

    def squidguard_finds(request: str) -> bool:
        # Replays squidGuard 1.6 defined(): DB_SET_RANGE, then only the previous key.
        for keys in sorted_keys.values():
            at = bisect.bisect_left(keys, request)
            if at < len(keys) and keys[at] == request:
                return True
            if at > 0:
                prev = keys[at - 1]
                after = keys[at] if at < len(keys) else ""
                if request.startswith(prev) and not after.startswith(prev):
                    return True
        return False
    reasons: dict[str, list[int]] = {}
    for i in differ:
        parts = lines[i].split()
        target = parse_target(parts[0], parts[3])
        reason = "other"
        if target is not None and es_v[i]:
            hits = [e for e in url_prefixes(target.stripped)
                    if lists.urls.get(e) and lists.combos[lists.urls[e]] & blocked]
            raws = [r for e in hits for r in raw_by_entry.get(e, [])]
            if any("%" in r for r in raws):
                reason = ("list entry is percent-encoded: esafety decodes entries and requests, "
                          "squidGuard only requests")
            elif any("//" in r.split("://", 1)[-1] for r in raws):
                reason = ("list entry holds '//': squidGuard collapses it in requests but not in "
                          "entries; esafety collapses both")
            elif any(r.lower().startswith(("www.", "web.", "ftp.")) for r in raws):
                reason = ("list entry starts with www.: squidGuard strips it from requests but "
                          "not from entries")
            elif "./" in target.stripped[target.stripped.find("/"):]:
                reason = ("squidGuard deletes the first '.' before a '/' anywhere in the URL "
                          "(meant for a trailing dot on the host), so paths with './' change")
            elif raws and not squidguard_finds(target.stripped):
                reason = ("squidGuard's B-tree lookup only compares the neighbouring key: a "
                          "longer entry sorting between hides a listed prefix (replayed)")
        elif target is not None:
            request = target.stripped
            if any(request.startswith(k) and len(k) < len(request)
                   and request[len(k)] not in "/?&" for k in sg_keys if k[:3] == request[:3]):
                reason = ("squidGuard matches url entries as raw string prefixes "
                          "(example.com/a also blocks example.com/ab)")
        reasons.setdefault(reason, []).append(i)
    return reasons


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=1_000_000)
    parser.add_argument("--block", default="all",
                        help="'all' (default: every UT1 category, as squidGuard is usually "
                             "run), 'pupils' (a secondary pupil policy) or CAT,CAT,...")
    parser.add_argument("--school", action="store_true",
                        help="school mode: published snapshot with per-person groups against "
                             "squidGuard with the same groups as src user lists")
    parser.add_argument("--no-log", action="store_true",
                        help="school mode: neither helper logs its blocked requests")
    parser.add_argument("--repeat", type=int, default=3,
                        help="esafety runs (median reported; default 3)")
    parser.add_argument("--save-answers", metavar="FILE",
                        help="copy esafety's answers (first run) to FILE, to compare runs "
                             "byte for byte")
    parser.add_argument("--skip-squidguard", action="store_true",
                        help="time esafety only (no ratio): for profiling")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not UT1.is_dir():
        raise SystemExit(f"UT1 lists not found at {UT1}")
    available = {p.name for p in UT1.iterdir() if p.is_dir()}
    users: dict[str, list[str]] = {}
    blocks: dict[str, list[str]] = {}
    if args.school:
        users = school_people()
        blocks = school_blocks(available)
        categories = sorted({c for cats in blocks.values() for c in cats})
    else:
        block = DEFAULT_BLOCK if args.block == "pupils" else args.block
        wanted = list(available) if block == "all" else block.split(",")
        categories = sorted(c for c in wanted if c in available)
    work = Path(tempfile.mkdtemp(prefix="esafety-bench-"))
    snapdir = work / "snapshot"
    snapdir.mkdir()
    snap = snapdir / "lists.snap"
    try:
        if args.school:
            print(f"school mode: {len(users):,} current people ("
                  + ", ".join(f"{g} {sum(1 for v in users.values() if v[0] == g)}"
                              for g in blocks) + "); categories blocked per group: "
                  + ", ".join(f"{g} {len(c)}" for g, c in blocks.items())
                  + f"; {len(school_refused())} refused (leavers, expired guests), "
                  f"{len(school_aup_pending(users))} pupils with the AUP pending, unidentified "
                  f"clients sent to sign in; logging blocked requests: "
                  f"{'no' if args.no_log else 'both'}")
            print(f"pupil policy ({len(blocks['ks3'])}): {','.join(blocks['ks3'])}")
        else:
            print(f"categories blocked ({len(categories)}): {','.join(categories)}")
        # esafety: read and compile every UT1 list (what `esafety lists import` does).
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", (
            "import sys; from esafety.engine.urls.lists import read_lists; "
            "from esafety.engine.urls.snapshot import compile_lists, write_snapshot; "
            "write_snapshot(compile_lists(read_lists(sys.argv[1])), sys.argv[2])"),
            str(UT1), str(snap)], check=True, cwd=REPO)
        compile_s = time.perf_counter() - start
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", (
            "import sys; from esafety.engine.urls.snapshot import load_snapshot; "
            "load_snapshot(sys.argv[1])"), str(snap)], check=True, cwd=REPO)
        load_s = time.perf_counter() - start
        start = time.perf_counter()
        if args.school:
            (snapdir / "policy.json").write_text(json.dumps(school_policy(users, blocks),
                                                            indent=1))
            conf = build_squidguard_school(work, users, blocks, log=not args.no_log)
        else:
            conf = build_squidguard(work, categories)
        sg_build_s = time.perf_counter() - start

        stream = work / "stream.txt"
        lines = make_stream(args.lines, users=stream_users(users) if args.school else None)
        stream.write_text("\n".join(lines) + "\n", encoding="utf-8")

        es_out, sg_out = work / "esafety.out", work / "squidguard.out"
        if args.school:
            es_cmd = [sys.executable, "-m", "esafety.engine.urls", "helper",
                      "--snapshot", str(snapdir)] + (["--no-log"] if args.no_log else [])
        else:
            es_cmd = [sys.executable, "-m", "esafety.engine.urls", "helper",
                      "--lists", str(snap), "--block", ",".join(categories)]
        # School mode times both of the helper's paths: the compiled fast path (as a school
        # runs it when _fastpath is built) and every line in Python (--python-only).
        paths = {"esafety": es_cmd}
        if args.school:
            from esafety.engine.urls import fastpath
            if fastpath.compiled is None:
                print("NOTE: the compiled fast path is not built (python "
                      "scripts/build_fastpath.py): both runs answer in Python")
            paths = {"esafety compiled": es_cmd,
                     "esafety Python": es_cmd + ["--python-only"]}
        outs = {name: work / f"{i}.out" for i, name in enumerate(paths)}
        # esafety runs are short, squidGuard's long: run esafety before and after it and
        # take the median, so a burst of other load on this shared machine counts less.
        runs: dict[str, list[tuple[float, float, float]]] = {
            name: [run(cmd, stream, outs[name])] for name, cmd in paths.items()}
        es_out = outs[next(iter(paths))]
        if args.save_answers:
            shutil.copy(es_out, args.save_answers)
        if not args.skip_squidguard:
            sg_s, sg_cpu, sg_mb = run([SQUIDGUARD, "-c", str(conf)], stream, sg_out)
        for i in range(1, args.repeat):
            for name, cmd in paths.items():
                runs[name].append(run(cmd, stream, work / f"again{i}.out"))
        print("command: " + " ".join(sys.argv))
        print(f"\nlines: {len(lines):,}")
        print(f"esafety   compile all UT1 (text -> snapshot): {compile_s:6.2f} s "
              "(includes interpreter start)")
        print(f"esafety   load snapshot:                      {load_s:6.2f} s "
              "(includes interpreter start)")
        print(f"squidGuard build DB (-C all, blocked cats):   {sg_build_s:6.2f} s")
        if not args.skip_squidguard:
            print(f"squidGuard      : {sg_s:7.2f} s wall {sg_cpu:7.2f} s CPU "
                  f"{len(lines) / sg_s:10,.0f} lines/s  "
                  f"{sg_cpu / len(lines) * 1e6:6.2f} us CPU/line  peak {sg_mb:6.1f} MB")
        for name, es_runs in runs.items():
            es_s = statistics.median(r[0] for r in es_runs)
            es_cpu = statistics.median(r[1] for r in es_runs)
            es_mb = max(r[2] for r in es_runs)
            print(f"{name:16s}: {es_s:7.2f} s wall {es_cpu:7.2f} s CPU "
                  f"{len(lines) / es_s:10,.0f} lines/s  "
                  f"{es_cpu / len(lines) * 1e6:6.2f} us CPU/line  peak {es_mb:6.1f} MB")
            print("    runs (wall s / CPU s): "
                  + ", ".join(f"{w:.2f}/{c:.2f}" for w, c, _ in es_runs) + "  (median above)")
            if not args.skip_squidguard:
                print(f"    speed ratio to squidGuard (CPU): {sg_cpu / es_cpu:.1f}x   (wall): "
                      f"{sg_s / es_s:.1f}x   range over runs: "
                      f"{sg_cpu / max(r[1] for r in es_runs):.1f}x-"
                      f"{sg_cpu / min(r[1] for r in es_runs):.1f}x CPU")
        if len(outs) > 1:
            texts = {name: out.read_bytes() for name, out in outs.items()}
            same = len(set(texts.values())) == 1
            print("answers of the two esafety paths: "
                  + ("byte-identical" if same else "DIFFERENT"))
        if args.skip_squidguard:
            return 0
        # esafety's safe-search rewrites ("OK rewrite-url=") pass; squidGuard's block
        # answers are rewrites to the block page.
        es_v = verdicts(es_out, b"OK status=302")
        sg_v = verdicts(sg_out, b"OK")
        if len(es_v) != len(lines) or len(sg_v) != len(lines):
            print(f"ANSWER COUNT MISMATCH: esafety {len(es_v)}, squidGuard {len(sg_v)}, "
                  f"lines {len(lines)}")
        differ = [i for i, (a, b) in enumerate(zip(es_v, sg_v, strict=False)) if a != b]
        print(f"blocked by esafety: {sum(es_v):,}  by squidGuard: {sum(sg_v):,}")
        print(f"disagreements: {len(differ)} ({len(differ) / len(lines):.3%} of lines)")
        if args.school:
            by_group: dict[str, list[int]] = {}
            for i in differ:
                found = users.get(lines[i].split()[2].lower())
                by_group.setdefault(found[0] if found else "-", []).append(i)
            reasons: dict[str, list[int]] = {}
            for group, where in by_group.items():
                if group not in blocks:
                    reasons.setdefault("unidentified or refused person", []).extend(where)
                    continue
                for reason, more in explain(lines, where, es_v, blocks[group], snap).items():
                    reasons.setdefault(reason, []).extend(more)
        else:
            reasons = explain(lines, differ, es_v, categories, snap)
        for reason, where in sorted(reasons.items(), key=lambda kv: -len(kv[1])):
            print(f"  {len(where):6d}  {reason}")
            for i in where[:3]:
                print(f"          line {i + 1}: esafety={'block' if es_v[i] else 'pass'} "
                      f"squidGuard={'block' if sg_v[i] else 'pass'}  {lines[i].split()[0][:100]}")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
