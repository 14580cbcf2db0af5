"""The decision log's partitions on a real PostgreSQL (the PostgreSQL pass of scripts/test, or
`bash scripts/with-postgres.sh uv run pytest tests/filtering/test_decision_logs_postgres.py`):
rows land in their day's partition by COPY, the default partition is only a safety net, and
retention drops whole days."""

import datetime

import pytest
from django.db import connection

from esafety.filtering import actions, decision_logs
from esafety.filtering.models import BlockedAttempt, FilteringSettings

pytestmark = [pytest.mark.postgres,
              pytest.mark.skipif(connection.vendor != "postgresql",
                                 reason="needs PostgreSQL (scripts/with-postgres.sh)")]

NOW = datetime.datetime.now(datetime.UTC).replace(hour=10, minute=0, second=0, microsecond=0)
TODAY = NOW.date()
TABLE = decision_logs.TABLE


def line(at=NOW, user="pupil"):
    return {"t": at.timestamp(), "user": user, "url": "http://roblox.com/", "client": "10.0.0.9",
            "action": "block", "category": "games", "group": "ks3", "rule": "group-policy"}


def rows_in(table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT count(*) FROM {table}")
        return cur.fetchone()[0]


def test_the_log_table_is_partitioned_and_ingest_fills_the_days_partitions(school, pupil):
    with connection.cursor() as cur:
        cur.execute("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = %s::regclass",
                    [TABLE])
        assert cur.fetchone() == ("l",)  # by school, then by day
    yesterday = NOW - datetime.timedelta(days=1)
    loaded = actions.decisions_load(school=school, records=[line(), line(), line(yesterday)])
    assert loaded.rows == 3
    days = dict(decision_logs.day_partitions(school.pk))
    assert set(days) == {TODAY, yesterday.date()}
    assert rows_in(days[TODAY]) == 2 and rows_in(days[yesterday.date()]) == 1
    assert rows_in(f"{TABLE}_default") == 0
    assert rows_in(f"{TABLE}_s{school.pk}_default") == 0
    # The model reads through the parent as before.
    assert BlockedAttempt.objects.filter(school=school, person=pupil).count() == 3


def test_rows_that_reached_the_default_partition_move_into_their_day(school, pupil):
    BlockedAttempt.objects.create(school=school, person=pupil, username="pupil", at=NOW,
                                  url="http://roblox.com/", rule="group-policy")
    assert rows_in(f"{TABLE}_default") == 1
    decision_logs.ensure_partitions(school.pk, [TODAY])
    assert rows_in(f"{TABLE}_default") == 0
    assert rows_in(dict(decision_logs.day_partitions(school.pk))[TODAY]) == 1


def test_retention_drops_whole_partitions_on_postgresql(school, pupil):
    FilteringSettings.objects.create(school=school, log_retention_days=30)
    old = [NOW - datetime.timedelta(days=d) for d in (45, 31, 29)]
    actions.decisions_load(school=school, records=[line(at) for at in old] + [line()])
    before = dict(decision_logs.day_partitions(school.pk))
    assert len(before) == 4
    went = actions.log_retention_enforce(school=school)
    assert went["partitions"] == 2 and went["rows"] == 0
    after = dict(decision_logs.day_partitions(school.pk))
    gone = {old[0].date(), old[1].date()}
    assert not gone & set(after)
    with connection.cursor() as cur:  # the tables themselves are gone, not emptied
        for day in gone:
            cur.execute("SELECT to_regclass(%s)", [before[day]])
            assert cur.fetchone() == (None,)
    assert BlockedAttempt.objects.count() == 2
    # The next days are made ahead, so tomorrow's lines never reach the default partition.
    assert {TODAY + datetime.timedelta(days=i) for i in range(4)} <= set(after)


def test_one_schools_retention_leaves_another_schools_days(school, other_school, pupil):
    FilteringSettings.objects.create(school=school, log_retention_days=7)
    old = NOW - datetime.timedelta(days=20)
    actions.decisions_load(school=school, records=[line(old)])
    actions.decisions_load(school=other_school, records=[line(old, user="someone")])
    actions.log_retention_enforce(school=school)
    assert BlockedAttempt.objects.filter(school=school).count() == 0
    assert BlockedAttempt.objects.filter(school=other_school).count() == 1


@pytest.mark.django_db(transaction=True)
def test_daily_counts_add_up_through_copy_outside_a_transaction_too(
        disposable_append_only_tables, school, pupil):
    # (Autocommit: the scratch table is emptied at each commit, so the load must be one.)
    key = (school.pk, TODAY, "pupil", "", "ks3", "news", "allow")
    decision_logs.add_counts({key: [3, pupil.pk, 8]})
    decision_logs.add_counts({key: [4, pupil.pk, 8]})
    from esafety.filtering.models import DecisionCount

    assert DecisionCount.objects.get(school=school, category="news").count == 7
