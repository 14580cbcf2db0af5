from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "esafety.web"
    label = "web"

    def ready(self):
        from django.db.backends.signals import connection_created

        connection_created.connect(_private_sqlite_files, dispatch_uid="esafety-private-sqlite")


def _private_sqlite_files(sender, connection, **kwargs):
    """The database and its -wal/-shm files stay unreadable to others (however they were made)."""
    if connection.vendor != "sqlite":
        return
    from pathlib import Path

    from esafety.web import filemodes

    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:") or "mode=memory" in name:
        return
    for path in filemodes.sqlite_files(Path(name)):
        filemodes.private_file(path)
