"""Nobody climbs: one grant table, the head gives senior roles, nobody their own."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import actions, permissions, roles
from esafety.directory.models import Person
from esafety.errors import NotAllowed
from esafety.incidents.models import STATUS_CLOSED, Incident, IncidentSettings


@pytest.fixture
def business_manager(make_person):
    return make_person(roles.BUSINESS_MANAGER, username="bm", first_name="Bea", last_name="Money")


@pytest.fixture
def chair(make_person, school):
    person = make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")
    IncidentSettings.objects.create(school=school, chair_of_governors=person)
    return person


def allegation_about(person, *, status="open"):
    return Incident.objects.create(
        school=person.school, reference=f"INC-T-{person.pk}-{status}", kind="staff_misuse",
        status=status, summary="Allegation", description="About a member of staff",
        reported_by=person, reported_at=timezone.now(), subject_staff=person)


# --- the table ---------------------------------------------------------------------------

def test_the_grant_table_gives_senior_roles_to_the_headteacher_alone():
    for role in roles.PROTECTED_ROLES:
        holders = {giver for giver, given in permissions.GRANTS.items() if role in given}
        assert holders == {roles.HEADTEACHER}, role
    for manager in (roles.BUSINESS_MANAGER, roles.IT_MANAGER):
        assert permissions.GRANTS[manager] == {
            roles.TEACHER, roles.SUPPORT_STAFF, roles.SUPPLY_TEACHER, roles.TRAINEE,
            roles.VISITOR, roles.PUPIL, roles.PARENT}
        assert manager not in permissions.GRANTS[manager]  # not even their own


@pytest.mark.parametrize("role", sorted(roles.ROLE_LABELS))
def test_nobody_grants_a_role_above_their_own(role, make_person):
    actor = make_person(role)
    for given in permissions.grantable_roles(actor):
        if role != roles.HEADTEACHER:
            assert given not in roles.PROTECTED_ROLES
            assert given not in {roles.HEADTEACHER, roles.BUSINESS_MANAGER, roles.IT_MANAGER}


# --- changing a role --------------------------------------------------------------------

def test_the_headteacher_makes_a_teacher_dsl_and_it_is_audited(headteacher, teacher):
    actions.person_role_change(actor=headteacher, person=teacher, role=roles.DSL)

    teacher.refresh_from_db()
    assert teacher.role == roles.DSL
    event = AuditEvent.objects.get(event_type="role_changed")
    assert event.actor == headteacher and event.object_id == str(teacher.pk)
    assert event.details == {"from": "teacher", "to": "dsl", "senior_or_safeguarding": True}
    assert (event.before["role"], event.after["role"]) == ("teacher", "dsl")


@pytest.mark.parametrize("role", sorted(roles.PROTECTED_ROLES))
def test_a_business_manager_cannot_give_a_senior_role(role, business_manager, teacher):
    with pytest.raises(NotAllowed, match="only the headteacher can give"):
        actions.person_role_change(actor=business_manager, person=teacher, role=role)
    teacher.refresh_from_db()
    assert teacher.role == roles.TEACHER
    assert not AuditEvent.objects.filter(event_type="role_changed").exists()


def test_an_it_manager_cannot_make_themselves_headteacher(it_manager):
    with pytest.raises(NotAllowed, match="own role"):
        actions.person_role_change(actor=it_manager, person=it_manager, role=roles.HEADTEACHER)
    it_manager.refresh_from_db()
    assert it_manager.role == roles.IT_MANAGER


def test_a_business_manager_cannot_demote_the_headteacher(business_manager, headteacher):
    with pytest.raises(NotAllowed, match="only the headteacher"):
        actions.person_role_change(actor=business_manager, person=headteacher, role=roles.TEACHER)
    with pytest.raises(NotAllowed, match="only the headteacher"):
        actions.person_leave(actor=business_manager, person=headteacher)
    headteacher.refresh_from_db()
    assert headteacher.role == roles.HEADTEACHER and headteacher.is_active


def test_a_business_manager_still_manages_teachers_and_guests(business_manager, teacher):
    moment = timezone.now() + datetime.timedelta(days=3)
    actions.person_role_change(actor=business_manager, person=teacher, role=roles.SUPPLY_TEACHER,
                               access_expires_at=moment)
    teacher.refresh_from_db()
    assert (teacher.role, teacher.access_expires_at) == (roles.SUPPLY_TEACHER, moment)
    actions.person_leave(actor=business_manager, person=teacher)


def test_the_operator_gives_any_role(school, teacher, django_user_model):
    operator = Person.objects.create_superuser("operator", "op@example.org", "x" * 12)
    actions.person_role_change(actor=operator, person=teacher, role=roles.HEADTEACHER)
    teacher.refresh_from_db()
    assert teacher.role == roles.HEADTEACHER


def test_the_role_page_offers_only_what_you_may_give(business_manager, headteacher, teacher,
                                                      client_for):
    page = client_for(business_manager).get(f"/people/{teacher.pk}/").content.decode()
    assert 'value="support_staff"' in page and 'value="dsl"' not in page
    assert 'value="headteacher"' not in page
    own = client_for(business_manager).get(f"/people/{business_manager.pk}/").content.decode()
    assert "Change role" not in own
    head_page = client_for(business_manager).get(f"/people/{headteacher.pk}/").content.decode()
    assert "Change role" not in head_page and "Record as a leaver" not in head_page
    assert 'value="dsl"' in client_for(headteacher).get(f"/people/{teacher.pk}/").content.decode()


def test_a_forged_role_post_changes_nothing(business_manager, teacher, client_for):
    response = client_for(business_manager).post(f"/people/{teacher.pk}/role/",
                                                 {"role": roles.HEADTEACHER})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.role == roles.TEACHER
    assert not AuditEvent.objects.filter(event_type="role_changed").exists()


def test_the_headteacher_changes_a_role_on_the_web(headteacher, teacher, client_for):
    response = client_for(headteacher).post(f"/people/{teacher.pk}/role/",
                                            {"role": roles.ONLINE_SAFETY_LEAD})
    assert response.status_code == 302
    teacher.refresh_from_db()
    assert teacher.role == roles.ONLINE_SAFETY_LEAD


def test_another_school_cannot_change_a_role(outsider, teacher, client_for):
    response = client_for(outsider).post(f"/people/{teacher.pk}/role/", {"role": roles.DSL})
    assert response.status_code == 404
    with pytest.raises(NotAllowed):
        actions.person_role_change(actor=outsider, person=teacher, role=roles.DSL)
    teacher.refresh_from_db()
    assert teacher.role == roles.TEACHER


def test_a_teacher_cannot_reach_the_role_page(teacher, pupil, make_person, client_for):
    other = make_person(roles.TEACHER)
    assert client_for(teacher).post(f"/people/{other.pk}/role/",
                                    {"role": roles.DSL}).status_code == 404


# --- an open allegation -----------------------------------------------------------------

def test_an_accused_head_cannot_record_the_chair_as_a_leaver(headteacher, chair, client_for):
    allegation_about(headteacher)

    with pytest.raises(NotAllowed, match="allegation about you is open"):
        actions.person_leave(actor=headteacher, person=chair)
    response = client_for(headteacher).post(f"/people/{chair.pk}/leave/",
                                            {"left_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    chair.refresh_from_db()
    assert chair.is_active and chair.left_on is None
    assert not AuditEvent.objects.filter(event_type="person_left").exists()


def test_an_accused_head_cannot_change_the_chairs_role(headteacher, chair):
    allegation_about(headteacher)
    with pytest.raises(NotAllowed, match="allegation about you is open"):
        actions.person_role_change(actor=headteacher, person=chair, role=roles.TEACHER)
    chair.refresh_from_db()
    assert chair.role == roles.GOVERNOR


def test_an_accused_head_cannot_touch_another_headteacher(headteacher, make_person):
    other_head = make_person(roles.HEADTEACHER)
    allegation_about(headteacher)
    with pytest.raises(NotAllowed):
        actions.person_role_change(actor=headteacher, person=other_head, role=roles.TEACHER)
    with pytest.raises(NotAllowed):
        actions.person_leave(actor=headteacher, person=other_head)


def test_once_the_allegation_is_closed_the_head_may_again(headteacher, chair):
    allegation_about(headteacher, status=STATUS_CLOSED)
    actions.person_leave(actor=headteacher, person=chair)
    chair.refresh_from_db()
    assert not chair.is_active


def test_an_accused_head_still_manages_everyone_else(headteacher, teacher, make_person):
    allegation_about(headteacher)
    other_governor = make_person(roles.GOVERNOR)  # not the chair
    actions.person_role_change(actor=headteacher, person=teacher, role=roles.SUPPORT_STAFF)
    actions.person_leave(actor=headteacher, person=other_governor)


def test_an_accused_teacher_made_head_cannot_touch_the_chair(headteacher, teacher, chair):
    actions.person_role_change(actor=headteacher, person=teacher, role=roles.HEADTEACHER)
    teacher.refresh_from_db()
    allegation_about(teacher)
    with pytest.raises(NotAllowed, match="allegation"):
        actions.person_leave(actor=teacher, person=chair)


# --- the operator on the command line ---------------------------------------------------

def test_the_operator_gives_the_first_headteacher_on_the_command_line(teacher, capsys):
    from django.core.management import call_command

    call_command("people", "role", "teacher", "headteacher", "--school", "hollins-park")

    teacher.refresh_from_db()
    assert teacher.role == roles.HEADTEACHER
    assert "Tom Teach (teacher, Hollins Park School) is now headteacher" in capsys.readouterr().out
    event = AuditEvent.objects.get(event_type="role_changed")
    assert event.actor is None and event.details["to"] == "headteacher"


def test_the_role_command_names_what_is_wrong(teacher):
    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="nobody with the username 'ghost'"):
        call_command("people", "role", "ghost", "teacher")
    with pytest.raises(CommandError, match="needs an end of access"):
        call_command("people", "role", "teacher", "visitor")
    with pytest.raises(CommandError, match="already teacher"):
        call_command("people", "role", "teacher", "teacher")


def test_the_record_history_reads_in_plain_english(headteacher, teacher, client_for):
    actions.person_role_change(actor=headteacher, person=teacher, role=roles.SUPPORT_STAFF)
    page = client_for(headteacher).get(f"/people/{teacher.pk}/").content.decode()
    assert "Changed someone&#x27;s role by Helen Head" in page
    assert "role_changed" not in page
