"""Handoffs in the incident log: a new report, an investigator named, a screenshot to sign
off, an allegation routed, a sanction told to parents, a next action due. Each is a notice
and an email after commit, never on rollback, and a failure is recorded."""

import datetime

import pytest
from django.core import mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.incidents import actions, notifications
from esafety.incidents.models import IncidentEvent
from esafety.notices.models import Notice
from tests.incidents.conftest import PNG


def report(pupil):
    return actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                   description="Mean comments about me on a group chat.",
                                   people=[pupil])


def test_a_new_report_is_a_notice_and_an_email_to_the_dsl_with_a_link(
        pupil, dsl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(pupil)
        assert mail.outbox == [] and not Notice.objects.exists()
    notice = Notice.objects.get(recipient=dsl)
    assert notice.kind == "new_report" and notice.emailed_at is not None
    assert notice.path == reverse("incidents:detail", args=[incident.pk])
    body = mail.outbox[0].body
    assert f"/incidents/{incident.pk}/" in body
    assert "Mean comments" not in body and pupil.display_name not in body


def test_an_investigator_named_is_told_after_commit(
        pupil, dsl, online_safety_lead, django_capture_on_commit_callbacks):
    incident = report(pupil)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
        assert not Notice.objects.filter(recipient=online_safety_lead).exists()
    notice = Notice.objects.get(recipient=online_safety_lead)
    assert notice.kind == "investigator_added" and incident.reference in notice.title
    assert [m.to for m in mail.outbox] == [[online_safety_lead.email]]
    assert f"/incidents/{incident.pk}/" in mail.outbox[0].body


def test_a_rolled_back_investigator_tells_nobody(pupil, dsl, online_safety_lead,
                                                  django_capture_on_commit_callbacks):
    incident = report(pupil)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            actions.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
            raise RuntimeError("something else failed")
    assert callbacks == [] and mail.outbox == []
    assert not Notice.objects.filter(recipient=online_safety_lead).exists()


def test_a_screenshot_asks_the_other_investigators_to_sign_it_off(
        investigated, dsl, online_safety_lead, django_capture_on_commit_callbacks):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                             upload=("chat.png", PNG))
    assert list(Notice.objects.filter(kind="signoff_needed")
                .values_list("recipient", flat=True)) == [online_safety_lead.pk]


def test_an_allegation_routed_reaches_the_headteacher_always_by_email(
        pupil, dsl, headteacher, teacher, django_capture_on_commit_callbacks):
    from esafety.notices.actions import preferences_update

    preferences_update(actor=headteacher, email_routine=False)
    incident = report(pupil)
    with django_capture_on_commit_callbacks(execute=True):
        actions.allegation_subject_set(actor=dsl, incident=incident, person=teacher)
    notice = Notice.objects.get(recipient=headteacher, kind="allegation")
    assert notice.emailed_at is not None and not notice.email_skipped
    assert headteacher.email in [m.to[0] for m in mail.outbox]


def test_when_the_mail_server_is_down_the_report_stands_and_the_failure_is_recorded(
        pupil, dsl, mail_server_down, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(pupil)
    notice = Notice.objects.get(recipient=dsl)
    assert notice.emailed_at is None and "ConnectionRefusedError" in notice.email_error
    failed = IncidentEvent.objects.get(incident=incident, kind="notification_failed")
    assert "ConnectionRefusedError" in failed.data["reason"]
    # ...and on the email problems page the IT manager sees (never the case's reference).
    shown = AuditEvent.objects.get(event_type="notice_email_failed")
    assert shown.details["to"] == [dsl.display_name]
    assert incident.reference not in str(shown.details) + shown.object_label


def test_a_sanction_is_explained_to_parents_in_plain_words_and_kept_on_the_case(
        substantiated, dsl, bully, make_person, django_capture_on_commit_callbacks):
    mum = make_person(roles.PARENT, username="mum", first_name="Mo", last_name="Bully")
    mum.children.add(bully)
    actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        actions.sanction_record(
            actor=dsl, incident=substantiated, person=bully, kind="letter_to_parents",
            reasons="Posted unkind comments about a classmate (004 \u00a73.3, 002 "
                    "\"In the Event of Inappropriate Use\").")
    [message] = [m for m in mail.outbox if m.to == [mum.email]]
    assert "Posted unkind comments about a classmate" in message.body
    for code in ("004", "002", "\u00a7", substantiated.reference):
        assert code not in message.body + message.subject
    told = IncidentEvent.objects.get(incident=substantiated, kind="parents_told")
    assert told.data["to"] == [mum.pk] and "unkind comments" in told.data["message"]
    notice = Notice.objects.get(recipient=mum)
    assert notice.about_type == "incident" and notice.about_id == substantiated.pk


def test_a_sanction_with_no_parent_linked_is_recorded_as_not_reached(
        substantiated, dsl, bully, django_capture_on_commit_callbacks):
    actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    with django_capture_on_commit_callbacks(execute=True):
        actions.sanction_record(actor=dsl, incident=substantiated, person=bully,
                                kind="letter_to_parents", reasons="Unkind comments.")
    told = IncidentEvent.objects.get(incident=substantiated, kind="parents_told")
    assert told.data["to"] == [] and "no parent or carer" in told.data["reason"]


def test_a_next_action_due_is_passed_to_the_owner_once_a_day(pupil, dsl):
    incident = report(pupil)
    actions.case_owner_set(actor=dsl, incident=incident, person=dsl)
    actions.next_action_set(actor=dsl, incident=incident, action="Speak to the form tutor",
                            due=timezone.localdate(),
                            reason="Agreed at the case review")
    mail.outbox.clear()
    assert notifications.reviews_due(incident.school_id) == 1
    assert notifications.reviews_due(incident.school_id) == 0  # not twice the same day
    assert Notice.objects.get(kind="review_due").recipient == dsl
    assert len(mail.outbox) == 1


def test_a_failed_routine_email_is_on_the_email_problems_page(
        investigated, dsl, online_safety_lead, it_manager, client_for, mail_server_down):
    notifications.investigator_added(investigated.pk, online_safety_lead.pk)
    event = AuditEvent.objects.get(event_type="notice_email_failed")
    assert event.details["to"] == [online_safety_lead.display_name]
    page = client_for(it_manager).get(reverse("notices:email_problems"))
    assert page.status_code == 200
    assert online_safety_lead.display_name in page.content.decode()
    assert investigated.reference not in page.content.decode()


def test_a_suspension_a_sanction_made_is_explained_to_parents_once(
        substantiated, dsl, bully, make_person, django_capture_on_commit_callbacks):
    dad = make_person(roles.PARENT, username="dad", first_name="Di", last_name="Bully")
    dad.children.add(bully)
    actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    start = timezone.now() + datetime.timedelta(minutes=5)
    with django_capture_on_commit_callbacks(execute=True):
        actions.sanction_record(actor=dsl, incident=substantiated, person=bully,
                                kind="internet_suspension", reasons="Misuse in an ICT lesson.",
                                starts_at=start, ends_at=start + datetime.timedelta(hours=1))
    assert Notice.objects.filter(recipient=dad, kind="parent_told").count() == 1
    assert len([m for m in mail.outbox if m.to == [dad.email]]) == 1
