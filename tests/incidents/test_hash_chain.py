import datetime
import hashlib
import hmac
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety import keys
from esafety.directory import roles
from esafety.incidents import actions, rules
from esafety.incidents.chain import verify_all, verify_incident
from esafety.incidents.models import Evidence, Incident, IncidentChainHead, IncidentEvent
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


# --- keyed with a secret outside the database -----------------------------

def _rewrite(incident, change, digest):
    """Change one event's data and recompute every hash after it with `digest`."""
    from django.db import connection

    prev = "0" * 64
    for event in IncidentEvent.objects.filter(incident=incident).order_by("seq"):
        event.data = change(event)
        event.prev_hash = prev
        with connection.cursor() as cursor:
            cursor.execute("UPDATE incidents_incidentevent SET data = %s, prev_hash = %s, "
                           "hash = %s WHERE id = %s",
                           [json.dumps(event.data), prev, digest(prev, event.canonical()),
                            event.pk])
        prev = digest(prev, event.canonical())


def _untruthful(event):
    return {**event.data, "text": "Nothing to see here."} if event.kind == "note" else event.data


def test_a_history_recomputed_by_hand_without_the_key_fails_verification(chained, tamper):
    def sha256(prev, canonical):
        return hashlib.sha256((prev + canonical).encode("utf-8")).hexdigest()

    with tamper():
        _rewrite(chained, _untruthful, sha256)
    problems = verify_incident(chained).problems
    assert "event 1 (reported) was altered" in problems
    assert any("(note) was altered" in p for p in problems)


def test_a_history_recomputed_with_another_key_fails_verification(chained, tamper, settings):
    settings.CHAIN_KEY = "a key the attacker made up, long enough to be accepted"

    def other_key(prev, canonical):
        return keys.seal(prev + canonical)

    with tamper():
        _rewrite(chained, _untruthful, other_key)
    settings.CHAIN_KEY = ""
    assert any("(note) was altered" in p for p in verify_incident(chained).problems)
    with pytest.raises(CommandError):
        call_command("evidence", "verify")


def test_the_hashes_depend_on_the_key(chained, settings):
    event = IncidentEvent.objects.filter(incident=chained).first()
    assert event.compute_hash() == event.hash
    settings.CHAIN_KEY = "x" * 40
    assert event.compute_hash() != event.hash


# --- the sealed head: where each history ends -------------------------------------------

@pytest.fixture
def with_last_notes(chained, dsl):
    """Two notes at the end of the history: they change nothing in the case itself, so
    only the head shows whether they are still there."""
    for text in ("Called the parents.", "Parents will keep an eye on the chat."):
        actions.incident_note(actor=dsl, incident=chained, text=text)
    return chained


def _raw(sql, params):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _last_seq(incident):
    return IncidentEvent.objects.filter(incident=incident).order_by("-seq").first().seq


def test_the_head_moves_with_every_event_in_the_same_transaction(with_last_notes):
    head = IncidentChainHead.objects.get(incident=with_last_notes)
    last = IncidentEvent.objects.filter(incident=with_last_notes).order_by("-seq").first()
    assert (head.seq, head.hash) == (last.seq, last.hash)
    assert head.seal == keys.seal(f"incident-head|{with_last_notes.pk}|{last.seq}|{last.hash}")


def test_events_cut_off_the_end_of_a_history_are_caught(with_last_notes, tamper):
    end = _last_seq(with_last_notes)
    with tamper():
        _raw("DELETE FROM incidents_incidentevent WHERE incident_id = %s AND seq >= %s",
             [with_last_notes.pk, end - 1])
    problems = verify_incident(with_last_notes).problems
    assert problems == [f"its history should end at event {end} but ends at event {end - 2}: "
                        f"the last events were removed"]


def test_the_whole_history_removed_is_caught_from_its_head(with_last_notes, tamper):
    end = _last_seq(with_last_notes)
    with tamper():
        _raw("DELETE FROM incidents_incidentevent WHERE incident_id = %s", [with_last_notes.pk])
    problems = verify_incident(with_last_notes).problems
    assert f"all {end} events of its history are missing" in problems


