"""The database itself refuses to rewrite history, whatever SQL is sent through the app's
connection: UPDATE, DELETE, INSERT OR REPLACE, REPLACE, upserts (ON CONFLICT DO UPDATE),
UPDATE OR REPLACE and TRUNCATE, on the audit trail and the incident log's append-only tables.

SQLite's REPLACE deletes the row it replaces without firing DELETE triggers, so before the
dedicated guard `INSERT OR REPLACE` rewrote an audit row or an incident event silently.
These run on SQLite and, in scripts/test's second run, on PostgreSQL.
"""

import pytest
from django.db import DatabaseError, connection, transaction

from esafety.audit import guards
from esafety.audit.chain import verify_trail
from esafety.audit.models import AuditEvent
from esafety.directory import actions as directory
from esafety.incidents import actions
from esafety.incidents.chain import verify_incident
from esafety.incidents.models import Evidence, Incident, IncidentChainHead, IncidentEvent

SQLITE = connection.vendor == "sqlite"


@pytest.fixture
def history(headteacher, teacher, dsl, pupil):
    directory.person_leave(actor=headteacher, person=teacher)
    incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                       description="Mean comments in the form group chat.",
                                       urls=["https://chat.example/group/42"])
    actions.incident_note(actor=dsl, incident=incident, text="Spoke to the form tutor.")
    return incident


def _columns(table):
    with connection.cursor() as cursor:
        return [c.name for c in connection.introspection.get_table_description(cursor, table)]


def _row_id(table, incident):
    return {
        "audit_auditevent": AuditEvent.objects.order_by("seq").values_list("pk", flat=True).first(),
        "incidents_incidentevent": IncidentEvent.objects.filter(incident=incident)
        .order_by("seq").values_list("pk", flat=True).first(),
        "incidents_incident": incident.pk,
        "incidents_evidence": Evidence.objects.filter(incident=incident)
        .values_list("pk", flat=True).first(),
        "incidents_incidentchainhead": IncidentChainHead.objects.get(incident=incident).pk,
    }[table]


def _text_column(table):
    return {"audit_auditevent": "object_label", "incidents_incidentevent": "actor_label",
            "incidents_incident": "summary", "incidents_evidence": "text",
            "incidents_incidentchainhead": "hash"}[table]


def statements(table, pk):
    """Every way to overwrite row `pk` of `table` in place, as (name, sql)."""
    cols = _columns(table)
    listed = ", ".join(cols)
    text = _text_column(table)
    copy = ", ".join("'rewritten'" if c == text else c for c in cols)
    found = [
        ("UPSERT", f"INSERT INTO {table} ({listed}) SELECT {copy} FROM {table} WHERE id = {pk} "
                   f"ON CONFLICT (id) DO UPDATE SET {text} = excluded.{text}"),
    ]
    guard = next(g for g in guards.GUARDS if g.table == table)
    if not guard.updatable:
        found.append(("UPDATE", f"UPDATE {table} SET {text} = 'rewritten' WHERE id = {pk}"))
    found.append(("DELETE", f"DELETE FROM {table} WHERE id = {pk}"))
    if SQLITE:
        found += [
            ("INSERT OR REPLACE", f"INSERT OR REPLACE INTO {table} ({listed}) "
                                  f"SELECT {copy} FROM {table} WHERE id = {pk}"),
            ("REPLACE", f"REPLACE INTO {table} ({listed}) SELECT {copy} FROM {table} "
                        f"WHERE id = {pk}"),
        ]
        # A new id but another unique key of the row (its place in the chain, or the
        # incident's reference): REPLACE would delete the old row to make room.
        if len(guard.keys) > 1:
            fresh = ", ".join("NULL" if c == "id" else ("'rewritten'" if c == text else c)
                              for c in cols)
            found.append(("INSERT OR REPLACE (unique key)",
                          f"INSERT OR REPLACE INTO {table} ({listed}) SELECT {fresh} "
                          f"FROM {table} WHERE id = {pk}"))
        if guard.updatable:
            found.append(("UPDATE OR REPLACE (re-keyed)",
                          f"UPDATE OR REPLACE {table} SET id = {pk} WHERE id = "
                          f"(SELECT MAX(id) FROM {table}) AND id <> {pk}"))
    else:
        found.append(("TRUNCATE", f"TRUNCATE {table} CASCADE"))
    return found


TABLES = [g.table for g in guards.GUARDS]


@pytest.mark.parametrize("table", TABLES)
def test_every_way_of_overwriting_a_history_row_is_refused(history, table):
    guards.install(connection)  # as migrate leaves the database
    if table in ("incidents_incident", "incidents_incidentchainhead"):
        # A second incident (and head) for UPDATE OR REPLACE to move onto the first one's id.
        actions.incident_report(actor=history.reported_by, kind="other", via="pupil",
                                description="Another worry.")
    if table == "incidents_evidence":
        actions.evidence_add(actor=history.reported_by, incident=history, kind="url",
                             url="https://chat.example/2", text="More of the same.")
    pk = _row_id(table, history)
    before = _snapshot(table, pk)
    tried = statements(table, pk)
    assert tried
    for name, sql in tried:
        with pytest.raises(DatabaseError) as refused, transaction.atomic(), \
                connection.cursor() as cursor:
            if name == "TRUNCATE":
                # Checks deferred to commit would refuse a TRUNCATE on their own.
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(sql)
        assert "append-only" in str(refused.value), (name, str(refused.value))
    assert _snapshot(table, pk) == before
    assert verify_incident(Incident.objects.get(pk=history.pk)).ok
    assert verify_trail().ok


def _snapshot(table, pk):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {table} WHERE id = %s", [pk])
        return cursor.fetchall()


def test_ordinary_appends_and_updates_still_work(history, dsl):
    guards.install(connection)
    actions.incident_note(actor=dsl, incident=history, text="Another note.")
    actions.incident_edit(actor=dsl, incident=history,
                          expected_version=Incident.objects.get(pk=history.pk).version,
                          summary="Group chat comments")
    assert verify_incident(Incident.objects.get(pk=history.pk)).ok
    assert verify_trail().ok


def test_installing_the_guards_twice_is_harmless_and_nothing_is_missing(history):
    guards.install(connection)
    guards.install(connection)
    assert guards.missing(connection) == []


def test_a_dropped_guard_is_reported(history):
    guards.remove(connection, {"audit_auditevent"})
    gone = guards.missing(connection)
    assert gone and all(name.startswith("audit_auditevent_") for name in gone)
