"""Other areas plug their records into the schedule; a purge touches only what it should."""

import pytest
from django.db import connection
from django.db.models import QuerySet

from esafety.audit import guards
from esafety.audit.chain import verify_trail
from esafety.audit.models import AuditEvent
from esafety.directory import actions as directory
from esafety.retention import actions, purging, registry
from esafety.retention.registry import RecordType
from tests.retention.conftest import years_ago


@pytest.fixture
def held_mail():
    """A record type an app registers (as the mail filter would)."""
    purged = []
    kind = registry.register(RecordType(
        name="test_held_mail", label="Held mail (test)", minimum_days=30, default_days=90,
        minimum_basis="a month to review", purpose="to review held mail",
        seen_by="view_concerns", count=lambda school, cutoff: 3,
        purge=lambda school, cutoff, actor: purged.append((school, cutoff, actor)) or 3))
    yield kind, purged
    registry._TYPES.pop("test_held_mail")


def test_a_registered_type_is_counted_set_and_purged(held_mail, headteacher, school):
    kind, purged = held_mail
    with pytest.raises(Exception, match="at least 30 days"):
        actions.retention_set(actor=headteacher, school=school, record_type=kind.name, days=7)
    actions.retention_set(actor=headteacher, school=school, record_type=kind.name, days=60)
    run = actions.purge_prepare(actor=headteacher, school=school)
    assert run.plan[kind.name]["count"] == 3 and run.plan[kind.name]["days"] == 60
    actions.purge_confirm(actor=headteacher, run=run)
    run = actions.purge_apply(run=run)
    assert run.results[kind.name] == 3
    assert purged[0][0] == school and purged[0][2] == headteacher
    assert purged[0][1].isoformat() == run.plan[kind.name]["cutoff"]


def test_a_minimum_above_the_default_is_refused_at_registration():
    with pytest.raises(ValueError):
        RecordType(name="x", label="x", minimum_days=10, default_days=5, minimum_basis="",
                   purpose="", seen_by="view_concerns", count=lambda s, c: 0,
                   purge=lambda s, c, a: 0)


def test_another_schools_audit_events_are_left_alone(headteacher, outsider, school,
                                                    other_school, teacher, make_person):
    someone = make_person("teacher", school=other_school, username="theirs")
    with years_ago(8):
        directory.person_leave(actor=headteacher, person=teacher)
        directory.person_leave(actor=outsider, person=someone)
    theirs = AuditEvent.objects.filter(school=other_school, event_type="person_left").get()
    run = actions.purge_prepare(actor=headteacher, school=school)
    actions.purge_confirm(actor=headteacher, run=run)
    actions.purge_apply(run=run)
    theirs_now = AuditEvent.objects.get(pk=theirs.pk)
    assert theirs_now.object_label == theirs.object_label and "purge_seal" not in \
        theirs_now.details
    ours = AuditEvent.objects.get(school=school, event_type="person_left")
    assert ours.object_label == "" and "purge_seal" in ours.details
    assert verify_trail().ok


def test_the_trail_is_purged_in_pages(headteacher, school, teacher, monkeypatch, make_person):
    monkeypatch.setattr(purging, "BATCH", 2)
    with years_ago(8):
        for n in range(5):
            person = make_person("teacher", username=f"leaver{n}")
            directory.person_leave(actor=headteacher, person=person)
    from django.utils import timezone

    expected = purging.audit_count(school, timezone.now())
    assert expected >= 5
    from django.db import transaction

    with transaction.atomic():
        assert purging.audit_purge(school, timezone.now(), headteacher) == expected
    assert purging.audit_count(school, timezone.now()) == 0
    assert verify_trail().ok


def test_an_altered_event_is_not_sealed_and_still_reported(headteacher, school, teacher):
    with years_ago(8):
        directory.person_leave(actor=headteacher, person=teacher)
    row = AuditEvent.objects.get(event_type="person_left")
    guards.remove(connection, {"audit_auditevent"})
    QuerySet.update(AuditEvent.objects.filter(pk=row.pk), object_label="changed by hand")
    guards.install(connection, {"audit_auditevent"})
    run = actions.purge_prepare(actor=headteacher, school=school)
    actions.purge_confirm(actor=headteacher, run=run)
    run = actions.purge_apply(run=run)
    assert any("already altered" in problem for problem in run.problems)
    assert AuditEvent.objects.get(pk=row.pk).object_label == "changed by hand"
    assert f"audit trail: event {row.seq} was altered" in verify_trail().problems


def test_one_types_failure_leaves_the_others_purged(headteacher, school, teacher):
    def broken(school, cutoff, actor):
        raise RuntimeError("the app's removal is broken")

    registry.register(RecordType(
        name="test_broken", label="Broken (test)", minimum_days=1, default_days=1,
        minimum_basis="", purpose="", seen_by="view_concerns", count=lambda s, c: 1,
        purge=broken))
    try:
        with years_ago(8):
            directory.person_leave(actor=headteacher, person=teacher)
        run = actions.purge_prepare(actor=headteacher, school=school)
        actions.purge_confirm(actor=headteacher, run=run)
        run = actions.purge_apply(run=run)
    finally:
        registry._TYPES.pop("test_broken")
    assert run.state == "done"
    assert run.results["test_broken"] == 0 and run.results["audit"] >= 1
    assert any(p.startswith("Broken (test): could not be removed (RuntimeError)")
               for p in run.problems)
    assert guards.missing(connection) == []
    assert verify_trail().ok
