"""The audit trail is one hash chain keyed with a secret outside the database: a row changed,
removed or rewritten (even with its hashes recomputed by hand) behind the triggers is found."""

import hashlib
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from esafety.audit import chain, events, guards
from esafety.audit.models import AuditChainHead, AuditEvent


@pytest.fixture
def trail(headteacher, teacher):
    for n in range(5):
        events.record(event_type="person_viewed", actor=headteacher, obj=teacher,
                      details={"n": n, "tuple": (1, 2), "nested": {"b": 1, "a": [n]}})
    return list(AuditEvent.objects.order_by("seq"))


@pytest.fixture
def unguarded():
    """Someone with the rights to drop the triggers (the database owner)."""
    guards.remove(connection)
    yield
    guards.install(connection)


def _raw(sql, params=()):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_every_event_takes_the_next_place_and_seals_the_one_before(trail):
    assert [e.seq for e in trail] == [1, 2, 3, 4, 5]
    assert trail[0].prev_hash == "0" * 64
    for before, after in zip(trail, trail[1:], strict=False):
        assert after.prev_hash == before.hash
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash) == (5, trail[-1].hash)


def test_an_untouched_trail_verifies(trail):
    check = chain.verify_trail()
    assert check.ok, check.problems
    assert check.events == 5


def test_details_given_as_python_values_verify_as_read_back(trail, headteacher):
    # Stored as JSON ({2: ...} becomes {"2": ...}): the hash is made from what is kept.
    events.record(event_type="person_viewed", actor=headteacher, details={"b": 1, 2: "two"})
    assert AuditEvent.objects.get(seq=6).details == {"b": 1, "2": "two"}
    assert chain.verify_trail().ok


def test_a_row_changed_in_the_database_is_found(trail, unguarded):
    _raw("UPDATE audit_auditevent SET actor_label = 'Someone else' WHERE seq = 3")
    assert chain.verify_trail().problems == ["audit trail: event 3 was altered"]


def test_a_row_rewritten_with_a_plain_sha256_recomputed_by_hand_is_found(trail, unguarded):
    """What an attacker without the key can do: change a row and recompute the chain."""
    rows = list(AuditEvent.objects.order_by("seq").values(*chain.CHAINED, "hash"))
    rows[2]["object_label"] = "Nobody"
    prev = "0" * 64
    for row in rows:
        body = dict(row)
        body.pop("hash")
        digest = hashlib.sha256((prev + chain.canonical(body)).encode()).hexdigest()
        _raw("UPDATE audit_auditevent SET object_label = %s, prev_hash = %s, hash = %s "
             "WHERE seq = %s", [row["object_label"], prev, digest, row["seq"]])
        prev = digest
    _raw("UPDATE audit_auditchainhead SET hash = %s", [prev])
    problems = chain.verify_trail().problems
    assert "audit trail: event 1 was altered" in problems
    assert "audit trail: event 3 was altered" in problems
    assert "audit trail: the record of where it ends was altered" in problems


def test_a_row_recomputed_with_another_key_is_found(trail, unguarded, settings):
    settings.CHAIN_KEY = "another key that is at least thirty-two characters long"
    forged = chain.event_hash(trail[3].prev_hash, {
        **AuditEvent.objects.filter(seq=4).values(*chain.CHAINED).get(), "object_label": "x"})
    settings.CHAIN_KEY = ""
    _raw("UPDATE audit_auditevent SET object_label = 'x', hash = %s WHERE seq = 4", [forged])
    problems = chain.verify_trail().problems
    assert "audit trail: event 4 was altered" in problems


def test_a_deleted_row_is_found(trail, unguarded):
    _raw("DELETE FROM audit_auditevent WHERE seq = 2")
    assert chain.verify_trail().problems == ["audit trail: event 2 is missing"]


def test_rows_cut_off_the_end_are_found_even_when_the_head_is_moved_back(trail, unguarded):
    _raw("DELETE FROM audit_auditevent WHERE seq >= 4")
    assert chain.verify_trail().problems == [
        "audit trail: it should end at event 5 but ends at event 3: the last events were removed"]
    third = AuditEvent.objects.get(seq=3)
    _raw("UPDATE audit_auditchainhead SET seq = 3, hash = %s", [third.hash])
    assert chain.verify_trail().problems == [
        "audit trail: the record of where it ends was altered"]


def test_a_deleted_head_is_made_again_and_the_check_says_so_for_good(trail, unguarded,
                                                                       headteacher):
    _raw("DELETE FROM audit_auditevent WHERE seq = 5")
    _raw("DELETE FROM audit_auditchainhead")
    events.record(event_type="person_viewed", actor=headteacher)
    assert AuditEvent.objects.order_by("-seq").first().seq == 5
    problems = chain.verify_trail().problems
    assert len(problems) == 1 and "went missing and was made again" in problems[0]


def test_the_head_is_made_for_an_emptied_trail_without_a_warning(db, headteacher):
    # As after a test run empties every table (a new database gets its head from migrate).
    assert not AuditEvent.objects.exists()
    AuditChainHead.objects.all().delete()
    events.record(event_type="person_viewed", actor=headteacher)
    assert chain.verify_trail().ok


def test_the_command_checks_the_audit_trail_too(trail, unguarded, capsys):
    _raw("UPDATE audit_auditevent SET details = %s WHERE seq = 1", [json.dumps({"n": 99})])
    guards.install(connection)
    with pytest.raises(CommandError, match="the audit trail failed verification"):
        call_command("evidence", "verify")
    assert "audit trail: event 1 was altered" in capsys.readouterr().err


def test_the_command_reports_guards_someone_dropped(trail, unguarded, capsys):
    with pytest.raises(CommandError, match="the append-only guards are missing"):
        call_command("evidence", "verify")
    assert "audit_auditevent_refuse_update" in capsys.readouterr().err


def test_the_command_passes_a_clean_trail(trail, capsys):
    call_command("evidence", "verify")
    assert "5 audit trail events verified" in capsys.readouterr().out


def test_a_lost_or_changed_key_is_named_as_the_likely_cause(trail, settings):
    settings.CHAIN_KEY = "a new key made after the old one was lost, long enough"
    problems = chain.verify_trail().problems
    assert problems[0] == chain.KEY_HINT
    assert "audit trail: event 5 was altered" in problems
