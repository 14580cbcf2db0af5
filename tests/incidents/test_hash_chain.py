import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.incidents import actions
from esafety.incidents.chain import verify_all, verify_incident
from esafety.incidents.models import Evidence, Incident, IncidentEvent
from tests.incidents.conftest import PNG


@pytest.fixture
def chained(investigated, dsl):
    actions.incident_note(actor=dsl, incident=investigated, text="Spoke to the form tutor.")
    actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                         upload=("chat.png", PNG))
    return investigated


def test_an_untouched_chain_verifies(chained):
    check = verify_incident(chained)
    assert check.ok, check.problems
    assert check.events == IncidentEvent.objects.filter(incident=chained).count() > 3
    assert check.files == 1


def test_each_event_seals_the_one_before_it(chained):
    events = list(IncidentEvent.objects.filter(incident=chained).order_by("seq"))
    assert events[0].prev_hash == "0" * 64
    for before, after in zip(events, events[1:], strict=False):
        assert after.prev_hash == before.hash


def test_a_note_changed_directly_in_the_database_is_caught(chained, tamper):
    note = IncidentEvent.objects.get(incident=chained, kind="note")
    with tamper():
        IncidentEvent.objects.filter(pk=note.pk).update(data={"text": "Nothing to see here."})
    check = verify_incident(chained)
    assert f"event {note.seq} (note) was altered" in check.problems


def test_an_incident_description_changed_directly_in_the_database_is_caught(chained):
    Incident.objects.filter(pk=chained.pk).update(description="A different story")
    check = verify_incident(Incident.objects.get(pk=chained.pk))
    assert "its details were changed outside esafety" in check.problems


def test_a_deleted_event_is_caught(chained, tamper):
    with tamper():
        IncidentEvent.objects.filter(incident=chained, kind="note").delete()
    assert any("is missing" in p for p in verify_incident(chained).problems)


def test_a_stored_file_changed_on_disk_is_caught(chained, media_root):
    item = Evidence.objects.get(incident=chained, kind="screenshot")
    path = media_root / item.file_path
    path.chmod(0o640)
    path.write_bytes(PNG + b"tampered")
    assert f"evidence {item.pk}'s file chat.png was altered" in verify_incident(chained).problems


def test_an_evidence_hash_rewritten_in_the_database_is_caught(chained):
    item = Evidence.objects.get(incident=chained, kind="screenshot")
    Evidence.objects.filter(pk=item.pk).update(sha256="0" * 64)
    assert f"evidence {item.pk}'s recorded hash was changed" in verify_incident(chained).problems


def test_the_command_passes_a_clean_log(chained, capsys):
    call_command("evidence", "verify")
    assert "ok: 1 incidents" in capsys.readouterr().out


def test_the_command_exits_non_zero_naming_the_incident(chained, reported, capsys):
    Incident.objects.filter(pk=chained.pk).update(summary="edited behind our back")
    with pytest.raises(CommandError) as failed:
        call_command("evidence", "verify", "--school", chained.school.slug)
    assert chained.reference in str(failed.value)
    assert f"{chained.reference}: its details were changed outside esafety" in (
        capsys.readouterr().err)


def test_every_school_is_checked_separately(chained, outsider):
    other = actions.incident_report(actor=outsider, kind="other", description="elsewhere")
    assert {c.incident.pk for c in verify_all()} == {chained.pk, other.pk}
    assert [c.incident.pk for c in verify_all(outsider.school)] == [other.pk]


def test_the_database_refuses_to_change_or_delete_history(chained):
    from django.db import DatabaseError, connection, transaction

    from tests.incidents.conftest import _guards

    _guards().install(connection)  # as the migration left it (idempotent)
    statements = [
        ("UPDATE incidents_incidentevent SET data = '{}' WHERE incident_id = %s", chained.pk),
        ("DELETE FROM incidents_incidentevent WHERE incident_id = %s", chained.pk),
        ("DELETE FROM incidents_evidence WHERE incident_id = %s", chained.pk),
        ("DELETE FROM incidents_incident WHERE id = %s", chained.pk),
    ]
    for sql, pk in statements:
        with pytest.raises(DatabaseError) as error, transaction.atomic(), \
                connection.cursor() as cursor:
            cursor.execute(sql, [pk])
        assert "append-only" in str(error.value), sql
    assert verify_incident(chained).ok
