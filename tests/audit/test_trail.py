"""The audit trail: every change is recorded, nobody can change or delete a record of it."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from esafety.audit import events
from esafety.audit.models import AuditEvent, AuditRowIsImmutable
from esafety.directory import actions, roles
from esafety.directory.models import Person
from esafety.incidents.models import Incident


@pytest.fixture
def event(headteacher, teacher):
    actions.person_leave(actor=headteacher, person=teacher)
    return AuditEvent.objects.get(event_type="person_left")


def test_an_event_records_who_what_when_before_and_after(event, headteacher, teacher):
    assert event.actor == headteacher and event.actor_label == headteacher.display_name
    assert event.school == headteacher.school
    assert (event.object_type, event.object_id) == ("person", str(teacher.pk))
    assert event.at is not None
    assert event.before["is_active"] is True and event.after["is_active"] is False
    assert ("is_active", True, False) in event.changes


def test_an_event_cannot_be_changed_through_the_model(event):
    event.event_type = "nothing_happened"
    with pytest.raises(AuditRowIsImmutable):
        event.save()
    with pytest.raises(AuditRowIsImmutable):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).event_type == "person_left"


def test_events_cannot_be_changed_or_deleted_in_bulk(event):
    with pytest.raises(AuditRowIsImmutable):
        AuditEvent.objects.filter(pk=event.pk).update(event_type="x")
    with pytest.raises(AuditRowIsImmutable):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_the_database_itself_refuses_changes_and_deletes(event):
    table = AuditEvent._meta.db_table
    for sql in (f"UPDATE {table} SET event_type = 'x' WHERE id = %s",
                f"DELETE FROM {table} WHERE id = %s"):
        with pytest.raises(DatabaseError, match="append-only"):
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).event_type == "person_left"


def test_the_admin_shows_events_but_cannot_change_or_delete_them(event, client, db):
    admin = Person.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    assert client.get("/admin/audit/auditevent/").status_code == 200
    change = client.post(f"/admin/audit/auditevent/{event.pk}/change/", {"event_type": "x"})
    assert change.status_code in (200, 403)
    assert client.post(f"/admin/audit/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.post("/admin/audit/auditevent/", {"action": "delete_selected",
                                                    "_selected_action": [event.pk]}).status_code in (200, 302)
    event.refresh_from_db()
    assert event.event_type == "person_left"
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_a_person_cannot_be_deleted_in_the_admin(teacher, client, db):
    admin = Person.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    assert client.post(f"/admin/directory/person/{teacher.pk}/delete/", {"post": "yes"}).status_code == 403
    assert Person.objects.filter(pk=teacher.pk).exists()


def test_a_change_in_the_admin_is_audited(teacher, client, db):
    admin = Person.objects.create_superuser("root", "root@example.org", "pw-123456789")
    client.force_login(admin)
    page = client.get(f"/admin/directory/person/{teacher.pk}/change/")
    form = page.context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None and not isinstance(v, list)}
    data.update(first_name="Thomas", school=teacher.school_id, role=teacher.role,
                date_joined_0="2026-01-01", date_joined_1="09:00:00")
    response = client.post(f"/admin/directory/person/{teacher.pk}/change/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    event = AuditEvent.objects.get(event_type="person_changed_in_admin")
    assert (event.before["first_name"], event.after["first_name"]) == ("Tom", "Thomas")


def test_the_headteacher_sees_the_trail_of_their_own_school(event, headteacher, outsider, client_for):
    events.record(event_type="person_left", actor=outsider, school=outsider.school,
                  object_label="Someone at Riverside")

    response = client_for(headteacher).get("/audit/")

    shown = [e.object_label for e in response.context["page"]]
    assert event.object_label in shown
    assert "Someone at Riverside" not in shown


def test_the_trail_filters_by_what_happened_and_who(event, headteacher, client_for):
    events.record(event_type="policy_created", actor=headteacher, object_label="Online safety")
    client = client_for(headteacher)
    assert [e.event_type for e in client.get("/audit/", {"event_type": "person_left"}).context["page"]] == ["person_left"]
    assert [e.event_type for e in client.get("/audit/", {"event_type": "policy_created"}).context["page"]] == ["policy_created"]
    assert [e.object_label for e in client.get("/audit/", {"q": "Tom"}).context["page"]] == ["Tom Teach"]
    assert client.get("/audit/", {"since": "not a date"}).status_code == 200


def test_nobody_but_the_headteacher_sees_the_trail(dsl, teacher, pupil, client_for, db):
    for person in (dsl, teacher, pupil):
        assert client_for(person).get("/audit/").status_code == 404


# --- an allegation's reporter is hidden from the person it is about -------

@pytest.fixture
def allegation_about_the_head(headteacher, teacher, make_person):
    from esafety.directory import roles
    from esafety.incidents import actions as incidents

    make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")
    return incidents.incident_report(actor=teacher, kind="staff_misuse",
                                     description="The head shared pupils' data on a personal "
                                                 "account.", subject_staff=headteacher)


def test_the_head_accused_in_an_allegation_does_not_see_who_reported_it(
        allegation_about_the_head, headteacher, teacher, client_for):
    client = client_for(headteacher)
    shown = list(client.get("/audit/").context["page"])
    assert not [e for e in shown if e.object_id == str(allegation_about_the_head.pk)
                and e.object_type == "incident"]
    assert "Tom Teach" not in client.get("/audit/").content.decode()
    # Nor by searching for the reporter, or for what happened.
    assert list(client.get("/audit/", {"q": "Teach"}).context["page"]) == []
    found = client.get("/audit/", {"event_type": "incident_reported"}).context["page"]
    assert list(found) == []
    choices = dict(client.get("/audit/").context["form"].fields["event_type"].choices)
    assert "incident_reported" not in choices
    # The row is still in the trail, for everyone else and for verification.
    assert AuditEvent.objects.filter(event_type="incident_reported", actor=teacher).exists()


def test_the_accused_head_does_not_see_who_reads_their_incident_history(
        allegation_about_the_head, headteacher, dsl, client_for):
    assert client_for(dsl).get(f"/incidents/people/{headteacher.pk}/").status_code == 200
    assert AuditEvent.objects.filter(event_type="person_chronology_viewed").exists()
    rows = client_for(headteacher).get("/audit/").context["page"]
    assert [e for e in rows if e.event_type == "person_chronology_viewed"] == []


def test_the_head_still_sees_who_reported_an_allegation_about_someone_else(
        headteacher, teacher, dsl, client_for):
    from esafety.incidents import actions as incidents

    incidents.incident_report(actor=dsl, kind="staff_misuse", subject_staff=teacher,
                              description="A teacher messaged a pupil privately.")
    rows = client_for(headteacher).get("/audit/", {"event_type": "incident_reported"})
    assert [e.actor_label for e in rows.context["page"]] == [dsl.display_name]


@pytest.fixture
def chair(make_person, headteacher):
    from esafety.incidents.access import settings_for

    person = make_person(roles.GOVERNOR, username="gita", first_name="Gita", last_name="Chair")
    conf = settings_for(headteacher.school)
    conf.chair_of_governors = person
    conf.save()
    return person


@pytest.fixture
def reported_by_teacher(chair, headteacher, teacher):
    from esafety.incidents import actions as incidents

    return incidents.incident_report(actor=teacher, kind="staff_misuse",
                                     description="The head shared pupils' data on a personal "
                                                 "account.", subject_staff=headteacher)


def _shown(client, event_type):
    """The rows of that kind on the trail page as `client` sees it (its first page)."""
    return [e for e in client.get("/audit/").context["page"] if e.event_type == event_type]


def test_the_accused_head_does_not_see_the_chair_open_the_incident_log(
        reported_by_teacher, chair, headteacher, dsl, pupil, client_for):
    """The chair of governors sees only allegations about the head: "the chair viewed the
    incident log" just after a report says there is one."""
    from esafety.incidents import actions as incidents

    incidents.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                              description="Mean comments in the form chat.")
    assert client_for(chair).get("/incidents/").status_code == 200
    assert AuditEvent.objects.filter(event_type="incident_list_viewed", actor=chair).exists()
    # The DSL's view of the log did not show the allegation: the head still sees it.
    assert client_for(dsl).get("/incidents/").status_code == 200
    shown = _shown(client_for(headteacher), "incident_list_viewed")
    assert [e.actor_id for e in shown] == [dsl.pk]
    assert "Gita Chair" not in client_for(headteacher).get("/audit/").content.decode()


