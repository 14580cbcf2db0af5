"""Policy documents, versions and reviews."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.policies import actions, status


def test_publishing_a_version_is_audited_with_before_and_after(headteacher, publish):
    publish(roles.AUDIENCE_STAFF, "1.0")
    publish(roles.AUDIENCE_STAFF, "2.0")
    event = AuditEvent.objects.filter(event_type="policy_published").first()
    assert event.before["number"] == "1.0" and event.after["number"] == "2.0"
    assert event.actor == headteacher


def test_a_version_number_cannot_be_published_twice(publish):
    publish(roles.AUDIENCE_STAFF, "1.0")
    with pytest.raises(Conflict):
        publish(roles.AUDIENCE_STAFF, "1.0")


def test_one_aup_per_audience(headteacher, school, publish):
    publish(roles.AUDIENCE_STAFF)
    with pytest.raises(Conflict):
        actions.policy_document_create(actor=headteacher, school=school, title="Another",
                                       audience=roles.AUDIENCE_STAFF)


def test_a_teacher_cannot_publish(teacher, headteacher, school, client_for):
    document = actions.policy_document_create(actor=headteacher, school=school, title="Online safety")
    with pytest.raises(NotAllowed):
        actions.policy_publish(actor=teacher, document=document, number="1", text="x",
                               approved_by="GB", approved_on=timezone.localdate(),
                               review_due=timezone.localdate() + datetime.timedelta(days=1))
    assert client_for(teacher).get(f"/policies/{document.pk}/publish/").status_code == 404


def test_the_publish_form_validates_dates_and_never_fails(headteacher, school, client_for):
    document = actions.policy_document_create(actor=headteacher, school=school, title="Online safety")
    response = client_for(headteacher).post(f"/policies/{document.pk}/publish/", {
        "number": "1.0", "text": "Text", "approved_by": "GB", "approved_on": "2026-05-01",
        "review_due": "2026-04-01"})
    assert response.status_code == 200
    assert "The review date must be after the approval date." in response.content.decode()
    response = client_for(headteacher).post(f"/policies/{document.pk}/publish/", {"approved_on": "banana"})
    assert response.status_code == 200
    assert not document.versions.exists()


def test_publishing_through_the_web(headteacher, school, client_for):
    client = client_for(headteacher)
    response = client.post("/policies/new/", {"title": "Staff AUP", "audience": roles.AUDIENCE_STAFF,
                                              "review_every_months": 12})
    document = school.policies.get(title="Staff AUP")
    assert response["Location"] == f"/policies/{document.pk}/publish/"
    client.post(f"/policies/{document.pk}/publish/", {
        "number": "1.0", "text": "Be safe.", "approved_by": "GB",
        "approved_on": timezone.localdate().isoformat(),
        "review_due": (timezone.localdate() + datetime.timedelta(days=365)).isoformat()})
    assert document.current_version().number == "1.0"
    assert client.get("/").status_code == 302  # the headteacher must now accept it too


def test_the_responsible_person_sees_reviews_due_or_overdue(headteacher, online_safety_lead, school, client_for):
    today = timezone.localdate()
    for title, due in (("Overdue policy", -10), ("Due policy", 20), ("Fine policy", 200)):
        document = actions.policy_document_create(actor=headteacher, school=school, title=title,
                                                  responsible_person=online_safety_lead)
        actions.policy_publish(actor=headteacher, document=document, number="1", text="t",
                               approved_by="GB", approved_on=today - datetime.timedelta(days=400),
                               review_due=today + datetime.timedelta(days=due))

    due = status.reviews_due(school, online_safety_lead)
    assert [(v.document.title, v.review_state()) for v in due] == [
        ("Overdue policy", "overdue"), ("Due policy", "due")]
    assert status.reviews_due(school, headteacher) == []
    page = client_for(online_safety_lead).get("/policies/").content.decode()
    assert "You are responsible for 2 policies due for review" in page


def test_review_dates_must_follow_approval(headteacher, school):
    document = actions.policy_document_create(actor=headteacher, school=school, title="P")
    with pytest.raises(InvalidInput):
        actions.policy_publish(actor=headteacher, document=document, number="1", text="t",
                               approved_by="GB", approved_on=timezone.localdate(),
                               review_due=timezone.localdate())


def test_policies_of_another_school_are_not_found(outsider, headteacher, school, client_for):
    document = actions.policy_document_create(actor=headteacher, school=school, title="P")
    assert client_for(outsider).get(f"/policies/{document.pk}/").status_code == 404
    assert client_for(outsider).get(f"/policies/{document.pk}/publish/").status_code == 404
    assert "P" not in [r["document"].title for r in client_for(outsider).get("/policies/").context["rows"]]


def test_pupils_and_parents_do_not_see_the_policy_admin(pupil, parent, client_for):
    assert client_for(pupil).get("/policies/").status_code == 404
    assert client_for(parent).get("/policies/").status_code == 404
