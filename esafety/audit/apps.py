from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _install_guards(sender, using="default", **kwargs):
    # SQLite drops a table's triggers whenever a migration rebuilds the table: after every
    # migrate, make sure the append-only guards are all there (idempotent).
    from django.db import connections

    from esafety.audit import guards

    guards.install(connections[using])


class AuditConfig(AppConfig):
    name = "esafety.audit"
    label = "audit"

    def ready(self):
        post_migrate.connect(_install_guards, sender=self,
                             dispatch_uid="esafety.audit.install_guards")
