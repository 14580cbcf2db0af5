"""Database triggers that keep the audit trail and the incident log append-only.

The models already refuse changes; these refuse them to raw SQL through the app's
connection too: no UPDATE or DELETE of a history row, no DELETE of an incident, an item
of evidence or the record of where an incident's history ends, no TRUNCATE of a table that holds rows, and no `INSERT OR REPLACE`, `REPLACE`
or upsert (`INSERT ... ON CONFLICT DO UPDATE`) over an existing row (SQLite's REPLACE
deletes the old row without firing DELETE triggers, so it needs a guard of its own). An
UPDATE may not give a row another row's key either (`UPDATE OR REPLACE` would delete it).

Someone with the rights to drop triggers can still tamper; the keyed hash chains catch
that (`esafety evidence verify`).

install() is idempotent and runs after every `migrate` (see apps.py), because SQLite loses
a table's triggers whenever a migration rebuilds the table.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Guard:
    table: str
    message: str
    keys: tuple[tuple[str, ...], ...]  # the primary key and every unique key
    updatable: bool  # False: rows are never changed at all


AUDIT = "audit events are append-only"
INCIDENTS = "the incident log is append-only"

GUARDS = [
    Guard("audit_auditevent", AUDIT, (("id",), ("seq",)), updatable=False),
    Guard("incidents_incidentevent", INCIDENTS, (("id",), ("incident_id", "seq")),
          updatable=False),
    Guard("incidents_incident", INCIDENTS, (("id",), ("school_id", "reference")), updatable=True),
    Guard("incidents_evidence", INCIDENTS, (("id",),), updatable=True),
    # Where each incident's history ends: moved on with every event, never removed.
    Guard("incidents_incidentchainhead", INCIDENTS, (("id",), ("incident_id",)),
          updatable=True),
]

# Triggers an earlier version installed under other names (dropped by remove()).
LEGACY_SQLITE: list[str] = [
    "audit_event_no_update", "audit_event_no_delete", "incident_event_no_update",
    "incident_event_no_delete", "incident_no_delete", "incident_evidence_no_delete"]
LEGACY_POSTGRESQL: list[tuple[str, str]] = [  # (trigger, table)
    ("audit_event_no_change", "audit_auditevent"),
    ("audit_event_no_truncate", "audit_auditevent"),
    ("incident_event_no_update", "incidents_incidentevent"),
    ("incident_event_no_delete", "incidents_incidentevent"),
    ("incident_no_delete", "incidents_incident"),
    ("incident_evidence_no_delete", "incidents_evidence")]


def _existing(guard: Guard, where: str) -> str:
    """SQL: some other row already holds one of NEW's keys."""
    tests = []
    for key in guard.keys:
        match = " AND ".join(f"{column} = NEW.{column}" for column in key)
        tests.append(f"EXISTS (SELECT 1 FROM {guard.table} WHERE {match}{where})")
    return " OR ".join(tests)


def _sqlite(guard: Guard) -> dict[str, str]:
    name = guard.table
    fail = f"BEGIN SELECT RAISE(ABORT, '{guard.message}'); END"
    triggers = {
        f"{name}_refuse_delete": f"BEFORE DELETE ON {name} {fail}",
        f"{name}_refuse_replace":
            f"BEFORE INSERT ON {name} WHEN {_existing(guard, '')} {fail}",
    }
    if guard.updatable:
        triggers[f"{name}_refuse_rekey"] = (
            f"BEFORE UPDATE ON {name} WHEN NEW.id IS NOT OLD.id OR "
            f"{_existing(guard, ' AND id <> OLD.id')} {fail}")
    else:
        triggers[f"{name}_refuse_update"] = f"BEFORE UPDATE ON {name} {fail}"
    return triggers