def test_a_head_moved_back_without_the_key_is_caught(with_last_notes, tamper):
    """The events cut off, and the head set to the new end with a seal made up without the
    key (plain SHA-256, or HMAC with a key of the attacker's own)."""
    end = _last_seq(with_last_notes)
    new_end = IncidentEvent.objects.get(incident=with_last_notes, seq=end - 2)
    text = f"incident-head|{with_last_notes.pk}|{new_end.seq}|{new_end.hash}"
    forged = [hashlib.sha256(text.encode("utf-8")).hexdigest(),
              hmac.new(b"a key the attacker made up", text.encode("utf-8"),
                       hashlib.sha256).hexdigest()]
    for seal in forged:
        with tamper():
            _raw("DELETE FROM incidents_incidentevent WHERE incident_id = %s AND seq > %s",
                 [with_last_notes.pk, new_end.seq])
            _raw("UPDATE incidents_incidentchainhead SET seq = %s, hash = %s, seal = %s "
                 "WHERE incident_id = %s", [new_end.seq, new_end.hash, seal,
                                            with_last_notes.pk])
        problems = verify_incident(with_last_notes).problems
        assert problems == ["the record of where its history ends was altered"]


def test_a_removed_head_is_caught(with_last_notes, tamper):
    with tamper():
        _raw("DELETE FROM incidents_incidentchainhead WHERE incident_id = %s",
             [with_last_notes.pk])
    problems = verify_incident(with_last_notes).problems
    assert problems == ["the record of where its history ends is missing"]


def test_another_incidents_head_does_not_fit(with_last_notes, reported, outsider, tamper):
    other = actions.incident_report(actor=outsider, kind="other", description="elsewhere")
    theirs = IncidentChainHead.objects.get(incident=other)
    with tamper():
        _raw("DELETE FROM incidents_incidentchainhead WHERE incident_id = %s",
             [with_last_notes.pk])
        _raw("UPDATE incidents_incidentchainhead SET incident_id = %s WHERE id = %s",
             [with_last_notes.pk, theirs.pk])
    assert "the record of where its history ends was altered" in (
        verify_incident(with_last_notes).problems)


@pytest.mark.parametrize("cut", ["events", "events and head", "events, head forged"])
def test_the_next_action_does_not_hide_events_cut_off_the_end(with_last_notes, dsl, tamper,
                                                              cut):
    """esafety moves the head on with every event: an event added after the cut says what
    it found, so the cut stays visible for good."""
    end = _last_seq(with_last_notes)
    new_end = IncidentEvent.objects.get(incident=with_last_notes, seq=end - 2)
    with tamper():
        _raw("DELETE FROM incidents_incidentevent WHERE incident_id = %s AND seq > %s",
             [with_last_notes.pk, new_end.seq])
        if cut == "events and head":
            _raw("DELETE FROM incidents_incidentchainhead WHERE incident_id = %s",
                 [with_last_notes.pk])
        if cut == "events, head forged":
            _raw("UPDATE incidents_incidentchainhead SET seq = %s, hash = %s, seal = %s "
                 "WHERE incident_id = %s", [new_end.seq, new_end.hash, "0" * 64,
                                            with_last_notes.pk])
    actions.incident_note(actor=dsl, incident=with_last_notes, text="A later note.")
    found = {
        "events": f"its history should end at event {end} but ends at event {end - 2}: "
                  f"the last events were removed",
        "events and head": "the record of where its history ends is missing",
        "events, head forged": "the record of where its history ends was altered",
    }[cut]
    problems = verify_incident(with_last_notes).problems
    assert problems == [f"before event {end - 1} was added: {found}"]


def test_the_database_refuses_to_remove_or_rewind_a_head(with_last_notes):
    from django.db import DatabaseError, connection, transaction

    from tests.incidents.conftest import _guards

    _guards().install(connection)
    with pytest.raises(DatabaseError) as refused, transaction.atomic():
        _raw("DELETE FROM incidents_incidentchainhead WHERE incident_id = %s",
             [with_last_notes.pk])
    assert "append-only" in str(refused.value)
    assert verify_incident(with_last_notes).ok


