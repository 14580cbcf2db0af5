"""Appends from many connections at once never take the same place or fork the chain: each
waits for the chain's head row (real threads, each with its own database connection; on
SQLite the test database is a file, so this is the same locking a school's server sees)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.db import connections, transaction

from esafety.audit import chain, events
from esafety.audit.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
WRITERS = 20
EACH = 3


def test_twenty_writers_at_once_make_one_unbroken_chain(disposable_append_only_tables,
                                                        headteacher):
    start = threading.Barrier(WRITERS)

    def write(n):
        try:
            start.wait()
            for k in range(EACH):
                with transaction.atomic():
                    events.record(event_type="person_viewed", actor=headteacher,
                                  details={"writer": n, "k": k})
        finally:
            connections.close_all()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        for future in [pool.submit(write, n) for n in range(WRITERS)]:
            future.result()
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, WRITERS * EACH + 1))
    check = chain.verify_trail()
    assert check.ok, check.problems
