"""Filtering logs at trust scale: ingest rate against PostgreSQL's own COPY, and the screens'
queries at a term's volume, for a 1,000-pupil secondary school.

Run on a throwaway PostgreSQL server (it migrates the database it is given):

    bash scripts/with-postgres.sh uv run python benchmarks/filtering_logs.py          # full rate
    bash scripts/with-postgres.sh uv run python benchmarks/filtering_logs.py --quick  # a minute

Traffic: `--per-day` decisions a day (5 million), `--flagged` of them (20%) blocked or
flagged and logged line by line as the Squid helper writes them (55% blocked, 30% Google
searches rewritten to safe search, 10% other searches, 5% let through under an unblock);
the allowed rest arrives as the helper's five-minute per-person, per-category counts. The
last `--days` days of the term are generated at that rate and loaded through the real path
(spool lines -> json -> actions.decisions_load: COPY into the day partitions, the daily
counts upserted), in spool-file-sized chunks. Alerts and concerns (`signals`) are left out of
the timed load: they are per-person work on the few lines that qualify, not storage. The
rest of the term (to `--term-days`) gets its daily counts and empty day partitions only, so
the count-based screens read a full term's rows and the log-based ones plan over a full
term's partitions; the log lines themselves are `--days` days' worth (see FILTERING-LOGS.md).

The ceiling: the first day's log rows, written to a file by PostgreSQL, loaded again by
PostgreSQL's own server-side `COPY ... FROM 'file'` into another school's fresh partitions
of the same table (same indexes), in the same run.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

CHUNK = 50_000  # spool lines per load (a busy helper's file; the real ones are smaller)
BLOCKED = ["games", "social_networks", "chat", "gambling", "redirector", "dating",
           "shopping", "audio-video", "webmail", "publicite"]
ALLOWED = ["news", "education", "reference", "sports", "science", "government", "arts",
           "weather", "health", "computing", "travel", "music"]
WORDS = ["volcano", "homework", "maths", "photosynthesis", "minecraft", "football", "revision",
         "tudors", "fractions", "climate", "poems", "cats", "recipe", "french verbs", "lyrics"]
SEARCHES = [("www.bing.com", "/search?q="), ("duckduckgo.com", "/?q="),
            ("www.youtube.com", "/results?search_query=")]


def school_day_seconds(rng: random.Random, day: datetime.date) -> float:
    start = datetime.datetime.combine(day, datetime.time(8), tzinfo=datetime.UTC).timestamp()
    return start + rng.random() * 8 * 3600


def flagged_lines(rng: random.Random, day: datetime.date, count: int,
                  users: list[str]) -> list[str]:
    """`count` spool lines as the helper writes them (one JSON object a line)."""
    out = []
    append = out.append
    dumps = json.dumps
    for _ in range(count):
        user = rng.choice(users)
        t = round(school_day_seconds(rng, day), 3)
        client = f"10.{rng.randrange(4)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        roll = rng.random()
        if roll < 0.55:
            category = rng.choice(BLOCKED)
            host = f"www.{category}-{rng.randrange(400)}.example"
            append(dumps({"t": t, "user": user, "url": f"http://{host}/page/{rng.randrange(99)}",
                          "host": host, "client": client, "action": "block",
                          "category": category, "group": "ks3", "rule": "group-policy",
                          "policy": "41"}, separators=(",", ":")))
        elif roll < 0.95:
            words = " ".join(rng.sample(WORDS, 2))
            if roll < 0.85:
                host, path, action = "www.google.co.uk", "/search?q=", "rewrite"
            else:
                host, path = rng.choice(SEARCHES)
                action = "search"
            append(dumps({"t": t, "user": user,
                          "url": f"http://{host}{path}{words.replace(' ', '+')}",
                          "host": host, "client": client, "action": action,
                          "category": "searchengines", "group": "ks3", "rule": "allowed",
                          "policy": "41", "term": words}, separators=(",", ":")))
        else:
            host = f"video-{rng.randrange(20)}.example"
            append(dumps({"t": t, "user": user, "url": f"http://{host}/lesson",
                          "host": host, "client": client, "action": "allow",
                          "category": "audio-video", "group": "ks3", "rule": "unblock",
                          "policy": "41"}, separators=(",", ":")))
    return out


def allowed_lines(rng: random.Random, day: datetime.date, total: int,
                  users: list[str]) -> list[str]:
    """The helper's five-minute counts of `total` allowed requests: per person and window,
    a few categories."""
    windows = 8 * 12
    per_window = max(1, total // (len(users) * windows))
    out = []
    iso = day.isoformat()
    for user in users:
        for _ in range(windows):
            left = per_window
            for category in rng.sample(ALLOWED, 5):
                n = left if category == ALLOWED[-1] else rng.randint(1, max(1, left))
                if n <= 0:
                    break
                left -= n
                out.append(json.dumps({"kind": "allowed", "day": iso, "user": user,
                                       "client": "", "group": "ks3", "category": category,
                                       "n": n}, separators=(",", ":")))
                if left <= 0:
                    break
    return out


def timed(fn, repeat: int = 5) -> tuple[float, float, float]:
    """(first, median, max) in milliseconds."""
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) * 1000)
    return runs[0], statistics.median(runs), max(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pupils", type=int, default=1000)
    parser.add_argument("--per-day", type=int, default=5_000_000)
    parser.add_argument("--flagged", type=float, default=0.2)
    parser.add_argument("--days", type=int, default=5,
                        help="days loaded line by line at the full rate (the term's last)")
    parser.add_argument("--term-days", type=int, default=65, help="school days in a term")
    parser.add_argument("--quick", action="store_true",
                        help="a quick run: 200,000 decisions a day, 2 days")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.quick:
        args.per_day, args.days = 200_000, 2
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        print("run on PostgreSQL: bash scripts/with-postgres.sh uv run python "
              "benchmarks/filtering_logs.py", file=sys.stderr)
        return 2
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from esafety.directory.models import Person, School
    from esafety.filtering import actions, decision_logs, selectors
    from esafety.filtering.models import BlockedAttempt, DecisionCount

    call_command("migrate", verbosity=0)
    rng = random.Random(args.seed)
    school = School.objects.create(name="Benchmark Academy", slug="bench")
    ceiling_school = School.objects.create(name="Ceiling", slug="ceiling")
    Person.objects.bulk_create([
        Person(username=f"p{i:04d}", school=school, role="pupil", year_group=7 + i % 5,
               first_name="Pupil", last_name=f"{i:04d}", password="!")
        for i in range(args.pupils)])
    users = [f"p{i:04d}" for i in range(args.pupils)]
    today = datetime.datetime.now(datetime.UTC).date()
    term = [today - datetime.timedelta(days=i) for i in range(args.term_days - 1, -1, -1)]
    full_days = term[-args.days:]
    flagged_per_day = int(args.per_day * args.flagged)
    allowed_per_day = args.per_day - flagged_per_day

    # 1. The rest of the term: daily counts (as loading them would have left) and partitions.
    start = time.perf_counter()
    for day in term[:-args.days]:
        counts: dict[tuple, list] = {}
        for i, user in enumerate(users):
            for category in rng.sample(ALLOWED, 6):
                counts[(school.pk, day, user, "", "ks3", category, "allow")] = [
                    allowed_per_day // (len(users) * 6), None, 7 + i % 5]
            for category in rng.sample(BLOCKED, 4):
                counts[(school.pk, day, user, "", "ks3", category, "block")] = [
                    flagged_per_day * 55 // (len(users) * 4 * 100), None, 7 + i % 5]
            for action, share in (("rewrite", 30), ("search", 10), ("unblock", 5)):
                counts[(school.pk, day, user, "", "ks3", "searchengines", action)] = [
                    flagged_per_day * share // (len(users) * 100), None, 7 + i % 5]
        decision_logs.add_counts(counts)
    decision_logs.ensure_partitions(school.pk, term)
    setup = time.perf_counter() - start
    print(f"counts for {args.term_days - args.days} earlier days: {setup:.1f} s", flush=True)

    # 2. The last days, line by line through the real load.
    loaded_lines = decision_lines = 0
    ingest_seconds = 0.0
    first_day_seconds = 0.0
    first_day_rows = 0
    for n, day in enumerate(full_days):
        day_lines = flagged_lines(rng, day, flagged_per_day, users)
        day_lines += allowed_lines(rng, day, allowed_per_day, users)
        rng.shuffle(day_lines)
        spent = 0.0
        rows = 0
        for i in range(0, len(day_lines), CHUNK):
            chunk = day_lines[i:i + CHUNK]
            start = time.perf_counter()
            records = [json.loads(x) for x in chunk]
            loaded = actions.decisions_load(school=school, records=records, signals=False)
            spent += time.perf_counter() - start
            rows += loaded.rows
        loaded_lines += len(day_lines)
        decision_lines += rows
        ingest_seconds += spent
        if n == 0:
            first_day_seconds, first_day_rows = spent, rows
        print(f"{day}: {len(day_lines):,} spool lines ({rows:,} log lines) in {spent:.1f} s "
              f"= {rows / spent:,.0f} log lines/s, {len(day_lines) / spent:,.0f} spool "
              "lines/s", flush=True)
        del day_lines

    # 3. The ceiling: PostgreSQL's own COPY of the first day's rows, same table and indexes.
    first = full_days[0]
    lo = datetime.datetime.combine(first, datetime.time(), tzinfo=datetime.UTC)
    hi = lo + datetime.timedelta(days=1)
    columns = ", ".join(f'"{c}"' for c in decision_logs.COLUMNS)
    chosen = ", ".join(f"{ceiling_school.pk}" if c == "school_id" else f'"{c}"'
                       for c in decision_logs.COLUMNS)
    folder = tempfile.mkdtemp(prefix="esafety-copy-")
    os.chmod(folder, 0o777)
    path = os.path.join(folder, "day.copy")
    with connection.cursor() as cur:
        cur.execute(f"COPY (SELECT {chosen} FROM {decision_logs.TABLE} WHERE school_id = %s "
                    "AND at >= %s AND at < %s) TO %s",
                    [school.pk, lo, hi, path])
    decision_logs.ensure_partitions(ceiling_school.pk, [first])
    with connection.cursor() as cur:
        start = time.perf_counter()
        cur.execute(f"COPY {decision_logs.TABLE} ({columns}) FROM %s", [path])
        copy_seconds = time.perf_counter() - start
        copied = cur.rowcount
        cur.execute(f"DROP TABLE {decision_logs.TABLE}_s{ceiling_school.pk}")
    os.unlink(path)
    os.rmdir(folder)
    copy_rate = copied / copy_seconds
    ours = first_day_rows / first_day_seconds
    print(f"COPY ceiling: {copied:,} rows in {copy_seconds:.1f} s = {copy_rate:,.0f} rows/s; "
          f"ours on the same day: {ours:,.0f} log lines/s = {ours / copy_rate:.2f} of COPY",
          flush=True)

    # 4. The screens at this volume.
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {decision_logs.TABLE}")
        cur.execute(f"ANALYZE {decision_logs.COUNTS}")
    since = term[0]
    week = today - datetime.timedelta(days=6)
    ids = list(Person.objects.filter(school=school).order_by("?")
               .values_list("pk", flat=True)[:5])
    screens = {
        "this pupil's attempts this term (count by category + latest 100)":
            lambda: selectors.pupil_attempts(school, rng.choice(ids), since),
        "top blocked categories this week for Year 9":
            lambda: selectors.top_blocked_categories(school, 9, week),
        "search terms of one pupil this term (latest 200)":
            lambda: selectors.search_terms(school, rng.choice(ids), since),
        "attempts page totals, last 7 days, Year 9 (+ latest 100)":
            lambda: [len(v) if isinstance(v, list) else v for v in selectors.attempts(
                school, days=7, year="9").values()] + [
                len(list(selectors.attempts(school, days=7, year="9")["recent"]))],
    }
    results = {name: timed(fn) for name, fn in screens.items()}
    log_rows = BlockedAttempt.objects.filter(school=school).count()
    count_rows = DecisionCount.objects.filter(school=school).count()
    with connection.cursor() as cur:
        cur.execute("SELECT pg_size_pretty(pg_total_relation_size(%s::regclass)), "
                    "pg_size_pretty(sum(pg_total_relation_size(c.oid))) FROM pg_class c "
                    "WHERE c.relname LIKE %s AND c.relkind = 'r'",
                    [decision_logs.COUNTS, f"{decision_logs.TABLE}_s{school.pk}_d%"])
        count_size, log_size = cur.fetchone()
        cur.execute("SELECT version()")
        version = cur.fetchone()[0]

    print()
    print(f"# {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC, {platform.node()}, "
          f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {version.split(',')[0]}")
    print(f"pupils {args.pupils}, {args.per_day:,} decisions/day, {args.flagged:.0%} logged "
          f"line by line; {args.days} full days of a {args.term_days}-day term")
    print(f"log lines: {log_rows:,} ({log_size}); daily count rows: {count_rows:,} "
          f"({count_size})")
    print(f"ingest: {decision_lines:,} log lines + {loaded_lines - decision_lines:,} count "
          f"lines in {ingest_seconds:.1f} s = {decision_lines / ingest_seconds:,.0f} log "
          f"lines/s ({loaded_lines / ingest_seconds:,.0f} spool lines/s)")
    print(f"first day: ours {ours:,.0f} log lines/s vs COPY {copy_rate:,.0f} rows/s = "
          f"{ours / copy_rate:.2f} (target >= 0.33)")
    for name, (first_ms, median_ms, max_ms) in results.items():
        print(f"screen: {name}: first {first_ms:.0f} ms, median {median_ms:.0f} ms, "
              f"max {max_ms:.0f} ms (target < 500 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
