"""Publishing the snapshot for the Squid helper once a change has committed (a rolled-back
change must never reach the filter)."""

from __future__ import annotations

from django.db import transaction

from esafety.directory.models import School
from esafety.filtering import publish
from esafety.network import publishing as network_publishing


def publish_policy_after_commit(school: School) -> None:
    # Once per transaction, with the people and bindings changes (esafety/network).
    network_publishing.policy_after_commit(school)


def publish_all_after_commit(school: School) -> None:
    transaction.on_commit(lambda: publish.publish_all(school))
