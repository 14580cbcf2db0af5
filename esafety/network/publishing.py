"""Republishing the filter's snapshot after a change commits, once per transaction.

Every change to people, AUP answers, bindings, groups or rules asks for a publication;
many changes in one transaction (an import of 1,000 pupils, a leaver whose sign-ins end)
make one publication of each file per school, after commit, reading the committed state.
A rolled-back change publishes nothing.

Each request registers a small callback with `transaction.on_commit`; the callbacks of
one transaction share a token, and the first to run publishes while the rest see the token
spent. (Registering only once would be simpler but breaks under test helpers that run only
the callbacks registered inside them.)
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import F
from django.utils import timezone

from esafety.directory.models import School
from esafety.engine.urls.snapshot import write_atomic
from esafety.filtering import publish
from esafety.network import snapshot
from esafety.network.models import NetworkSettings

log = logging.getLogger(__name__)

BINDINGS_FILE = "bindings.json"
POLICY = "policy"
BINDINGS = "bindings"


class _Token:
    spent = False


class _Publication:
    """One request to publish `what` for a school; runs once per token."""

    def __init__(self, school: School, what: str, token: _Token,
                 publish_now: Callable[[School], object]):
        self.school = school
        self.what = what
        self.token = token
        self.publish_now = publish_now
        # Django names a failed on_commit callback by its __qualname__ when it logs it.
        self.__qualname__ = f"publish {what} for {school.slug}"

    @property
    def key(self) -> tuple[int, str]:
        return (self.school.pk, self.what)

    def __call__(self) -> None:
        if self.token.spent:
            return
        self.token.spent = True
        self.publish_now(self.school)


def _pending_token(key: tuple[int, str]) -> _Token:
    connection = connections[DEFAULT_DB_ALIAS]
    for entry in connection.run_on_commit:
        func = entry[1]  # (savepoint ids, callback, robust)
        if isinstance(func, _Publication) and func.key == key and not func.token.spent:
            return func.token
    return _Token()


def _after_commit(school: School, what: str, publish_now: Callable[[School], object]) -> None:
    token = _pending_token((school.pk, what))
    # robust: the change has committed; a failed publication must not turn the person's
    # page into an error. The snapshot's age then shows it and `filter ingest` alerts.
    transaction.on_commit(_Publication(school, what, token, publish_now), robust=True)


def policy_after_commit(school: School) -> None:
    """policy.json again, once, after this transaction commits."""
    _after_commit(school, POLICY, publish.publish_policy)


def bindings_after_commit(school: School) -> None:
    """bindings.json again, once, after this transaction commits."""
    _after_commit(school, BINDINGS, write_bindings)


def write_bindings(school: School) -> dict:
    """Write bindings.json now (the live bindings, a new version)."""
    NetworkSettings.objects.get_or_create(school=school)
    # The version's row stays locked until the file is written, so two writers at once
    # write their files in the order of their versions (a helper never sees one go back).
    with transaction.atomic():
        NetworkSettings.objects.filter(school=school).update(
            bindings_version=F("bindings_version") + 1, bindings_written_at=timezone.now())
        config = NetworkSettings.objects.select_for_update().get(school=school)
        data = snapshot.bindings_document(school, config.bindings_version)
        write_atomic(publish.snapshot_dir(school) / BINDINGS_FILE,
                     json.dumps(data, indent=1).encode())
    return data
