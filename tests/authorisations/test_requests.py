"""Asking, deciding, using, ending and expiring access: who may, what is recorded, who is told."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.authorisations import actions
from esafety.authorisations.models import APPROVED, EXPIRED, MAILBOX, PENDING, REVOKED
from esafety.authorisations.tasks import expire_authorisations_task
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.notices.models import Notice

REASON = "Parents are still writing to the leaver about coursework"


@pytest.fixture
def leaver(make_person):
    return make_person(roles.TEACHER, first_name="Lee", last_name="Leaver",
                       left_on=timezone.localdate() - datetime.timedelta(days=3))


@pytest.fixture
def asked(school, it_manager, leaver, headteacher):
    return actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                                  subject=leaver, reason=REASON, days=14)


def test_a_request_is_recorded_in_the_audit_trail(asked):
    assert asked.status == PENDING
    assert AuditEvent.objects.filter(event_type="access_requested",
                                     object_id=str(asked.pk)).count() == 1


def test_the_head_is_told_of_a_request_and_the_subject_is_not(
        school, it_manager, leaver, headteacher, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auth = actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                                      subject=leaver, reason=REASON, days=14)
    told = Notice.objects.filter(about_type="authorisation", about_id=auth.pk)
    assert [n.recipient for n in told] == [headteacher]
    assert REASON not in told.get().body


def test_a_role_that_may_not_ask_cannot(school, teacher, leaver):
    with pytest.raises(NotAllowed):
        actions.access_request(actor=teacher, school=school, kind=MAILBOX, subject=leaver,
                               reason=REASON, days=14)


@pytest.mark.parametrize("days", [0, 91])
def test_the_length_is_bounded(school, it_manager, leaver, headteacher, days):
    with pytest.raises(InvalidInput):
        actions.access_request(actor=it_manager, school=school, kind=MAILBOX, subject=leaver,
                               reason=REASON, days=days)


def test_a_reason_is_needed(school, it_manager, leaver, headteacher):
    with pytest.raises(InvalidInput):
        actions.access_request(actor=it_manager, school=school, kind=MAILBOX, subject=leaver,
                               reason="  ", days=3)


def test_nobody_approves_their_own_request(school, headteacher, leaver, dsl):
    actions.nominee_set(actor=headteacher, school=school, nominee=dsl)
    auth = actions.access_request(actor=headteacher, school=school, kind=MAILBOX,
                                  subject=leaver, reason=REASON, days=3)
    with pytest.raises(NotAllowed):
        actions.access_decide(actor=headteacher, auth=auth, approve=True, grounds_confirmed=True)
    assert actions.access_decide(actor=dsl, auth=auth, approve=True,
                                 grounds_confirmed=True).status == APPROVED


def test_the_nominee_decides_a_request_about_the_head(school, it_manager, headteacher, dsl,
                                                     online_safety_lead):
    actions.nominee_set(actor=headteacher, school=school, nominee=dsl)
    auth = actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                                  subject=headteacher, reason=REASON, days=3)
    with pytest.raises(NotAllowed):
        actions.access_decide(actor=headteacher, auth=auth, approve=True, grounds_confirmed=True)
    with pytest.raises(NotAllowed):
        actions.access_decide(actor=online_safety_lead, auth=auth, approve=True,
                              grounds_confirmed=True)
    auth = actions.access_decide(actor=dsl, auth=auth, approve=True, grounds_confirmed=True)
    assert auth.status == APPROVED


def test_approving_needs_reasonable_grounds_and_refusing_a_reason(asked, headteacher):
    with pytest.raises(InvalidInput):
        actions.access_decide(actor=headteacher, auth=asked, approve=True)
    with pytest.raises(InvalidInput):
        actions.access_decide(actor=headteacher, auth=asked, approve=False)
    asked.refresh_from_db()
    assert asked.status == PENDING


def test_a_decision_is_made_once(asked, headteacher):
    actions.access_decide(actor=headteacher, auth=asked, approve=True, grounds_confirmed=True)
    with pytest.raises(Conflict):
        actions.access_decide(actor=headteacher, auth=asked, approve=False, note="no")


def test_approval_sets_the_end_and_tells_the_asker(
        asked, headteacher, it_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        auth = actions.access_decide(actor=headteacher, auth=asked, approve=True,
                                     grounds_confirmed=True)
    assert auth.expires_at == auth.decided_at + datetime.timedelta(days=14)
    assert Notice.objects.filter(recipient=it_manager, kind="access_decided").count() == 1
    assert AuditEvent.objects.filter(event_type="access_approved").count() == 1


def test_only_the_reader_records_a_use_and_only_while_in_force(asked, headteacher, it_manager):
    with pytest.raises(Conflict):
        actions.access_use_record(actor=it_manager, auth=asked, what_was_done="Read mail")
    auth = actions.access_decide(actor=headteacher, auth=asked, approve=True,
                                 grounds_confirmed=True)
    with pytest.raises(NotAllowed):
        actions.access_use_record(actor=headteacher, auth=auth, what_was_done="Read mail")
    use = actions.access_use_record(actor=it_manager, auth=auth,
                                    what_was_done="Forwarded two parent emails to Head of Year 9")
    assert use.authorisation == auth
    assert AuditEvent.objects.filter(event_type="access_used").count() == 1


def test_revoking_ends_it_and_tells_the_reader(
        asked, headteacher, it_manager, django_capture_on_commit_callbacks):
    auth = actions.access_decide(actor=headteacher, auth=asked, approve=True,
                                 grounds_confirmed=True)
    with django_capture_on_commit_callbacks(execute=True):
        auth = actions.access_revoke(actor=headteacher, auth=auth, reason="Mailbox handed over")
    assert auth.status == REVOKED
    assert Notice.objects.filter(recipient=it_manager, kind="access_ended").count() == 1


def test_the_scheduled_job_marks_expired_access_and_tells_once(
        school, asked, headteacher, it_manager, django_capture_on_commit_callbacks):
    auth = actions.access_decide(actor=headteacher, auth=asked, approve=True,
                                 grounds_confirmed=True)
    assert expire_authorisations_task.call(school.pk) == 0
    type(auth).objects.filter(pk=auth.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_authorisations_task.call(school.pk) == 1
        assert expire_authorisations_task.call(school.pk) == 0
    auth.refresh_from_db()
    assert auth.status == EXPIRED
    assert Notice.objects.filter(recipient=it_manager, kind="access_ended").count() == 1
    assert AuditEvent.objects.filter(event_type="access_expired").count() == 1


def test_withdrawing_is_for_the_asker(asked, headteacher, it_manager):
    with pytest.raises(NotAllowed):
        actions.access_withdraw(actor=headteacher, auth=asked)
    assert actions.access_withdraw(actor=it_manager, auth=asked).status == "withdrawn"


def test_the_nominee_must_be_current_staff_here(school, headteacher, pupil, outsider, dsl):
    with pytest.raises(InvalidInput):
        actions.nominee_set(actor=headteacher, school=school, nominee=pupil)
    with pytest.raises(InvalidInput):
        actions.nominee_set(actor=headteacher, school=school, nominee=outsider)
    with pytest.raises(NotAllowed):
        actions.nominee_set(actor=dsl, school=school, nominee=dsl)


def test_a_request_nobody_could_decide_is_refused_with_a_reason(school, it_manager,
                                                                headteacher):
    with pytest.raises(InvalidInput, match="no nominee is named"):
        actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                               subject=headteacher, reason=REASON, days=3)


def test_the_expiry_job_is_scheduled_for_every_school(school, other_school):
    from esafety.web.jobs import JOBS

    job = next(j for j in JOBS if j.name == "access authorisations ending")
    calls = []
    job.run(lambda task, *args: calls.append((task, args)))
    assert calls == [(expire_authorisations_task, (school.pk,)),
                     (expire_authorisations_task, (other_school.pk,))]
