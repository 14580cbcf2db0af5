"""A case's owner and its next action with a due date: who may set them, the reasons, the
history and the audit rows, and what the pages show."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import actions, chain
from esafety.incidents.models import IncidentEvent


def _today():
    return timezone.localdate()


def test_the_dsl_makes_an_investigator_the_owner(investigated, dsl, online_safety_lead):
    actions.case_owner_set(actor=dsl, incident=investigated, person=online_safety_lead)
    investigated.refresh_from_db()
    assert investigated.owner == online_safety_lead
    event = IncidentEvent.objects.filter(incident=investigated).order_by("-seq").first()
    assert event.kind == "owner_set"
    assert event.data["person"] == online_safety_lead.pk
    row = AuditEvent.objects.get(event_type="incident_owner_set")
    assert row.actor == dsl
    assert row.object_id == str(investigated.pk)
    assert row.details["person"] == online_safety_lead.pk
    assert row.details["before"] is None
    # The owner is part of the sealed state: the history still checks out.
    assert chain.verify_incident(investigated).problems == []


def test_an_owner_changed_behind_esafetys_back_is_found(investigated, dsl, online_safety_lead):
    actions.case_owner_set(actor=dsl, incident=investigated, person=dsl)
    type(investigated).objects.filter(pk=investigated.pk).update(owner=online_safety_lead)
    assert chain.verify_incident(investigated).problems


def test_the_owner_must_already_work_on_the_case(reported, dsl, assistant_head):
    with pytest.raises(InvalidInput, match="name them an investigator first"):
        actions.case_owner_set(actor=dsl, incident=reported, person=assistant_head)
    assert not AuditEvent.objects.filter(event_type="incident_owner_set").exists()
    actions.investigator_add(actor=dsl, incident=reported, person=assistant_head)
    actions.case_owner_set(actor=dsl, incident=reported, person=assistant_head)
    reported.refresh_from_db()
    assert reported.owner == assistant_head


def test_the_owner_must_be_senior_staff_in_the_school(reported, dsl, teacher, outsider):
    with pytest.raises(InvalidInput, match="senior member of staff"):
        actions.case_owner_set(actor=dsl, incident=reported, person=teacher)
    with pytest.raises(InvalidInput, match="not in your school"):
        actions.case_owner_set(actor=dsl, incident=reported, person=outsider)
    reported.refresh_from_db()
    assert reported.owner is None


def test_only_the_dsl_or_head_chooses_the_owner(investigated, online_safety_lead, headteacher,
                                                  dsl):
    with pytest.raises(NotAllowed):
        actions.case_owner_set(actor=online_safety_lead, incident=investigated, person=dsl)
    actions.case_owner_set(actor=headteacher, incident=investigated, person=dsl)
    actions.case_owner_set(actor=dsl, incident=investigated, person=None)
    investigated.refresh_from_db()
    assert investigated.owner is None
    assert [r.details["person"] for r in AuditEvent.objects.filter(
        event_type="incident_owner_set").order_by("seq")] == [dsl.pk, None]


def test_an_allegations_owner_is_chosen_by_the_headteacher_not_the_dsl(
        teacher, make_person, headteacher, dsl):
    reporter = make_person(roles.SUPPORT_STAFF, username="ta")
    allegation = actions.incident_report(actor=reporter, kind="staff_misuse",
                                         subject_staff=teacher,
                                         description="Messaging a pupil on Instagram")
    with pytest.raises(NotAllowed):
        actions.case_owner_set(actor=dsl, incident=allegation, person=headteacher)
    with pytest.raises(InvalidInput, match="name them an investigator first"):
        actions.case_owner_set(actor=headteacher, incident=allegation, person=dsl)
    actions.case_owner_set(actor=headteacher, incident=allegation, person=headteacher)
    allegation.refresh_from_db()
    assert allegation.owner == headteacher


def test_setting_the_same_owner_again_says_so(investigated, dsl):
    actions.case_owner_set(actor=dsl, incident=investigated, person=dsl)
    with pytest.raises(Conflict):
        actions.case_owner_set(actor=dsl, incident=investigated, person=dsl)
    assert AuditEvent.objects.filter(event_type="incident_owner_set").count() == 1


def test_a_next_action_is_set_with_a_reason_kept_in_the_history(investigated,
                                                                online_safety_lead):
    due = _today() + datetime.timedelta(days=7)
    actions.next_action_set(actor=online_safety_lead, incident=investigated,
                            action="Meet the parents", due=due, reason="Parents asked to meet")
    investigated.refresh_from_db()
    assert (investigated.next_action, investigated.next_action_due) == ("Meet the parents", due)
    assert not investigated.is_overdue
    event = IncidentEvent.objects.filter(incident=investigated).order_by("-seq").first()
    assert event.kind == "next_action_set"
    assert event.data["reason"] == "Parents asked to meet"
    row = AuditEvent.objects.get(event_type="incident_next_action_set")
    assert row.details["due"] == due.isoformat()
    # The trail says the date moved; the words stay in the case's own history.
    assert "Parents asked" not in str(row.details)


@pytest.mark.parametrize("kwargs,message", [
    ({"action": "Call", "due": None, "reason": "x"}, "date the next action is due"),
    ({"action": "", "due": "today", "reason": "x"}, "what must be done"),
    ({"action": "Call", "due": "today", "reason": "  "}, "say why"),
    ({"action": "Call", "due": "yesterday", "reason": "x"}, "that date has passed"),
    ({"action": "x" * 201, "due": "today", "reason": "x"}, "200 characters"),
])
def test_a_next_action_needs_what_when_and_why(investigated, dsl, kwargs, message):
    dates = {"today": _today(), "yesterday": _today() - datetime.timedelta(days=1), None: None}
    with pytest.raises(InvalidInput, match=message):
        actions.next_action_set(actor=dsl, incident=investigated, action=kwargs["action"],
                                due=dates[kwargs["due"]], reason=kwargs["reason"])
    assert not AuditEvent.objects.filter(event_type="incident_next_action_set").exists()


def test_someone_not_on_the_case_cannot_set_its_next_action(reported, teacher, assistant_head):
    for person in (teacher, assistant_head):
        with pytest.raises(NotAllowed):
            actions.next_action_set(actor=person, incident=reported, action="Call",
                                    due=_today(), reason="x")


def test_a_past_due_date_is_overdue_until_the_case_closes(investigated, dsl):
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    with actions.recorded_at(three_days_ago):
        actions.next_action_set(actor=dsl, incident=investigated, action="Call the parents",
                                due=timezone.localtime(three_days_ago).date(),
                                reason="Agreed at the first meeting")
    investigated.refresh_from_db()
    assert investigated.is_overdue
    investigated.status = "closed"
    assert not investigated.is_overdue


def test_clearing_the_next_action_needs_a_reason_too(investigated, dsl):
    actions.next_action_set(actor=dsl, incident=investigated, action="Call", due=_today(),
                            reason="Agreed")
    actions.next_action_set(actor=dsl, incident=investigated, action="", due=None,
                            reason="Parents called us first")
    investigated.refresh_from_db()
    assert investigated.next_action_due is None
    assert [r.details["due"] for r in AuditEvent.objects.filter(
        event_type="incident_next_action_set").order_by("seq")] == [_today().isoformat(), None]


def test_the_case_page_sets_the_owner_and_next_action(investigated, dsl, online_safety_lead,
                                                     client_for):
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Choose who owns the case" in page
    response = client.post(reverse("incidents:owner", args=[investigated.pk]),
                           {"owner-person": online_safety_lead.pk})
    assert response.status_code == 302
    due = (_today() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("incidents:next_action", args=[investigated.pk]),
                           {"next-action": "Speak to the class", "next-due": due,
                            "next-reason": "Agreed with the head of year"})
    assert response.status_code == 302
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Olu Safety (Online safety lead)" in page
    assert "Speak to the class" in page
    assert "Agreed with the head of year" in page  # in the history


def test_the_online_safety_lead_is_not_offered_the_owner_form(investigated,
                                                              online_safety_lead, client_for):
    page = client_for(online_safety_lead).get(
        reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Choose who owns the case" not in page
    assert "Set the next action" in page
    response = client_for(online_safety_lead).post(
        reverse("incidents:owner", args=[investigated.pk]),
        {"owner-person": online_safety_lead.pk})
    assert response.status_code == 400
    assert "only the DSL or the headteacher" in response.content.decode()


@pytest.mark.parametrize("data", [
    {"next-action": "Call", "next-due": "not a date", "next-reason": "x"},
    {"next-action": "Call", "next-due": "2001-01-01", "next-reason": "x"},
    {"next-action": "Call", "next-due": "", "next-reason": "x"},
    {"next-action": "Call", "next-due": "2999-01-01"},
    {"next-action": "x" * 400, "next-due": "2999-01-01", "next-reason": "x"},
    {"next-action": "a\x00b", "next-due": "2999-01-01", "next-reason": "x"},
])
def test_bad_next_action_input_gets_a_message_never_a_500(investigated, dsl, client_for, data):
    response = client_for(dsl).post(reverse("incidents:next_action", args=[investigated.pk]),
                                    data)
    assert response.status_code == 400
    assert response.context["next_form"].errors
    assert not AuditEvent.objects.filter(event_type="incident_next_action_set").exists()


@pytest.mark.parametrize("value", ["abc", "999999", "", "-1"])
def test_bad_owner_input_never_500s(investigated, dsl, client_for, value):
    response = client_for(dsl).post(reverse("incidents:owner", args=[investigated.pk]),
                                    {"owner-person": value})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(event_type="incident_owner_set").exists()


def test_a_closed_case_keeps_its_owner_but_takes_no_changes(substantiated, dsl):
    with pytest.raises(Conflict):
        actions.next_action_set(actor=dsl, incident=substantiated, action="", due=None,
                                reason="x")


def test_the_printed_record_names_the_owner_and_the_next_action(investigated, dsl,
                                                               online_safety_lead, client_for):
    actions.case_owner_set(actor=dsl, incident=investigated, person=online_safety_lead)
    actions.next_action_set(actor=dsl, incident=investigated, action="Meet the parents",
                            due=_today() + datetime.timedelta(days=2), reason="They asked")
    pdf = client_for(dsl).get(reverse("incidents:record", args=[investigated.pk]))
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Olu Safety" in text.split("Owner", 1)[1]
    assert "Meet the parents" in text
    assert "why: They asked" in text


def test_passing_a_case_on_as_an_allegation_takes_it_from_an_owner_who_can_no_longer_see_it(
        investigated, dsl, teacher, headteacher):
    actions.case_owner_set(actor=dsl, incident=investigated, person=dsl)
    actions.allegation_subject_set(actor=dsl, incident=investigated, person=teacher)
    investigated.refresh_from_db()
    assert investigated.owner is None
    assert chain.verify_incident(investigated).problems == []


def test_the_headteacher_keeps_a_case_they_own_when_it_becomes_an_allegation(
        investigated, dsl, teacher, headteacher):
    actions.investigator_add(actor=dsl, incident=investigated, person=headteacher)
    actions.case_owner_set(actor=dsl, incident=investigated, person=headteacher)
    actions.allegation_subject_set(actor=dsl, incident=investigated, person=teacher)
    investigated.refresh_from_db()
    assert investigated.owner == headteacher


def test_the_owner_cannot_be_recorded_as_an_alleged_perpetrator(reported, dsl, headteacher):
    actions.case_owner_set(actor=dsl, incident=reported, person=headteacher)
    with pytest.raises(InvalidInput, match="owns this case"):
        actions.involvement_set(actor=dsl, incident=reported, person=headteacher,
                                part="alleged")
    assert reported.part_of(headteacher) is None
