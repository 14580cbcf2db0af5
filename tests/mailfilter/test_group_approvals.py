"""Addresses a whole year group or form may email: the page, the audit rows, the snapshot,
and the filter letting the pupils of that group (and only them) write there."""

import json

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.mailfilter import engine
from esafety.mailfilter.models import GroupApproval
from esafety.mailfilter.publishing import publish
from tests.mailfilter.conftest import send
from tests.mailfilter.harness import message


def _snapshot(mail_school):
    return json.loads((mail_school["folder"] / engine.SNAPSHOT_FILE).read_bytes())


def test_a_teacher_approves_an_address_for_a_form_and_the_filter_knows_at_once(
        mail_school, mail_filter, sink, client_for, make_person,
        django_capture_on_commit_callbacks):
    teacher = mail_school["teacher"]
    pupil = mail_school["pupil"]
    pupil.form = "8B"
    pupil.save()
    other = make_person(roles.PUPIL, username="ola", email="ola@hollinspark.sch.uk", form="8C")
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(teacher).post("/mail/approved-groups/", {
            "form": "8B", "address": "author@books.example", "note": "Class letters"})
    assert response.status_code == 302
    assert _snapshot(mail_school)["approved"]["pip@hollinspark.sch.uk"] == [
        "author@books.example", "grandma@example.org"]
    assert AuditEvent.objects.filter(event_type="group_approval_added").count() == 1
    raw = message("pip@hollinspark.sch.uk", "author@books.example", "Our letter", "Dear author")
    send(mail_filter.port, "pip@hollinspark.sch.uk", ["author@books.example"], raw)
    assert len(sink.to("author@books.example")) == 1
    raw = message(other.email, "author@books.example", "Our letter", "Dear author")
    send(mail_filter.port, other.email, ["author@books.example"], raw)
    assert len(sink.to("author@books.example")) == 1  # 8C's pupil was refused
    assert "author@books.example" in sink.to(other.email)[0].text


def test_year_group_or_form_is_required_and_bad_addresses_are_refused(mail_school,
                                                                      client_for):
    client = client_for(mail_school["teacher"])
    page = client.post("/mail/approved-groups/", {"address": "a@b.example"}).content.decode()
    assert "Choose a year group or type a form" in page
    page = client.post("/mail/approved-groups/", {"year_group": "8",
                                                  "address": "not an address"}).content.decode()
    assert "is not an email address or a domain" in page
    assert GroupApproval.objects.count() == 0


def test_pupils_and_other_schools_cannot_see_or_change_them(mail_school, client_for, outsider):
    approval = GroupApproval.objects.create(school=mail_school["school"], year_group=8,
                                            address="museum.example")
    assert client_for(mail_school["pupil"]).get("/mail/approved-groups/").status_code == 404
    assert client_for(outsider).post(
        f"/mail/approved-groups/{approval.pk}/remove/").status_code == 404
    assert GroupApproval.objects.count() == 1


def test_removing_one_is_audited_and_republished(mail_school, client_for,
                                                 django_capture_on_commit_callbacks):
    pupil = mail_school["pupil"]
    approval = GroupApproval.objects.create(school=mail_school["school"],
                                            year_group=pupil.year_group, address="museum.example")
    publish(mail_school["school"])
    assert "museum.example" in _snapshot(mail_school)["approved"]["pip@hollinspark.sch.uk"]
    with django_capture_on_commit_callbacks(execute=True):
        client_for(mail_school["teacher"]).post(f"/mail/approved-groups/{approval.pk}/remove/")
    assert GroupApproval.objects.count() == 0
    assert "museum.example" not in _snapshot(mail_school)["approved"]["pip@hollinspark.sch.uk"]
    assert AuditEvent.objects.filter(event_type="group_approval_removed").count() == 1
