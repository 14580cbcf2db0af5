"""The retention schedule end to end: a dry run counts, the head or DSL confirms, the job
purges by sealing, and the audit trail and the incident histories still verify (on SQLite
and, in the second run, PostgreSQL)."""

from unittest import mock

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from esafety.audit import guards
from esafety.audit.chain import verify_trail
from esafety.audit.models import AuditEvent
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import actions as incidents
from esafety.incidents.chain import verify_incident
from esafety.incidents.models import Evidence, Incident, IncidentEvent
from esafety.retention import actions, registry
from esafety.retention.models import PurgeRun
from esafety.retention.tasks import retention_task
from tests.retention.conftest import years_ago


def _run_confirmed(headteacher, school):
    run = actions.purge_prepare(actor=headteacher, school=school)
    actions.purge_confirm(actor=headteacher, run=run)
    retention_task.call(school.pk)
    run.refresh_from_db()
    return run


def test_a_dry_run_counts_and_removes_nothing(headteacher, school, old_incident):
    run = actions.purge_prepare(actor=headteacher, school=school)
    assert run.plan["incidents"]["count"] == 1
    assert run.plan["concerns"]["count"] == 0
    assert run.plan["audit"]["count"] > 0
    old_incident.refresh_from_db()
    assert "Priya" in old_incident.description
    assert AuditEvent.objects.filter(event_type="retention_dry_run").count() == 1
    assert run.state == PurgeRun.PREPARED


def test_nothing_is_purged_until_confirmed(headteacher, school, old_incident):
    actions.purge_prepare(actor=headteacher, school=school)
    retention_task.call(school.pk)
    old_incident.refresh_from_db()
    assert "Priya" in old_incident.description


def test_a_confirmed_purge_seals_and_every_chain_still_verifies(headteacher, school,
                                                                old_incident):
    before = verify_trail()
    assert before.ok, before.problems
    run = _run_confirmed(headteacher, school)
    assert run.state == PurgeRun.DONE
    assert run.results["incidents"] == 1
    assert run.results["audit"] > 0
    assert run.problems == []
    old_incident.refresh_from_db()
    assert "Priya" not in old_incident.description
    assert old_incident.summary.startswith("(removed")
    assert not Evidence.objects.filter(incident=old_incident).exclude(url="").exists()
    for item in Evidence.objects.filter(incident=old_incident):
        assert "Priya" not in f"{item.text} {item.withdrawn_reason}"
    # No event's content still names anyone; each keeps its place and hash.
    for event in IncidentEvent.objects.filter(incident=old_incident).exclude(
            kind="records_purged"):
        assert "Priya" not in str(event.data)
        assert "purged" in event.data
    assert verify_incident(old_incident).ok, verify_incident(old_incident).problems
    check = verify_trail()
    assert check.ok, check.problems
    purged_rows = AuditEvent.objects.filter(details__has_key="purge_seal")
    assert purged_rows.count() == run.results["audit"]
    assert not purged_rows.exclude(object_label="").exists()
    # One audit entry per type purged.
    assert sorted(AuditEvent.objects.filter(event_type="records_purged")
                  .values_list("object_label", flat=True)) == sorted(run.plan)


def test_evidence_verify_command_passes_after_a_purge(headteacher, school, old_incident):
    _run_confirmed(headteacher, school)
    call_command("evidence", "verify")  # raises SystemExit/CommandError on a problem


def test_a_purged_audit_row_changed_afterwards_fails_verification(headteacher, school,
                                                                  old_incident):
    _run_confirmed(headteacher, school)
    row = AuditEvent.objects.filter(details__has_key="purge_seal").order_by("seq").first()
    guards.remove(connection, {"audit_auditevent"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_type = 'forged' WHERE id = %s",
                       [row.pk])
    guards.install(connection, {"audit_auditevent"})
    assert f"audit trail: event {row.seq} was altered" in verify_trail().problems


def test_a_row_cannot_be_made_to_look_purged_without_the_key(headteacher, school,
                                                             old_incident):
    row = AuditEvent.objects.filter(school=school).order_by("seq").first()
    forged = {"purged": {"content_sha256": "0" * 64}, "purge_seal": "f" * 64}
    guards.remove(connection, {"audit_auditevent"})
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET before = NULL, after = NULL, "
                       "object_label = '' WHERE id = %s", [row.pk])
    from django.db.models import QuerySet
    QuerySet.update(AuditEvent.objects.filter(pk=row.pk), details=forged)
    guards.install(connection, {"audit_auditevent"})
    assert f"audit trail: event {row.seq} was altered" in verify_trail().problems


