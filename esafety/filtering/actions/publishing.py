"""Publishing the snapshot for the Squid helper once a change has committed (a rolled-back
change must never reach the filter)."""

from __future__ import annotations

from django.db import transaction

from esafety.directory.models import School
from esafety.filtering import publish


def publish_policy_after_commit(school: School) -> None:
    transaction.on_commit(lambda: publish.publish_policy(school))


def publish_all_after_commit(school: School) -> None:
    transaction.on_commit(lambda: publish.publish_all(school))
