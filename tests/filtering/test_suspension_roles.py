"""Internet suspensions are seen, made and lifted only by the roles the filtering policy
names (DSL, online safety lead, headteacher, IT manager), never longer than the school
allows; one an incident's sanction made is lifted only by the DSL or the headteacher, with
a reason."""

import pytest

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import actions
from esafety.filtering.models import FilteringSettings, InternetSuspension

from .conftest import soon

ALLOWED = [roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER, roles.IT_MANAGER]
WRONG = [roles.TEACHER, roles.SUPPORT_STAFF, roles.PUPIL, roles.GOVERNOR,
         roles.ASSISTANT_HEAD, roles.BUSINESS_MANAGER, roles.PARENT]


def suspend(actor, pupil, **extra):
    fields = {"starts_at": soon(), "ends_at": soon(hours=1), "reason": "Games in ICT."}
    fields.update(extra)
    return actions.internet_suspend(actor=actor, pupil=pupil, **fields)


def form(pupil, **extra):
    data = {"pupil": pupil.username, "starts_at": soon().strftime("%Y-%m-%dT%H:%M"),
            "ends_at": soon(hours=1).strftime("%Y-%m-%dT%H:%M"), "reason": "Games in ICT."}
    data.update(extra)
    return data


@pytest.mark.parametrize("role", WRONG)
def test_wrong_roles_neither_see_nor_make_nor_lift_suspensions(
        imported, make_person, client_for, pupil, dsl, role):
    someone = make_person(role)
    existing = suspend(dsl, pupil)
    before = AuditEvent.objects.count()
    client = client_for(someone)
    assert client.get("/filtering/suspensions/").status_code == 404
    assert client.post("/filtering/suspensions/", form(pupil)).status_code == 404
    assert client.post(f"/filtering/suspensions/{existing.pk}/lift/",
                       {"reason": "x"}).status_code == 404
    with pytest.raises(NotAllowed):
        suspend(someone, pupil)
    with pytest.raises(NotAllowed):
        actions.internet_suspension_lift(actor=someone, suspension=existing, reason="x")
    existing.refresh_from_db()
    assert existing.lifted_at is None
    assert InternetSuspension.objects.count() == 1
    assert AuditEvent.objects.count() == before


def test_a_teacher_does_not_see_the_suspensions_card(imported, client_for, teacher, dsl):
    assert "Suspensions" not in client_for(teacher).get("/filtering/").content.decode()
    assert "Suspensions" in client_for(dsl).get("/filtering/").content.decode()


@pytest.mark.parametrize("role", ALLOWED)
def test_the_roles_the_policy_names_see_make_and_lift_suspensions(
        imported, make_person, client_for, pupil, role):
    someone = make_person(role)
    client = client_for(someone)
    assert client.get("/filtering/suspensions/").status_code == 200
    response = client.post("/filtering/suspensions/", form(pupil))
    assert response.status_code == 302
    made = InternetSuspension.objects.get()
    assert made.created_by == someone
    client.post(f"/filtering/suspensions/{made.pk}/lift/", {"reason": "Apologised."})
    made.refresh_from_db()
    assert (made.lifted_by, made.lift_reason) == (someone, "Apologised.")
    assert AuditEvent.objects.get(event_type="internet_suspension_lifted").after["reason"] == (
        "Apologised.")


def test_a_ten_year_suspension_is_refused_with_a_clear_error(imported, dsl, pupil):
    with pytest.raises(InvalidInput, match="at most 28 days") as caught:
        suspend(dsl, pupil, ends_at=soon(days=3650))
    assert caught.value.code == "period-long"
    assert not InternetSuspension.objects.exists()


def test_the_form_refuses_a_suspension_longer_than_the_school_allows(imported, client_for, dsl,
                                                                    pupil, school):
    FilteringSettings.objects.filter(school=school).update(max_suspension_days=3)
    response = client_for(dsl).post("/filtering/suspensions/", form(
        pupil, ends_at=soon(days=4).strftime("%Y-%m-%dT%H:%M")))
    assert response.status_code == 200
    assert "A suspension can last at most 3 days" in response.content.decode()
    assert not InternetSuspension.objects.exists()
    garbage = client_for(dsl).post("/filtering/suspensions/", form(pupil, ends_at="soon"))
    assert garbage.status_code == 200
    assert not InternetSuspension.objects.exists()