def test_the_accused_head_does_not_see_the_case_team_look_up_the_people_in_it(
        reported_by_teacher, chair, headteacher, dsl, teacher, pupil, make_person,
        client_for):
    from esafety.incidents import actions as incidents
    from esafety.incidents import rules

    other_pupil = make_person(roles.PUPIL, first_name="Ola", last_name="Other")
    incidents.investigator_add(actor=chair, incident=reported_by_teacher, person=dsl)
    incidents.involvement_set(actor=dsl, incident=reported_by_teacher, person=pupil,
                              part=rules.PART_WITNESS)
    dsl_client = client_for(dsl)
    # The reporter's history (it lists the allegation), the witness's record: hidden.
    assert dsl_client.get(f"/incidents/people/{teacher.pk}/").status_code == 200
    for someone in (pupil, other_pupil):
        assert dsl_client.get(f"/people/{someone.pk}/").status_code == 200
    head = client_for(headteacher)
    assert _shown(head, "person_chronology_viewed") == []
    viewed = [e.object_id for e in _shown(head, "person_viewed")]
    assert viewed == [str(other_pupil.pk)]  # a pupil with no part in it: shown
    # Once the allegation is closed, what the DSL does from then on is shown again; what
    # they did while it was open stays hidden.
    Incident.objects.filter(pk=reported_by_teacher.pk).update(status="closed",
                                                              closed_at=timezone.now())
    assert dsl_client.get(f"/people/{pupil.pk}/").status_code == 200
    viewed = [e.object_id for e in _shown(head, "person_viewed")]
    assert viewed == [str(pupil.pk), str(other_pupil.pk)]
    assert AuditEvent.objects.filter(event_type="person_viewed", actor=dsl,
                                     object_id=str(pupil.pk)).count() == 2