def test_a_purged_incident_changed_afterwards_fails_verification(headteacher, school,
                                                                  old_incident):
    _run_confirmed(headteacher, school)
    Incident.objects.filter(pk=old_incident.pk).update(description="rewritten later")
    assert "its details were changed outside esafety" in verify_incident(old_incident).problems


def test_the_guards_are_back_after_a_purge(headteacher, school, old_incident):
    _run_confirmed(headteacher, school)
    assert guards.missing(connection) == []
    row = AuditEvent.objects.order_by("seq").first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET object_label = 'x' WHERE id = %s",
                       [row.pk])
    event = IncidentEvent.objects.order_by("pk").first()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE incidents_incidentevent SET actor_label = 'x' WHERE id = %s",
                       [event.pk])


def test_an_open_incident_and_a_recent_one_are_kept(headteacher, school, pupil, dsl,
                                                    old_incident):
    with years_ago(8):
        still_open = incidents.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                               description="Still being looked at.",
                                               people=[pupil])
    _run_confirmed(headteacher, school)
    still_open.refresh_from_db()
    assert still_open.description == "Still being looked at."
    assert verify_incident(still_open).ok


def test_a_period_below_the_legal_minimum_is_refused(headteacher, school):
    with pytest.raises(InvalidInput, match="at least 6 years"):
        actions.retention_set(actor=headteacher, school=school, record_type="incidents",
                              days=365)
    assert not AuditEvent.objects.filter(event_type="retention_set").exists()


def test_the_school_sets_a_longer_period_and_it_is_audited(headteacher, school,
                                                          old_incident):
    actions.retention_set(actor=headteacher, school=school, record_type="incidents",
                          days=10 * 365)
    run = actions.purge_prepare(actor=headteacher, school=school)
    assert run.plan["incidents"]["count"] == 0
    row = AuditEvent.objects.get(event_type="retention_set")
    assert (row.before, row.after) == ({"days": 7 * 365}, {"days": 10 * 365})


def test_the_filter_log_period_is_the_filters_own_setting(headteacher, school):
    from esafety.filtering.actions import settings_for

    actions.retention_set(actor=headteacher, school=school, record_type="filter_logs",
                          days=90)
    assert settings_for(school).log_retention_days == 90
    assert actions.days_for(school, registry.get("filter_logs")) == 90


def test_old_filter_logs_go_with_the_purge(headteacher, school, pupil):
    import datetime

    from django.utils import timezone

    from esafety.filtering.decision_logs import copy_rows, ensure_partitions  # noqa: F401
    from esafety.filtering.models import BlockedAttempt

    old = timezone.now() - datetime.timedelta(days=400)
    new = timezone.now() - datetime.timedelta(days=2)
    for at in (old, new):
        if connection.vendor == "postgresql":
            ensure_partitions(school.pk, [at.date()])
        BlockedAttempt.objects.create(school=school, person=pupil, username=pupil.username,
                                      at=at, url="http://games.example/", rule="category")
    run = _run_confirmed(headteacher, school)
    assert run.plan["filter_logs"]["count"] == 1
    assert list(BlockedAttempt.objects.filter(school=school).values_list("at", flat=True)) \
        == [new]


def test_only_the_head_or_dsl_may_run_or_confirm(teacher, it_manager, headteacher, school):
    for who in (teacher, it_manager):
        with pytest.raises(NotAllowed):
            actions.purge_prepare(actor=who, school=school)
    run = actions.purge_prepare(actor=headteacher, school=school)
    with pytest.raises(NotAllowed):
        actions.purge_confirm(actor=teacher, run=run)


def test_an_outsider_cannot_confirm(outsider, headteacher, school):
    run = actions.purge_prepare(actor=headteacher, school=school)
    with pytest.raises(NotAllowed):
        actions.purge_confirm(actor=outsider, run=run)


def test_a_run_is_confirmed_once(headteacher, school):
    run = actions.purge_prepare(actor=headteacher, school=school)
    actions.purge_confirm(actor=headteacher, run=run)
    with pytest.raises(Conflict):
        actions.purge_confirm(actor=headteacher, run=run)


