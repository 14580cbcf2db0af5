"""Messages per second through a real Postfix with the mail filter, against the same
Postfix with no filter, on the SpamAssassin folders (../shared/data/mail/spamassassin), in
one run; and the filter's memory per concurrent connection.

The same checks as a milter (`--milter`, before the queue: Postfix queues each message once),
in the same run, against the same plain Postfix.

The ceiling, in the same run: the same Postfix with a content filter that costs nothing
(its content_filter pointed straight at its own re-injection smtpd). An after-queue filter
makes Postfix take each message in, queue it and send it twice, so even a filter that did
no work at all could not reach plain Postfix's rate; the ceiling says how near that a
filter can come on this machine, and how much of what is left is the filter's own.

    uv run python benchmarks/mail_filter.py [--folders DIR] [--limit N] [--rounds 3] [--one-core]

With --one-core everything runs on one CPU core (the filter with one process): the ratio of
what one core's work gets through, with and without the filter.

Needs Debian's postfix and root (Postfix's master starts as root), as tests/mailfilter.
Each message is sent from an outside address to a school address over SMTP (10 parallel
senders), and counted when it reaches the sink (or the filter held, returned or refused it:
the filter's answer is what the mail server waits for either way).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import signal
import smtplib
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from esafety.mailfilter import engine  # noqa: E402
from esafety.mailfilter.server import _write_private, school_folder  # noqa: E402
from tests.mailfilter import postfix  # noqa: E402
from tests.mailfilter.harness import Sink, free_port  # noqa: E402

DEFAULT = REPO.parent / "shared" / "data" / "mail" / "spamassassin"


def load(folder: Path, limit: int) -> list[bytes]:
    files = sorted(p for p in folder.rglob("*") if p.is_file() and not p.name.startswith("."))
    return [p.read_bytes() for p in files[:limit]]


def snapshot(data: Path) -> None:
    doc = engine.snapshot_document(
        school="bench", school_name="Bench School", version="1", domains=["bench.sch.uk"],
        members=[("teacher@bench.sch.uk", "T Teacher", "teacher")], approved={},
        correspondents=[], staff_fail_open=False, trusted_authserv=[],
        who_can_approve="your teacher", postmaster="")
    _write_private(school_folder(data, "bench") / engine.SNAPSHOT_FILE, json.dumps(doc).encode())


def run(pf: postfix.Postfix, sink: Sink, messages: list[bytes], processed) -> float:
    sink.handler.delivered.clear()
    before = processed()

    def send(chunk):
        with smtplib.SMTP("127.0.0.1", pf.public, timeout=120) as smtp:
            for raw in chunk:
                try:
                    smtp.sendmail("sender@outside.example", ["teacher@bench.sch.uk"], raw)
                except smtplib.SMTPException:
                    pass

    start = time.perf_counter()
    chunks = [messages[i::10] for i in range(10)]
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(send, chunks))
    while processed() - before < len(messages) and time.perf_counter() - start < 900:
        time.sleep(0.05)
    return len(messages) / (time.perf_counter() - start)


def rss_kb(pid: int) -> int:
    """Resident memory of the filter: the process and its children (--processes)."""
    total = 0
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    for each in [pid, *kids]:
        for line in Path(f"/proc/{each}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) of the filter: the process and its children (--processes)."""
    children = Path(f"/proc/{pid}/task/{pid}/children")
    kids = [int(c) for c in children.read_text().split()] if children.exists() else []
    ticks = 0
    for each in [pid, *kids]:
        fields = Path(f"/proc/{each}/stat").read_text().rpartition(")")[2].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    """CPU time the whole machine spent busy (every process, the kernel included), from
    /proc/stat: what Postfix, the filter, the senders and the sink cost together."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def _milter_packet(command: bytes, data: bytes = b"") -> bytes:
    return struct.pack(">I", len(data) + 1) + command + data


# A milter session as Postfix opens one: the options offered, a sender and a recipient.
MILTER_SESSION = (_milter_packet(b"O", struct.pack(">III", 6, 0x1FF, 0x1FFFFF))
                  + _milter_packet(b"M", b"<a@b.example>\0")
                  + _milter_packet(b"R", b"<c@d.example>\0"))


def memory_per_connection(port: int, pid: int, n: int = 1000, milter: bool = False) -> float:
    """Resident memory added by n open sessions (EHLO, MAIL, RCPT, no DATA; for the
    milter, its options, a sender and a recipient), measured on the freshly started filter
    (after a run, memory freed by messages would hide it)."""
    base = rss_kb(pid)
    conns = []
    for _ in range(n):
        s = socket.create_connection(("127.0.0.1", port))
        if milter:
            s.sendall(MILTER_SESSION)
        else:
            s.recv(1000)
            s.sendall(b"EHLO bench\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n")
        conns.append(s)
    time.sleep(1)
    after = rss_kb(pid)
    for s in conns:
        s.close()
    return (after - base) / n


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--folders", type=Path, default=DEFAULT)
    parser.add_argument("--limit", type=int, default=3000)
    parser.add_argument("--processes", type=int, default=2,
                        help="filter processes (default 2: one per core here)")
    parser.add_argument("--workers", type=int, default=4, help="threads per process")
    parser.add_argument("--rounds", type=int, default=3,
                        help="pairs of runs (plain, with the filter), alternating which goes "
                             "first; the ratio is the median of the pairs'")
    parser.add_argument("--one-core", action="store_true",
                        help="run everything (Postfix, the filter with one process, the senders "
                             "and the sink) on one CPU core: the rate each side reaches with "
                             "one core's work, whatever the machine has")
    parser.add_argument("--connections", type=int, default=10,
                        help="Postfix's connections to the filter (maxproc of its transport)")
    args = parser.parse_args()
    # Stopped with SIGTERM (kill, timeout): leave as after Ctrl+C, with both Postfix
    # instances and the filter stopped, not running on in the background.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    if not postfix.available():
        print("needs Debian's postfix and root", file=sys.stderr)
        return 2
    if args.one_core:
        # Set before anything starts: Postfix's processes, the filter and the threads here
        # inherit it.
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
        args.processes = 1
    messages = load(args.folders, args.limit)
    data = Path(tempfile.mkdtemp(prefix="esafety-bench-mail-"))
    snapshot(data)
    held = school_folder(data, "bench") / "held"
    plain_rates: list[float] = []
    filter_rates: list[float] = []
    filter_cpu: list[float] = []  # ms of the filter's CPU a message, each filtered round
    plain_machine: list[float] = []  # ms of the whole machine's CPU a message, each round
    filter_machine: list[float] = []
    ceiling_rates: list[float] = []
    ceiling_machine: list[float] = []
    milter_rates: list[float] = []
    milter_cpu: list[float] = []
    milter_machine: list[float] = []
    filter_port = free_port()
    milter_port = free_port()
    # The ceiling: Postfix's after-queue round trip with a filter that takes no time (the
    # filter transport delivers straight to the instance's own re-injection smtpd).
    with Sink() as sink, postfix.Postfix(sink.port, None) as plain, postfix.Postfix(
            sink.port, filter_port, filter_connections=args.connections) as pf, \
            postfix.Postfix(sink.port, None, filter_connections=args.connections,
                            filter_to_itself=True) as zero, \
            postfix.Postfix(sink.port, milter_port, milter=True) as pm:
        def start(port: int, next_hop: int, *more: str) -> subprocess.Popen:
            return subprocess.Popen(
                [sys.executable, "-m", "esafety.mailfilter.server", "--listen",
                 f"127.0.0.1:{port}", "--next-hop", f"127.0.0.1:{next_hop}", "--school",
                 "bench", "--data-dir", str(data), "--workers", str(args.workers),
                 "--processes", str(args.processes), *more], stderr=subprocess.DEVNULL)

        flt = start(filter_port, pf.reinject)
        mlt = start(milter_port, pm.reinject, "--milter")

        def processed():
            # Through: delivered (not the filter's own notices, sent from <>), or held.
            delivered = sum(1 for d in list(sink.delivered) if d.mail_from not in ("", "<>"))
            return delivered + (len(list(held.glob("*.eml"))) if held.exists() else 0)

        def plain_round():
            busy = machine_busy_seconds()
            plain_rates.append(run(plain, sink, messages, lambda: len(sink.delivered)))
            plain_machine.append((machine_busy_seconds() - busy) * 1000 / len(messages))

        def ceiling_round():
            busy = machine_busy_seconds()
            ceiling_rates.append(run(zero, sink, messages, lambda: len(sink.delivered)))
            ceiling_machine.append((machine_busy_seconds() - busy) * 1000 / len(messages))

        def filter_round():
            shutil.rmtree(held, ignore_errors=True)  # a message held again keeps one file
            cpu, busy = cpu_seconds(flt.pid), machine_busy_seconds()
            filter_rates.append(run(pf, sink, messages, processed))
            filter_cpu.append((cpu_seconds(flt.pid) - cpu) * 1000 / len(messages))
            filter_machine.append((machine_busy_seconds() - busy) * 1000 / len(messages))

        def milter_round():
            shutil.rmtree(held, ignore_errors=True)
            cpu, busy = cpu_seconds(mlt.pid), machine_busy_seconds()
            milter_rates.append(run(pm, sink, messages, processed))
            milter_cpu.append((cpu_seconds(mlt.pid) - cpu) * 1000 / len(messages))
            milter_machine.append((machine_busy_seconds() - busy) * 1000 / len(messages))

        try:
            time.sleep(3)
            per_conn = memory_per_connection(filter_port, flt.pid)
            per_milter_conn = memory_per_connection(milter_port, mlt.pid, milter=True)
            # Warmed up (the classifier loaded, the snapshot read, Postfix's processes
            # started) before anything is timed, each side alike.
            warm = messages[:100]
            for instance in (plain, zero, pf, pm):
                run(instance, sink, warm, lambda: len(sink.delivered) + len(
                    list(held.glob("*.eml")) if held.exists() else []))
            # The order turns each round (plain, ceiling, filter, milter; then ceiling,
            # filter, milter, plain; ...) so that a change in the machine's load falls on
            # every side alike.
            order = [plain_round, ceiling_round, filter_round, milter_round]
            for n in range(args.rounds):
                for each in order[n % 4:] + order[:n % 4]:
                    each()
        finally:
            for proc in (flt, mlt):
                proc.terminate()
                proc.wait()
    ratios = [f / p for p, f in zip(plain_rates, filter_rates, strict=True)]
    ceilings = [c / p for p, c in zip(plain_rates, ceiling_rates, strict=True)]
    of_ceiling = [f / c for c, f in zip(ceiling_rates, filter_rates, strict=True)]
    milter_ratios = [m / p for p, m in zip(plain_rates, milter_rates, strict=True)]
    print(f"messages: {len(messages)} from {args.folders}, {args.rounds} rounds")
    for n, (p, c, f, r, m, mr) in enumerate(zip(plain_rates, ceiling_rates, filter_rates,
                                                ratios, milter_rates, milter_ratios,
                                                strict=True), 1):
        print(f"round {n}: plain Postfix {p:7.1f}/s, with a no-op filter {c:7.1f}/s, "
              f"with the filter {f:7.1f}/s (ratio {r:.2f}), with the milter {m:7.1f}/s "
              f"(ratio {mr:.2f})")
    print(f"plain Postfix:            {statistics.median(plain_rates):8.1f} messages/s (median)")
    print(f"Postfix with the filter:  {statistics.median(filter_rates):8.1f} messages/s "
          f"(median; {args.processes} processes, {args.connections} connections from Postfix)")
    print(f"ratio:                    {statistics.median(ratios):8.2f} (median of the rounds, "
          f"{min(ratios):.2f} to {max(ratios):.2f}; target >= 0.5)")
    print(f"Postfix with the milter:  {statistics.median(milter_rates):8.1f} messages/s "
          f"(median; the same checks before the queue: --milter)")
    print(f"milter ratio:             {statistics.median(milter_ratios):8.2f} (median of the "
          f"rounds, {min(milter_ratios):.2f} to {max(milter_ratios):.2f}; target >= 0.5)")
    print(f"milter's CPU a message:   {statistics.median(milter_cpu):8.2f} ms (median, "
          f"{min(milter_cpu):.2f} to {max(milter_cpu):.2f}); machine's CPU a message "
          f"{statistics.median(milter_machine):.2f} ms")
    print(f"ceiling (a filter that costs nothing): {statistics.median(ceilings):.2f} of plain "
          f"Postfix ({min(ceilings):.2f} to {max(ceilings):.2f}); the filter reaches "
          f"{statistics.median(of_ceiling):.2f} of it")
    print(f"filter's CPU a message:   {statistics.median(filter_cpu):8.2f} ms (median, "
          f"{min(filter_cpu):.2f} to {max(filter_cpu):.2f}; user + system, all its processes)")
    print(f"machine's CPU a message:  {statistics.median(plain_machine):8.2f} ms plain, "
          f"{statistics.median(ceiling_machine):.2f} ms with a no-op filter, "
          f"{statistics.median(filter_machine):.2f} ms with the filter (median; every "
          f"process and the kernel: Postfix, filter, senders, sink, and anything else running)")
    print(f"memory per open connection: {per_conn:.2f} KB (RSS, 1,000 connections); "
          f"the milter {per_milter_conn:.2f} KB")
    print(f"(benchmark's own peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} KB;"
          f" {os.cpu_count()} CPUs, "
          f"{'everything on one of them' if args.one_core else 'all of them used'})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