def test_the_school_sets_the_maximum_within_a_term(imported, it_manager, school):
    with pytest.raises(InvalidInput, match="1 to 92 days"):
        actions.filtering_settings_update(actor=it_manager, school=school,
                                          approver_roles=["it_manager"], alert_threshold=5,
                                          alert_window_minutes=30, max_suspension_days=3650)
    actions.filtering_settings_update(actor=it_manager, school=school,
                                      approver_roles=["it_manager"], alert_threshold=5,
                                      alert_window_minutes=30, max_suspension_days=5)
    assert actions.settings_for(school).max_suspension_days == 5


@pytest.mark.parametrize("role", [roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD])
def test_a_suspension_from_an_incident_sanction_is_not_lifted_by_other_roles(
        imported, make_person, client_for, dsl, pupil, role):
    sanction = suspend(dsl, pupil, incident_reference="INC-2026-0003")
    other = make_person(role)
    with pytest.raises(NotAllowed, match="INC-2026-0003") as caught:
        actions.internet_suspension_lift(actor=other, suspension=sanction, reason="Fine now.")
    assert caught.value.code == "incident-sanction"
    page = client_for(other).get("/filtering/suspensions/").content.decode()
    assert "only the designated safeguarding lead or the headteacher can lift it" in page
    assert f"/filtering/suspensions/{sanction.pk}/lift/" not in page
    client_for(other).post(f"/filtering/suspensions/{sanction.pk}/lift/", {"reason": "x"})
    sanction.refresh_from_db()
    assert sanction.lifted_at is None


def test_the_dsl_lifts_an_incident_sanction_only_with_a_reason_and_it_is_audited(
        imported, dsl, headteacher, pupil):
    sanction = suspend(dsl, pupil, incident_reference="INC-2026-0003")
    with pytest.raises(InvalidInput, match="say why"):
        actions.internet_suspension_lift(actor=headteacher, suspension=sanction, reason=" ")
    actions.internet_suspension_lift(actor=headteacher, suspension=sanction,
                                     reason="Appeal upheld by the head.")
    sanction.refresh_from_db()
    assert (sanction.lifted_by, sanction.lift_reason) == (headteacher,
                                                          "Appeal upheld by the head.")
    event = AuditEvent.objects.get(event_type="internet_suspension_lifted")
    assert event.after["incident"] == "INC-2026-0003"
    assert event.after["reason"] == "Appeal upheld by the head."


def test_an_incident_sanction_marks_its_suspension_with_the_incident(imported, dsl, pupil):
    from esafety.incidents.actions import sanctions

    outcome = sanctions._suspend_internet(
        actor=dsl, pupil=pupil, starts_at=soon(), ends_at=soon(hours=1),
        reason="INC-2026-0009: games after two warnings", incident_reference="INC-2026-0009")
    assert outcome == "Applied through web filtering"
    assert InternetSuspension.objects.get().incident_reference == "INC-2026-0009"


def test_a_teacher_recording_a_sanction_is_told_it_was_recorded_only(imported, teacher, pupil):
    from esafety.incidents.actions import sanctions

    outcome = sanctions._suspend_internet(
        actor=teacher, pupil=pupil, starts_at=soon(), ends_at=soon(hours=1),
        reason="INC-2026-0009: games", incident_reference="INC-2026-0009")
    assert outcome.startswith("Recorded only")
    assert not InternetSuspension.objects.exists()


def test_the_pupil_is_chosen_with_the_person_picker_and_a_typed_name_works_without_javascript(
        imported, client_for, dsl, pupil):
    client = client_for(dsl)
    page = client.get("/filtering/suspensions/").content.decode()
    assert '<label for="id_pupil">Pupil</label>' in page
    assert "Pip Pupil (pupil)" in page  # a short list is a drop-down of the school's pupils
    response = client.post("/filtering/suspensions/", {**form(pupil), "pupil": "Pip Pupil"})
    assert response.status_code == 302
    assert InternetSuspension.objects.get().pupil == pupil


def test_only_current_pupils_of_the_school_can_be_chosen(imported, client_for, dsl, pupil,
                                                          teacher, make_person, other_school):
    elsewhere = make_person(roles.PUPIL, school=other_school, username="pip.elsewhere",
                            first_name="Pip", last_name="Elsewhere")
    leaver = make_person(roles.PUPIL, username="pip.left", first_name="Pip", last_name="Left")
    leaver.is_active = False
    leaver.save()
    client = client_for(dsl)
    for typed in (teacher.username, elsewhere.username, "Pip Elsewhere", leaver.username):
        response = client.post("/filtering/suspensions/", {**form(pupil), "pupil": typed})
        assert response.status_code == 200, typed
        assert "can be chosen here" in response.content.decode(), typed
    assert not InternetSuspension.objects.exists()