def test_the_upgrade_seals_a_head_for_every_existing_history(with_last_notes, outsider, tamper):
    import importlib
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    other = actions.incident_report(actor=outsider, kind="other", description="elsewhere")
    with tamper():  # as a database made before migration 0005 was: no heads
        _raw("DELETE FROM incidents_incidentchainhead", [])
    assert not verify_incident(with_last_notes).ok
    migration = importlib.import_module("esafety.incidents.migrations.0005_chain_head")
    migration.heads(apps, SimpleNamespace(connection=connection))
    for incident in (with_last_notes, other):
        head = IncidentChainHead.objects.get(incident=incident)
        assert head.seq == _last_seq(incident)
        assert verify_incident(incident).ok, verify_incident(incident).problems


# --- the seal covers the whole case -----------------------------------------------------

@pytest.fixture
def whole_case(investigated, dsl, online_safety_lead, make_person, pupil):
    """A case that went all the way: people with parts, evidence signed off, a judgement,
    a rating withdrawn and another given, a sanction and a takedown request."""
    other = make_person(roles.PUPIL, first_name="Alex", last_name="Alleged")
    case = investigated
    actions.involvement_set(actor=dsl, incident=case, person=other, part=rules.PART_ALLEGED)
    item = actions.evidence_add(actor=dsl, incident=case, kind="screenshot",
                                upload=("chat.png", PNG))
    for person in (dsl, online_safety_lead):
        actions.screenshot_sign(actor=person, evidence=item)
    actions.incident_judge(actor=dsl, incident=case, outcome=rules.INTERNAL,
                           reasons="The messages are his; he admitted it.")
    mistaken = actions.misuse_rate(actor=dsl, incident=case, person=other, rating=rules.MILD)
    actions.rating_withdraw(actor=dsl, rating=mistaken, reason="Rated before the screenshots.")
    actions.misuse_rate(actor=dsl, incident=case, person=other, rating=rules.SERIOUS)
    kind = next(k for k, _ in rules.sanction_range(rules.SERIOUS, for_pupil=True)
                if k != rules.INTERNET_SUSPENSION)
    actions.sanction_record(actor=dsl, incident=case, person=other, kind=kind,
                            reasons="Serious, repeated; first time.")
    actions.takedown_request(actor=dsl, incident=case, target="site", target_name="ChatApp",
                             sent_on=datetime.date.today())
    case.refresh_from_db()
    check = verify_incident(case)
    assert check.ok, check.problems
    return case


def _changes(case, teacher, other_school_head):
    """Changes made straight in the database that the old seal (13 incident fields) missed."""
    from esafety.incidents.models import (
        AllegationViewer,
        Investigator,
        Involvement,
        Rating,
        Sanction,
        ScreenshotSignoff,
        TakedownRequest,
    )

    rows = {"incident": Incident.objects.filter(pk=case.pk)}
    return {
        "school": lambda: rows["incident"].update(school=other_school_head.school),
        "reporter": lambda: rows["incident"].update(reported_by=teacher),
        "reported at": lambda: rows["incident"].update(reported_at=datetime.datetime(
            2020, 1, 1, tzinfo=datetime.UTC)),
        "who judged": lambda: rows["incident"].update(judged_by=teacher),
        "a person's part": lambda: Involvement.objects.filter(
            incident=case, part=rules.PART_ALLEGED).update(part=rules.PART_WITNESS),
        "a person taken off": lambda: Involvement.objects.filter(
            incident=case, part=rules.PART_ALLEGED).update(removed_at=case.reported_at),
        "an investigator": lambda: Investigator.every.filter(
            pk=Investigator.every.filter(incident=case).first().pk).update(person=teacher),
        "a viewer added": lambda: AllegationViewer.objects.create(
            incident=case, person=teacher, added_by=teacher, added_at=case.reported_at),
        "a rating": lambda: Rating.objects.filter(incident=case, withdrawn_at__isnull=True)
        .update(rating=rules.MILD),
        "a rating's withdrawal undone": lambda: Rating.objects.filter(
            incident=case, withdrawn_at__isnull=False).update(withdrawn_at=None,
                                                              withdrawn_reason=""),
        "a sanction": lambda: Sanction.objects.filter(incident=case).update(
            reasons="Something else"),
        "a sanction removed": lambda: Sanction.objects.filter(incident=case).delete(),
        "evidence's name": lambda: Evidence.objects.filter(incident=case).update(
            original_name="holiday.png"),
        "who added evidence": lambda: Evidence.objects.filter(incident=case).update(
            added_by=teacher),
        "a sign-off removed": lambda: ScreenshotSignoff.objects.filter(
            evidence__incident=case).first().delete(),
        "a takedown's outcome": lambda: TakedownRequest.objects.filter(incident=case).update(
            outcome="removed"),
    }