def test_the_job_prepares_a_weekly_dry_run(school, old_incident):
    retention_task.call(school.pk)
    run = PurgeRun.objects.get(school=school)
    assert run.state == PurgeRun.PREPARED and run.prepared_by is None
    retention_task.call(school.pk)
    assert PurgeRun.objects.filter(school=school).count() == 1


def test_the_head_and_dsl_are_told_of_a_weekly_dry_run(school, headteacher, dsl, teacher,
                                                       old_incident, django_capture_on_commit_callbacks):
    from esafety.notices.models import Notice

    with django_capture_on_commit_callbacks(execute=True):
        retention_task.call(school.pk)
    told = Notice.objects.filter(kind="retention_dry_run")
    assert sorted(n.recipient.username for n in told) == sorted([headteacher.username,
                                                                 dsl.username])
    assert told.first().path == "/retention/"
    with django_capture_on_commit_callbacks(execute=True):
        retention_task.call(school.pk)  # the same run is not announced twice
    assert Notice.objects.filter(kind="retention_dry_run").count() == 2


def test_closed_concerns_and_old_notices_past_their_periods_go(headteacher, dsl, school,
                                                               pupil):
    from esafety.concerns import rules as concern_rules
    from esafety.concerns.actions import concern_close, concern_raise
    from esafety.concerns.models import Concern
    from esafety.notices.models import Notice

    with years_ago(26) as then:
        closed, _ = concern_raise(actor=None, school=school, source=concern_rules.REPORT,
                                  rule="bullying", rule_title="Bullying", topic="bullying",
                                  person=pupil, excerpt="old words", notify=False)
        concern_close(actor=dsl, concern=closed, state=concern_rules.NO_FURTHER_ACTION,
                      reason="Dealt with by the form tutor")
        still_open, _ = concern_raise(actor=None, school=school, source=concern_rules.REPORT,
                                      rule="selfharm", rule_title="Self-harm",
                                      topic="bullying", person=pupil, excerpt="never forget",
                                      notify=False)
        Notice.objects.create(school=school, recipient=dsl, kind="review_due",
                              title="An old notice", created_at=then)
    Notice.objects.create(school=school, recipient=dsl, kind="review_due", title="A new one")
    run = _run_confirmed(headteacher, school)
    assert run.results["concerns"] == 1 and run.results["notices"] == 1
    assert list(Concern.objects.values_list("pk", flat=True)) == [still_open.pk]
    assert list(Notice.objects.filter(kind="review_due").values_list("title", flat=True)) \
        == ["A new one"]


def test_child_protection_and_allegations_are_not_on_the_incident_schedule(
        headteacher, school, pupil, dsl, online_safety_lead, teacher):
    with years_ago(8):
        image = incidents.incident_report(actor=pupil, kind="radicalisation", via="pupil",
                                          people=[pupil],
                                          description="Extremist videos shared in a group.")
        incidents.investigator_add(actor=dsl, incident=image, person=dsl)
        incidents.investigator_add(actor=dsl, incident=image, person=online_safety_lead)
        incidents.incident_judge(actor=dsl, incident=image, outcome="internal",
                                 reasons="Dealt with",
                                 police_override_reason="Advice from the LADO recorded")
        incidents.incident_close(actor=dsl, incident=image)
        police = incidents.incident_report(actor=pupil, kind="sexting", via="pupil",
                                           people=[pupil], description="Described only.")
        incidents.investigator_add(actor=dsl, incident=police, person=dsl)
        incidents.investigator_add(actor=dsl, incident=police, person=online_safety_lead)
        incidents.incident_judge(actor=dsl, incident=police, outcome="police",
                                 reasons="Referred")
        incidents.incident_close(actor=dsl, incident=police)
    image.refresh_from_db()
    assert image.closed_at is not None and not image.police_referral
    run = actions.purge_prepare(actor=headteacher, school=school)
    assert run.plan["incidents"]["count"] == 0
    # Once the concerns' period has passed too, it goes; the police referral never does.
    import datetime as dt

    from django.utils import timezone

    from esafety.retention import purging

    later = timezone.now() + dt.timedelta(days=20 * 365)
    with mock.patch("django.utils.timezone.now", return_value=later):
        assert list(purging.incidents_purgeable(school, later - dt.timedelta(days=7 * 365))) \
            == [image]
