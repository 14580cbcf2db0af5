"""Leavers and guests lose access at once; one school never sees another's people."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import actions, roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from tests.conftest import PASSWORD


def sign_in(username):
    client = Client()
    response = client.post("/sign-in/", {"username": username, "password": PASSWORD})
    return client, response


def test_a_member_of_staff_can_sign_in(teacher):
    client, response = sign_in("teacher")
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_a_leaver_loses_access_on_their_very_next_request(teacher, headteacher):
    client, _ = sign_in("teacher")
    assert client.get("/").status_code == 200

    actions.person_leave(actor=headteacher, person=teacher)

    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")
    refused = sign_in("teacher")[1]  # the right password, plainly refused (003 §5.9)
    assert refused.status_code == 403 and "Your school account has ended" in refused.content.decode()
    teacher.refresh_from_db()
    assert not teacher.is_active and teacher.left_on == timezone.localdate()
    event = AuditEvent.objects.get(event_type="person_left")
    assert event.actor_id == headteacher.pk and event.after["is_active"] is False


def test_a_leaving_date_in_the_future_ends_access_on_that_day(teacher, headteacher):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    actions.person_leave(actor=headteacher, person=teacher, left_on=tomorrow)
    teacher.refresh_from_db()
    assert teacher.can_use_systems()
    teacher.left_on = timezone.localdate()  # the day comes
    teacher.save()
    assert not teacher.can_use_systems()


def test_recording_a_leaver_twice_is_a_conflict(teacher, headteacher):
    actions.person_leave(actor=headteacher, person=teacher)
    with pytest.raises(Conflict):
        actions.person_leave(actor=headteacher, person=teacher)


def test_a_leaver_can_be_reinstated(teacher, headteacher):
    actions.person_leave(actor=headteacher, person=teacher)
    actions.person_reinstate(actor=headteacher, person=teacher)
    assert sign_in("teacher")[1].status_code == 302


def test_a_pupil_leaver_recorded_through_the_web_loses_access(pupil, headteacher, client_for):
    pupil_client, _ = sign_in("pupil")
    response = client_for(headteacher).post(f"/people/{pupil.pk}/leave/",
                                            {"left_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert pupil_client.get("/").status_code == 302


def test_a_guest_cannot_sign_in_after_their_access_expires(make_person):
    guest = make_person(roles.SUPPLY_TEACHER, username="supply",
                        access_expires_at=timezone.now() + datetime.timedelta(minutes=5))
    client, response = sign_in("supply")
    assert response.status_code == 302

    guest.access_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    guest.save()

    assert client.get("/").status_code == 302  # signed out mid-session
    refused = sign_in("supply")[1]
    assert refused.status_code == 403 and "Your guest access has ended" in refused.content.decode()


def test_adding_a_guest_needs_an_end_in_the_future(headteacher, school):
    with pytest.raises(InvalidInput):
        actions.guest_add(actor=headteacher, school=school, role=roles.VISITOR, first_name="A",
                          last_name="B", expires_at=timezone.now() - datetime.timedelta(hours=1))
    guest = actions.guest_add(actor=headteacher, school=school, role=roles.VISITOR, first_name="Lucy",
                              last_name="Fairbairn", password="a-long-password",
                              expires_at=timezone.now() + datetime.timedelta(hours=3))
    assert guest.username == "lucy.fairbairn" and guest.can_use_systems()
    assert AuditEvent.objects.filter(event_type="guest_added", object_id=str(guest.pk)).exists()


def test_the_guest_form_validates_instead_of_failing(headteacher, client_for):
    response = client_for(headteacher).post("/people/guests/new/", {
        "role": "visitor", "first_name": "", "last_name": "X", "expires_at": "not a date",
        "password": "short"})
    assert response.status_code == 200
    assert response.context["form"].errors.keys() >= {"first_name", "expires_at", "password"}


def test_one_school_never_sees_another_schools_people(headteacher, outsider, pupil, client_for):
    outsider_client = client_for(outsider)
    assert outsider_client.get(f"/people/{pupil.pk}/").status_code == 404
    listing = outsider_client.get("/people/?q=Pupil")
    assert pupil.display_name not in listing.content.decode()
    assert client_for(headteacher).get(f"/people/{pupil.pk}/").status_code == 200


def test_a_headteacher_cannot_record_another_schools_leaver(outsider, pupil, client_for):
    response = client_for(outsider).post(f"/people/{pupil.pk}/leave/", {"left_on": "2026-01-01"})
    assert response.status_code == 404
    pupil.refresh_from_db()
    assert pupil.is_active and pupil.left_on is None
    with pytest.raises(NotAllowed):
        actions.person_leave(actor=outsider, person=pupil)


def test_a_teacher_cannot_manage_people(teacher, pupil, client_for):
    assert client_for(teacher).get("/people/").status_code == 404
    assert client_for(teacher).post(f"/people/{pupil.pk}/leave/", {"left_on": "2026-01-01"}).status_code == 404


def test_viewing_a_pupils_record_is_itself_recorded(headteacher, pupil, client_for):
    client_for(headteacher).get(f"/people/{pupil.pk}/")
    event = AuditEvent.objects.get(event_type="person_viewed")
    assert (event.actor_id, event.object_id) == (headteacher.pk, str(pupil.pk))


def test_the_headteacher_sets_when_the_school_year_starts(headteacher, school, client_for):
    response = client_for(headteacher).post("/people/school/", {
        "name": school.name, "year_start_day": 4, "year_start_month": 9, "email_domains": "hp.sch.uk"})
    assert response.status_code == 302
    school.refresh_from_db()
    assert (school.year_start_month, school.year_start_day, school.domains) == (9, 4, ["hp.sch.uk"])
    event = AuditEvent.objects.get(event_type="school_settings_changed")
    assert event.before["year_start_day"] == 1 and event.after["year_start_day"] == 4


def test_an_impossible_year_start_is_refused_without_failing(headteacher, school, client_for):
    response = client_for(headteacher).post("/people/school/", {
        "name": school.name, "year_start_day": 31, "year_start_month": 2})
    assert response.status_code == 200
    assert "That day does not exist in that month." in response.content.decode()
    with pytest.raises(InvalidInput):
        actions.school_update(actor=headteacher, school=school, year_start_month=2, year_start_day=30)


def test_only_the_headteacher_changes_school_settings(it_manager, outsider, client_for):
    assert client_for(it_manager).get("/people/school/").status_code == 404