CHANGES = ["school", "reporter", "reported at", "who judged", "a person's part",
           "a person taken off", "an investigator", "a viewer added", "a rating",
           "a rating's withdrawal undone", "a sanction", "a sanction removed", "evidence's name",
           "who added evidence", "a sign-off removed", "a takedown's outcome"]


@pytest.mark.parametrize("what", CHANGES)
def test_a_change_to_anything_in_the_case_is_caught(whole_case, teacher, outsider, what):
    _changes(whole_case, teacher, outsider)[what]()
    problems = verify_incident(Incident.objects.get(pk=whole_case.pk)).problems
    assert "its details were changed outside esafety" in problems


def test_every_event_seals_the_whole_case(whole_case):
    from esafety.incidents.models import chained_state, state_seal

    last = IncidentEvent.objects.filter(incident=whole_case).order_by("-seq").first()
    state = chained_state(whole_case)
    assert last.data["state_sha256"] == state_seal(state)
    assert {"incident", "involvement", "investigator", "evidence", "evidence.screenshotsignoff",
            "rating", "sanction", "takedownrequest", "allegationviewer"} <= set(state)
    assert state["incident"]["school_id"] == whole_case.school_id
    assert state["incident"]["reported_by_id"] == whole_case.reported_by_id


def test_a_field_added_later_that_starts_empty_does_not_unseal_old_histories(whole_case):
    from esafety.incidents.history_models import _sealed_row

    # A new field arrives empty (null, blank, empty list) on every old row: empty values are
    # left out of the seal, so the old rows' seals still match.
    row = Evidence.objects.filter(incident=whole_case).first()
    sealed = _sealed_row(row)
    assert row.withdrawn_at is None and row.withdrawn_reason == ""
    assert "withdrawn_at" not in sealed and "withdrawn_reason" not in sealed
    assert sealed["original_name"] == "chat.png"


# --- upgrading a history made before the key (migration 0003) ---------------------------

def _old_style(incident):
    """Re-make the incident's chain as esafety did before the key: plain SHA-256."""
    from django.db import connection

    old_seal = _migration()._old_state_seal(Incident.objects.get(pk=incident.pk))
    prev = "0" * 64
    for event in IncidentEvent.objects.filter(incident=incident).order_by("seq"):
        event.prev_hash = prev
        event.data = {**event.data, "state_sha256": old_seal}  # the old, narrower seal
        digest = hashlib.sha256((prev + event.canonical()).encode("utf-8")).hexdigest()
        with connection.cursor() as cursor:
            cursor.execute("UPDATE incidents_incidentevent SET data = %s, prev_hash = %s, "
                           "hash = %s WHERE id = %s", [json.dumps(event.data), prev, digest,
                                                       event.pk])
        prev = digest


def _migration():
    import importlib

    return importlib.import_module("esafety.incidents.migrations.0003_keyed_history")


def _migrate_0003():
    from types import SimpleNamespace

    from django.apps import apps
    from django.db import connection

    _migration().key_histories(apps, SimpleNamespace(connection=connection))


def test_the_upgrade_keys_an_intact_old_history_and_seals_the_whole_case(chained, tamper):
    with tamper():
        _old_style(chained)
    assert not verify_incident(chained).ok
    _migrate_0003()
    check = verify_incident(chained)
    assert check.ok, check.problems
    last = IncidentEvent.objects.filter(incident=chained).order_by("-seq").first()
    assert last.kind == "history_keyed" and last.data["previous_chain_intact"] is True


def test_the_upgrade_does_not_launder_an_old_history_that_was_already_altered(chained, tamper):
    with tamper():
        _old_style(chained)
        IncidentEvent.objects.filter(incident=chained, kind="note").update(
            data={"text": "Nothing to see here."})
    _migrate_0003()
    problems = verify_incident(chained).problems
    assert any("already been altered when it was keyed" in p for p in problems)