def test_someone_outside_the_case_looking_at_the_reporter_is_still_shown(
        reported_by_teacher, headteacher, online_safety_lead, teacher, client_for):
    assert client_for(online_safety_lead).get(
        f"/incidents/people/{teacher.pk}/").status_code == 200
    shown = _shown(client_for(headteacher), "person_chronology_viewed")
    assert [(e.actor_id, e.object_id) for e in shown] == [(online_safety_lead.pk,
                                                            str(teacher.pk))]


# --- plain English ----------------------------------------------------------------------

def test_what_happened_is_said_in_plain_english_not_as_an_event_code(headteacher, teacher,
                                                                     pupil, client_for):
    client = client_for(headteacher)
    assert client.get(f"/people/{pupil.pk}/").status_code == 200
    actions.person_leave(actor=headteacher, person=teacher)
    page = client.get("/audit/").content.decode()
    assert "Viewed a person&#x27;s record" in page and "Recorded as a leaver" in page
    assert "person_viewed" not in page.replace('value="person_viewed"', "")
    assert "person_left" not in page.replace('value="person_left"', "")
    assert "Is active" in page and ">is_active<" not in page
    choices = client.get("/audit/").context["form"].fields["event_type"].choices
    assert ("person_viewed", "Viewed a person's record") in choices
