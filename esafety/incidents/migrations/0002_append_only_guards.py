"""Make the incident log's history append-only in the database itself.

The hash chain *detects* a change; these triggers *refuse* one that arrives as SQL through
the application's connection: no event is ever updated or deleted, and no incident or
evidence row is ever deleted (a mistaken item is withdrawn, not removed). Someone with
the rights to drop the triggers can still tamper, which `esafety evidence verify` catches.

Only row-level triggers: a statement-level TRUNCATE guard would also fire on the empty
tables that test runs truncate.
"""

from django.db import migrations

GUARDED = [
    # (trigger name, table, operation)
    ("incident_event_no_update", "incidents_incidentevent", "UPDATE"),
    ("incident_event_no_delete", "incidents_incidentevent", "DELETE"),
    ("incident_no_delete", "incidents_incident", "DELETE"),
    ("incident_evidence_no_delete", "incidents_evidence", "DELETE"),
]


def install(connection):
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for name, table, operation in GUARDED:
                cursor.execute(
                    f"CREATE TRIGGER IF NOT EXISTS {name} BEFORE {operation} ON {table} "
                    f"BEGIN SELECT RAISE(ABORT, 'the incident log is append-only'); END")
        elif connection.vendor == "postgresql":
            cursor.execute(
                "CREATE OR REPLACE FUNCTION incident_log_refuse_change() RETURNS trigger AS $$ "
                "BEGIN RAISE EXCEPTION 'the incident log is append-only'; END; $$ "
                "LANGUAGE plpgsql")
            for name, table, operation in GUARDED:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
                cursor.execute(f"CREATE TRIGGER {name} BEFORE {operation} ON {table} "
                               "FOR EACH ROW EXECUTE FUNCTION incident_log_refuse_change()")


def remove(connection):
    with connection.cursor() as cursor:
        for name, table, _ in GUARDED:
            if connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            elif connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")


def forwards(apps, schema_editor):
    install(schema_editor.connection)


def backwards(apps, schema_editor):
    remove(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0001_initial")]
    operations = [migrations.RunPython(forwards, backwards)]
