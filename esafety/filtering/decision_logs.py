"""The filter's decision log in the database: bulk loading, day partitions and retention.

On PostgreSQL the log (BlockedAttempt's table) is partitioned by school, and each school's
part by day (UTC), so that a school's retention is kept by DROPping whole days, never by
deleting rows one by one; loading uses COPY. Partitions are made ahead (by each load, for the
days it brings, and by the retention job for the next few days); rows that arrive for a day
without its partition land in a default partition and are moved when the day's partition is
made. On SQLite the same model is one table: rows are added with bulk_create and retention
deletes them.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterable, Sequence

from django.db import connection, transaction

from esafety.directory.models import School
from esafety.filtering.models import BlockedAttempt, DecisionCount

TABLE = BlockedAttempt._meta.db_table
COUNTS = DecisionCount._meta.db_table
# The columns COPY fills, in order (id comes from the table's sequence).
COLUMNS = ("school_id", "person_id", "username", "at", "url", "host", "category", "group",
           "rule", "action", "client", "policy_version", "term", "year_group")
COUNT_COLUMNS = ("school_id", "day", "person_id", "username", "client", "year_group", "group",
                 "category", "action", "count")
# Days made ahead by the retention job.
DAYS_AHEAD = 3
_DAY_PART = re.compile(rf"^{TABLE}_s(\d+)_d(\d{{8}})$")
# Serialises partition changes between concurrent loads and the retention job.
_LOCK_KEY = 7_304_113


def partitioned() -> bool:
    return connection.vendor == "postgresql"


def _school_part(school_id: int) -> str:
    return f"{TABLE}_s{int(school_id)}"


def _day_part(school_id: int, day: datetime.date) -> str:
    return f"{TABLE}_s{int(school_id)}_d{day:%Y%m%d}"


def _bound(day: datetime.date) -> str:
    return f"'{day.isoformat()} 00:00:00+00'"


def _existing(cur) -> set[str]:
    cur.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname LIKE %s",
                [f"{TABLE}%"])
    return {row[0] for row in cur.fetchall()}


# Partitions known to exist in this process (saves a catalogue query per load).
_known: set[str] = set()


def ensure_partitions(school_id: int, days: Iterable[datetime.date]) -> list[str]:
    """Make the school's partition and one partition per day (PostgreSQL; nothing on
    SQLite). Rows already in a default partition for those days are moved in. Returns the
    partitions made."""
    if not partitioned():
        return []
    wanted = sorted(set(days))
    if all(_day_part(school_id, d) in _known for d in wanted):
        return []
    made = []
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        existing = _existing(cur)
        school_part = _school_part(school_id)
        if school_part not in existing:
            # Its rows so far sit in the top default partition: move them in.
            cur.execute(f"CREATE TABLE {school_part} (LIKE {TABLE} INCLUDING DEFAULTS) "
                        "PARTITION BY RANGE (at)")
            cur.execute(f"CREATE TABLE {school_part}_default PARTITION OF {school_part} "
                        "DEFAULT")
            cur.execute(f"INSERT INTO {school_part} SELECT * FROM {TABLE}_default "
                        "WHERE school_id = %s", [school_id])
            cur.execute(f"DELETE FROM {TABLE}_default WHERE school_id = %s", [school_id])
            cur.execute(f"ALTER TABLE {TABLE} ATTACH PARTITION {school_part} "
                        f"FOR VALUES IN ({int(school_id)})")
            made.append(school_part)
        for day in wanted:
            name = _day_part(school_id, day)
            if name not in existing:
                start, end = _bound(day), _bound(day + datetime.timedelta(days=1))
                cur.execute(f"CREATE TABLE {name} (LIKE {TABLE} INCLUDING DEFAULTS)")
                moved = f"FROM {school_part}_default WHERE at >= {start} AND at < {end}"
                cur.execute(f"INSERT INTO {name} SELECT * {moved}")
                cur.execute(f"DELETE {moved}")
                cur.execute(f"ALTER TABLE {school_part} ATTACH PARTITION {name} "
                            f"FOR VALUES FROM ({start}) TO ({end})")
                made.append(name)
    # Only remembered once committed (a rolled-back transaction made nothing).
    transaction.on_commit(lambda: _known.update(_day_part(school_id, d) for d in wanted))
    return made


def day_partitions(school_id: int) -> list[tuple[datetime.date, str]]:
    """The school's day partitions, oldest first (PostgreSQL)."""
    if not partitioned():
        return []
    with connection.cursor() as cur:
        names = _existing(cur)
    found = []
    for name in names:
        m = _DAY_PART.match(name)
        if m and int(m.group(1)) == school_id:
            found.append((datetime.datetime.strptime(m.group(2), "%Y%m%d").date(), name))
    return sorted(found)