def _postgres(guard: Guard) -> list[str]:
    # integrity_constraint_violation: Django raises IntegrityError, as SQLite's RAISE(ABORT) does.
    name = guard.table
    statements = [
        f"""CREATE OR REPLACE FUNCTION {name}_refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{guard.message}' USING ERRCODE = 'integrity_constraint_violation'; END; $$ LANGUAGE plpgsql""",
        # A TRUNCATE of an empty table harms nothing (test runs empty every table).
        f"""CREATE OR REPLACE FUNCTION {name}_refuse_truncate() RETURNS trigger AS $$
            BEGIN
              IF EXISTS (SELECT 1 FROM {name}) THEN RAISE EXCEPTION '{guard.message}' USING ERRCODE = 'integrity_constraint_violation'; END IF;
              RETURN NULL;
            END; $$ LANGUAGE plpgsql""",
        # ON CONFLICT DO UPDATE fires BEFORE INSERT first: refuse it there, for every table.
        f"""CREATE OR REPLACE FUNCTION {name}_refuse_replace() RETURNS trigger AS $$
            BEGIN
              IF {_existing(guard, '')} THEN RAISE EXCEPTION '{guard.message}' USING ERRCODE = 'integrity_constraint_violation'; END IF;
              RETURN NEW;
            END; $$ LANGUAGE plpgsql""",
    ]
    triggers = {
        f"{name}_refuse_delete": f"BEFORE DELETE ON {name} FOR EACH ROW EXECUTE FUNCTION {name}_refuse()",
        f"{name}_refuse_truncate": f"BEFORE TRUNCATE ON {name} FOR EACH STATEMENT "
                                   f"EXECUTE FUNCTION {name}_refuse_truncate()",
        f"{name}_refuse_replace": f"BEFORE INSERT ON {name} FOR EACH ROW "
                                  f"EXECUTE FUNCTION {name}_refuse_replace()",
    }
    if guard.updatable:
        triggers[f"{name}_refuse_rekey"] = (f"BEFORE UPDATE ON {name} FOR EACH ROW WHEN "
                                            f"(NEW.id IS DISTINCT FROM OLD.id) "
                                            f"EXECUTE FUNCTION {name}_refuse()")
    else:
        triggers[f"{name}_refuse_update"] = (f"BEFORE UPDATE ON {name} FOR EACH ROW "
                                             f"EXECUTE FUNCTION {name}_refuse()")
    for trigger, body in triggers.items():
        statements.append(f"DROP TRIGGER IF EXISTS {trigger} ON {name}")
        statements.append(f"CREATE TRIGGER {trigger} {body}")
    return statements


def trigger_names(guard: Guard) -> list[str]:
    return list(_sqlite(guard))


def _tables(connection) -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def install(connection, tables: set[str] | None = None) -> None:
    """Install every guard (or those for `tables`) whose table exists. Idempotent."""
    present = _tables(connection)
    with connection.cursor() as cursor:
        for guard in GUARDS:
            if guard.table not in present or (tables is not None and guard.table not in tables):
                continue
            if connection.vendor == "sqlite":
                for trigger, body in _sqlite(guard).items():
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                    cursor.execute(f"CREATE TRIGGER {trigger} {body}")
            elif connection.vendor == "postgresql":
                for statement in _postgres(guard):
                    cursor.execute(statement)
        _drop_legacy(connection, cursor, present, tables)


def remove(connection, tables: set[str] | None = None) -> None:
    """Drop every guard (or those for `tables`): for migrations that must rewrite history
    rows, and for disposable test databases that are emptied between tests."""
    present = _tables(connection)
    with connection.cursor() as cursor:
        for guard in GUARDS:
            if guard.table not in present or (tables is not None and guard.table not in tables):
                continue
            for trigger in trigger_names(guard) + [f"{guard.table}_refuse_truncate"]:
                if connection.vendor == "sqlite":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
                elif connection.vendor == "postgresql":
                    cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {guard.table}")
        _drop_legacy(connection, cursor, present, tables)


def _drop_legacy(connection, cursor, present, tables):
    if connection.vendor == "sqlite":
        for trigger in LEGACY_SQLITE:
            table = next((g.table for g in GUARDS
                          if (prefix := _legacy_prefix(g)) and trigger.startswith(prefix)), None)
            if tables is None or table in tables:
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    elif connection.vendor == "postgresql":
        for trigger, table in LEGACY_POSTGRESQL:
            if table in present and (tables is None or table in tables):
                cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")


def _legacy_prefix(guard: Guard) -> str | None:
    # Tables guarded only after the earlier version had no triggers under other names.
    return {"audit_auditevent": "audit_event_", "incidents_incidentevent": "incident_event_",
            "incidents_incident": "incident_no_",
            "incidents_evidence": "incident_evidence_"}.get(guard.table)


def missing(connection) -> list[str]:
    """Guards that should be in the database and are not (someone dropped them)."""
    present = _tables(connection)
    expected = []
    for guard in GUARDS:
        if guard.table in present:
            names = trigger_names(guard)
            if connection.vendor == "postgresql":
                names.append(f"{guard.table}_refuse_truncate")
            expected.extend(names)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        else:
            return []
        found = {row[0] for row in cursor.fetchall()}
    return [name for name in expected if name not in found]
