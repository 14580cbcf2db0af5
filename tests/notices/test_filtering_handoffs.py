"""Unblock requests and internet suspensions: approvers, the requester, the leads, the form
tutor, and parents and carers (in plain words) are told after commit."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.filtering import actions, notifications
from esafety.filtering.models import UnblockRequest
from esafety.notices.models import Notice


def soon(**delta):
    return timezone.now() + datetime.timedelta(**(delta or {"minutes": 1}))


def ask(teacher, **fields):
    fields.setdefault("starts_at", soon())
    fields.setdefault("ends_at", soon(days=2))
    return actions.unblock_request(actor=teacher, site="www.example.org/robots", groups=["ks3"],
                                   reason="Robotics club looks at this page each week.",
                                   **fields)


def test_an_unblock_request_reaches_the_approvers_after_commit(
        teacher, it_manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(teacher)
        assert mail.outbox == []
    notice = Notice.objects.get(kind="unblock_requested")
    assert notice.recipient == it_manager and notice.about_id == request.pk
    assert [m.to for m in mail.outbox] == [[it_manager.email]]
    assert f"/filtering/unblocks/{request.pk}/" in mail.outbox[0].body
    assert "Robotics club" not in mail.outbox[0].body  # where to look, not what


def test_a_rolled_back_request_tells_nobody(teacher, it_manager,
                                            django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            ask(teacher)
            raise RuntimeError("something else failed")
    assert callbacks == [] and mail.outbox == [] and not Notice.objects.exists()


@pytest.mark.parametrize("decision", ["approved", "refused"])
def test_the_requester_is_told_the_decision(decision, teacher, it_manager,
                                            django_capture_on_commit_callbacks):
    request = ask(teacher)
    with django_capture_on_commit_callbacks(execute=True):
        if decision == "approved":
            actions.unblock_approve(actor=it_manager, request=request)
        else:
            actions.unblock_refuse(actor=it_manager, request=request, note="Use the club's "
                                   "own site instead.")
    notice = Notice.objects.get(kind="unblock_decided")
    assert notice.recipient == teacher and decision in notice.title


def test_an_unblock_ending_within_a_day_is_told_once(teacher, it_manager):
    request = ask(teacher, starts_at=soon(minutes=-5), ends_at=soon(hours=20))
    actions.unblock_approve(actor=it_manager, request=request)
    later = ask(teacher, ends_at=soon(days=3))
    actions.unblock_approve(actor=it_manager, request=later)
    Notice.objects.all().delete()
    assert notifications.unblocks_ending(teacher.school_id) == 1
    assert notifications.unblocks_ending(teacher.school_id) == 0
    notice = Notice.objects.get(kind="unblock_ending")
    assert notice.recipient == teacher and notice.about_id == request.pk


def test_a_teacher_who_turned_routine_emails_off_still_gets_the_notice(
        teacher, it_manager, django_capture_on_commit_callbacks):
    from esafety.notices.actions import preferences_update

    preferences_update(actor=it_manager, email_routine=False)
    with django_capture_on_commit_callbacks(execute=True):
        ask(teacher)
    notice = Notice.objects.get(kind="unblock_requested")
    assert notice.email_skipped and notice.emailed_at is None and mail.outbox == []


def test_a_suspension_tells_the_leads_the_form_tutor_and_the_parents_in_plain_words(
        dsl, online_safety_lead, it_manager, pupil, parent, make_person,
        django_capture_on_commit_callbacks):
    tutor = make_person(roles.TEACHER, username="tutor", form=pupil.form)
    with django_capture_on_commit_callbacks(execute=True):
        suspension = actions.internet_suspend(
            actor=it_manager, pupil=pupil, starts_at=soon(), ends_at=soon(hours=2),
            reason="Playing games in an ICT lesson after two warnings (002 \u00a74, "
                   "004 Appendix I).")
    staff = set(Notice.objects.filter(kind="suspension_made").values_list("recipient",
                                                                          flat=True))
    assert staff == {dsl.pk, online_safety_lead.pk, tutor.pk}
    told = Notice.objects.get(kind="parent_told")
    assert told.recipient == parent and told.about_type == "suspension"
    assert told.about_id == suspension.pk
    [message] = [m for m in mail.outbox if m.to == [parent.email]]
    assert "Playing games in an ICT lesson after two warnings" in message.body
    for code in ("002", "004", "\u00a7", "Appendix"):
        assert code not in message.body


def test_a_lifted_suspension_is_told_too(dsl, it_manager, pupil, parent,
                                         django_capture_on_commit_callbacks):
    suspension = actions.internet_suspend(actor=it_manager, pupil=pupil, starts_at=soon(),
                                          ends_at=soon(hours=2), reason="Games in ICT.")
    Notice.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        actions.internet_suspension_lift(actor=it_manager, suspension=suspension)
    assert Notice.objects.filter(kind="suspension_lifted", recipient=dsl).exists()
    assert Notice.objects.filter(kind="parent_told", recipient=parent).exists()


def test_a_suspension_when_the_mail_server_is_down_is_recorded_never_silent(
        dsl, it_manager, pupil, parent, mail_server_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.internet_suspend(actor=it_manager, pupil=pupil, starts_at=soon(),
                                 ends_at=soon(hours=2), reason="Games in ICT.")
    failed = AuditEvent.objects.filter(event_type="notice_email_failed")
    assert {e.details["kind"] for e in failed} == {"suspension_made", "parent_told"}
    assert Notice.objects.get(recipient=parent).email_error


def test_a_suspension_with_no_parent_linked_is_recorded(it_manager, pupil,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.internet_suspend(actor=it_manager, pupil=pupil, starts_at=soon(),
                                 ends_at=soon(hours=2), reason="Games in ICT.")
    assert any("no parent" in e.details["error"]
               for e in AuditEvent.objects.filter(event_type="filtering_email_failed"))


def test_unblock_request_status_is_untouched_by_telling(teacher, it_manager,
                                                        mail_server_down,
                                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        request = ask(teacher)
    request.refresh_from_db()
    assert request.status == UnblockRequest.PENDING
    assert AuditEvent.objects.filter(event_type="notice_email_failed").exists()