def enforce_retention(school: School, days: int,
                      today: datetime.date | None = None) -> dict[str, int]:
    """Forget the school's log lines older than `days` whole days: on PostgreSQL by dropping
    the day partitions (and the few stray rows in its default partition); on SQLite by
    deleting rows. The daily counts of those days go too. Also makes the next days'
    partitions. Returns what went: {"partitions": n, "rows": n, "counts": n}."""
    today = today or datetime.datetime.now(datetime.UTC).date()
    first_kept = today - datetime.timedelta(days=max(1, days))
    cutoff = datetime.datetime.combine(first_kept, datetime.time(), tzinfo=datetime.UTC)
    dropped = rows = 0
    if partitioned():
        ensure_partitions(school.pk, [today + datetime.timedelta(days=i)
                                      for i in range(DAYS_AHEAD + 1)])
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
            # Check deferred foreign keys now: a table with checks pending in this
            # transaction cannot be dropped.
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for day, name in day_partitions(school.pk):
                if day < first_kept:
                    cur.execute(f"DROP TABLE {name}")
                    _known.discard(name)
                    dropped += 1
            if _school_part(school.pk) in _existing(cur):
                cur.execute(f"DELETE FROM {_school_part(school.pk)}_default WHERE at < %s",
                            [cutoff])
                rows += cur.rowcount
            cur.execute(f"DELETE FROM {TABLE}_default WHERE school_id = %s AND at < %s",
                        [school.pk, cutoff])
            rows += cur.rowcount
    else:
        rows, _ = BlockedAttempt.objects.filter(school=school, at__lt=cutoff).delete()
    counts, _ = DecisionCount.objects.filter(school=school, day__lt=first_kept).delete()
    return {"partitions": dropped, "rows": rows, "counts": counts}


def copy_rows(rows: Sequence[tuple]) -> None:
    """Add log rows (tuples in COLUMNS order): COPY on PostgreSQL, bulk_create elsewhere."""
    if not rows:
        return
    if partitioned():
        columns = ", ".join(f'"{c}"' for c in COLUMNS)
        with connection.cursor() as cur:
            raw = cur.cursor  # psycopg's own cursor, under Django's wrapper
            with raw.copy(f"COPY {TABLE} ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for row in rows:
                    write(row)
        return
    BlockedAttempt.objects.bulk_create(
        [BlockedAttempt(**dict(zip(COLUMNS, row, strict=True))) for row in rows],
        batch_size=500)


def add_counts(counts: dict[tuple, list]) -> None:
    """Add to the daily counts: key (school_id, day, username, client, group, category,
    action) -> [count, person_id, year_group]; one upsert for many rows."""
    if not counts:
        return
    columns = ", ".join(f'"{c}"' for c in COUNT_COLUMNS)
    sql = (f"INSERT INTO {COUNTS} ({columns}) VALUES ({', '.join(['%s'] * len(COUNT_COLUMNS))}) "
           'ON CONFLICT ("school_id", "day", "username", "client", "group", "category", '
           f'"action") DO UPDATE SET "count" = {COUNTS}."count" + excluded."count"')
    params = [(school_id, day, person_id, username, client, year, group, category, action, n)
              for (school_id, day, username, client, group, category, action),
              (n, person_id, year) in counts.items()]
    if partitioned():
        # COPY the batch into a scratch table (emptied at commit: hence the transaction),
        # then one INSERT ... ON CONFLICT for all of it.
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS {COUNTS}_in (school_id bigint, "
                        "day date, person_id bigint, username varchar(150), "
                        'client varchar(64), year_group smallint, "group" varchar(16), '
                        "category varchar(64), action varchar(8), count bigint) "
                        "ON COMMIT DELETE ROWS")
            with cur.cursor.copy(f"COPY {COUNTS}_in ({columns}) FROM STDIN") as copy:
                write = copy.write_row
                for row in params:
                    write(row)
            cur.execute(f"INSERT INTO {COUNTS} ({columns}) SELECT {columns} FROM {COUNTS}_in "
                        + sql[sql.index("ON CONFLICT"):])
            cur.execute(f"TRUNCATE {COUNTS}_in")
        return
    with connection.cursor() as cur:
        for i in range(0, len(params), 2000):
            cur.executemany(sql, params[i:i + 2000])
