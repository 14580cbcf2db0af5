"""Need-to-know, with an outsider case for every screen."""

import pytest
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.incidents import actions
from esafety.incidents.access import access_level, team_incidents
from tests.incidents.conftest import PNG

INCIDENT_GETS = ["incidents:detail", "incidents:record"]
INCIDENT_POSTS = ["incidents:edit", "incidents:acknowledge", "incidents:note",
                  "incidents:evidence_add", "incidents:investigator_add", "incidents:viewer_add",
                  "incidents:police", "incidents:judge", "incidents:close", "incidents:reopen",
                  "incidents:rate", "incidents:sanction", "incidents:takedown_add",
                  "incidents:owner", "incidents:next_action"]


@pytest.fixture
def full_case(substantiated, dsl, bully):
    investigated = substantiated
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    rating = actions.misuse_rate(actor=dsl, incident=investigated, person=bully, rating="mild")
    made = actions.sanction_record(actor=dsl, incident=investigated, person=bully,
                                   kind="letter_to_parents", reasons="First time")
    import datetime

    takedown = actions.takedown_request(actor=dsl, incident=investigated, target="site",
                                        target_name="ChatApp", sent_on=datetime.date.today())
    return {"incident": investigated, "shot": shot, "sanction": made, "takedown": takedown,
            "rating": rating, "bully": bully}


def _every_url(case):
    pk = case["incident"].pk
    urls = [("get", reverse(name, args=[pk])) for name in INCIDENT_GETS]
    urls += [("post", reverse(name, args=[pk])) for name in INCIDENT_POSTS]
    urls += [("get", reverse("incidents:evidence_file", args=[pk, case["shot"].pk])),
             ("post", reverse("incidents:evidence_withdraw", args=[pk, case["shot"].pk])),
             ("post", reverse("incidents:screenshot_sign", args=[pk, case["shot"].pk])),
             ("get", reverse("incidents:letter", args=[pk, case["sanction"].pk])),
             ("post", reverse("incidents:takedown_update", args=[pk, case["takedown"].pk])),
             ("post", reverse("incidents:involvement", args=[pk])),
             ("post", reverse("incidents:involvement_remove", args=[pk, case["bully"].pk])),
             ("post", reverse("incidents:rating_withdraw", args=[pk, case["rating"].pk])),
             ("get", reverse("incidents:chronology", args=[case["incident"].reported_by_id]))]
    return urls


def test_an_outsider_gets_404_on_every_incident_screen(full_case, outsider, client_for):
    client = client_for(outsider)
    for method, url in _every_url(full_case):
        response = getattr(client, method)(url, {"reason": "x", "text": "x", "confirm": "on"})
        assert response.status_code == 404, url


def test_a_teacher_who_did_not_report_it_gets_404_on_every_screen(full_case, teacher, client_for):
    client = client_for(teacher)
    for method, url in _every_url(full_case):
        assert getattr(client, method)(url, {"text": "x"}).status_code == 404, url


def test_the_reporter_gets_404_on_the_investigation_screens(full_case, pupil, client_for):
    client = client_for(pupil)
    for method, url in _every_url(full_case):
        if url.endswith(f"/{full_case['incident'].pk}/") or url.endswith("/evidence/"):
            continue  # their status page and adding to their own report
        assert getattr(client, method)(url, {"text": "x"}).status_code == 404, url


def test_a_missing_incident_is_the_same_404(dsl, client_for):
    assert client_for(dsl).get(reverse("incidents:detail", args=[999999])).status_code == 404


def test_the_dsl_online_safety_lead_and_headteacher_see_the_schools_incidents(
        reported, dsl, online_safety_lead, headteacher, client_for):
    for person in (dsl, online_safety_lead, headteacher):
        page = client_for(person).get(reverse("incidents:detail", args=[reported.pk]))
        assert page.status_code == 200
        assert "Investigation" in page.content.decode()


def test_an_assistant_head_sees_only_cases_they_investigate(reported, dsl, assistant_head,
                                                            client_for):
    url = reverse("incidents:detail", args=[reported.pk])
    assert client_for(assistant_head).get(url).status_code == 404
    actions.investigator_add(actor=dsl, incident=reported, person=assistant_head)
    assert client_for(assistant_head).get(url).status_code == 200


def test_every_view_of_an_incident_is_recorded(reported, dsl, pupil, client_for):
    client_for(dsl).get(reverse("incidents:detail", args=[reported.pk]))
    client_for(pupil).get(reverse("incidents:detail", args=[reported.pk]))
    views = AuditEvent.objects.filter(event_type="incident_viewed", object_id=str(reported.pk))
    assert sorted(v.actor_id for v in views) == sorted([dsl.pk, pupil.pk])


def test_a_refused_view_is_not_recorded_as_a_view(reported, outsider, client_for):
    client_for(outsider).get(reverse("incidents:detail", args=[reported.pk]))
    assert not AuditEvent.objects.filter(event_type="incident_viewed").exists()


def test_the_list_shows_each_person_only_what_they_may_see(reported, dsl, teacher, pupil,
                                                           client_for):
    assert reported.reference in client_for(dsl).get(reverse("incidents:home")).content.decode()
    assert reported.reference in client_for(pupil).get(reverse("incidents:home")).content.decode()
    assert reported.reference not in client_for(teacher).get(
        reverse("incidents:home")).content.decode()


@pytest.fixture
def allegation(teacher, make_person):
    reporter = make_person(roles.SUPPORT_STAFF, username="ta")
    return actions.incident_report(actor=reporter, kind="staff_misuse", subject_staff=teacher,
                                   description="Saw Mr Teach messaging a pupil on Instagram")


def test_an_allegation_against_staff_is_visible_only_to_the_headteacher(
        allegation, headteacher, dsl, online_safety_lead, teacher):
    assert access_level(headteacher, allegation) == "team"
    assert access_level(dsl, allegation) is None
    assert access_level(online_safety_lead, allegation) is None
    assert access_level(teacher, allegation) is None  # the person it is about
    assert access_level(allegation.reported_by, allegation) == "reporter"


def test_the_headteacher_adds_people_to_an_allegation(allegation, headteacher, dsl, client_for):
    url = reverse("incidents:detail", args=[allegation.pk])
    assert client_for(dsl).get(url).status_code == 404
    response = client_for(headteacher).post(reverse("incidents:viewer_add", args=[allegation.pk]),
                                            {"viewer-person": dsl.pk})
    assert response.status_code == 302
    assert client_for(dsl).get(url).status_code == 200


def test_only_the_owner_adds_people_to_an_allegation(allegation, headteacher, dsl,
                                                     online_safety_lead):
    actions.allegation_viewer_add(actor=headteacher, incident=allegation, person=dsl)
    with pytest.raises(Exception) as refused:
        actions.allegation_viewer_add(actor=dsl, incident=allegation, person=online_safety_lead)
    assert refused.value.code == "not-allowed"


def test_an_allegation_against_the_headteacher_goes_to_the_chair_of_governors(
        headteacher, dsl, governor, make_person, django_capture_on_commit_callbacks):
    from django.core import mail

    actions.incident_settings_update(actor=dsl, school=dsl.school, designated_person=dsl,
                                     chair_of_governors=governor,
                                     letter_template="Dear {parent_name}")
    reporter = make_person(roles.TEACHER, username="whistle")
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=reporter, kind="staff_misuse",
                                           subject_staff=headteacher,
                                           description="The head shared pupil photos publicly")
    assert access_level(governor, incident) == "team"
    assert access_level(headteacher, incident) is None
    assert access_level(dsl, incident) is None
    assert [m.to for m in mail.outbox] == [[governor.email]]
    assert "allegation about a member of staff" in mail.outbox[0].subject


def test_a_chronology_lists_everything_about_a_person_newest_first(with_bully, dsl, bully,
                                                                   client_for):
    actions.misuse_rate(actor=dsl, incident=with_bully, person=bully, rating="serious")
    page = client_for(dsl).get(reverse("incidents:chronology", args=[bully.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert text.index("Misuse rated serious") < text.index("Cyberbullying:")
    assert AuditEvent.objects.filter(event_type="person_chronology_viewed").count() == 1


def test_a_chronology_is_only_for_leaders_of_the_same_school(pupil, teacher, outsider,
                                                              client_for):
    url = reverse("incidents:chronology", args=[pupil.pk])
    assert client_for(teacher).get(url).status_code == 404
    assert client_for(pupil).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_a_chronology_leaves_out_allegations_the_viewer_cannot_see(allegation, dsl, teacher,
                                                                    client_for):
    page = client_for(dsl).get(reverse("incidents:chronology", args=[teacher.pk]))
    assert allegation.reference not in page.content.decode()
    assert allegation not in team_incidents(dsl)


def test_settings_and_governors_report_are_not_for_everyone(teacher, pupil, outsider, client_for,
                                                            dsl, headteacher):
    for person in (teacher, pupil):
        assert client_for(person).get(reverse("incidents:settings")).status_code == 404
        assert client_for(person).get(reverse("incidents:governors_report")).status_code == 404
    assert client_for(dsl).get(reverse("incidents:settings")).status_code == 200
    assert client_for(headteacher).get(reverse("incidents:governors_report")).status_code == 200


def test_an_outsider_reading_the_governors_report_sees_only_their_own_school(
        reported, outsider, client_for):
    page = client_for(outsider).get(reverse("incidents:governors_report"))
    assert page.status_code == 200
    assert page.context["report"].total == 0


def test_a_pupils_worry_about_staff_can_be_passed_on_as_an_allegation(
        pupil, dsl, online_safety_lead, headteacher, teacher, client_for,
        django_capture_on_commit_callbacks):
    from django.core import mail

    incident = actions.incident_report(actor=pupil, kind="staff_misuse", via="pupil",
                                       description="A teacher keeps messaging me on Snapchat",
                                       people=[pupil])
    actions.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(dsl).post(reverse("incidents:subject", args=[incident.pk]),
                                        {"subject-person": teacher.pk})
    assert response.status_code == 302 and response.url == reverse("incidents:home")
    incident.refresh_from_db()
    assert incident.subject_staff == teacher
    assert access_level(headteacher, incident) == "team"
    assert access_level(dsl, incident) is None
    assert access_level(online_safety_lead, incident) is None  # stood down, kept on record
    assert access_level(pupil, incident) == "reporter"
    assert incident.investigators.count() == 0
    assert [m.to for m in mail.outbox] == [[headteacher.email]]


def test_seeing_the_list_of_cases_is_recorded_too(reported, dsl, teacher, client_for):
    client_for(dsl).get(reverse("incidents:home"))
    client_for(teacher).get(reverse("incidents:home"))
    [seen] = AuditEvent.objects.filter(event_type="incident_list_viewed")
    assert seen.actor_id == dsl.pk and seen.details["incidents"] == [reported.pk]


def test_an_outsiders_settings_page_offers_only_their_own_schools_people(dsl, outsider,
                                                                          client_for):
    page = client_for(outsider).get(reverse("incidents:settings"))
    assert page.status_code == 200
    choices = list(page.context["form"].fields["designated_person"].queryset)
    assert dsl not in choices and outsider in choices
    response = client_for(outsider).post(reverse("incidents:settings"), {
        "designated_person": dsl.pk, "letter_template": "Dear {parent_name}"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


# --- extra access on an allegation is for senior staff, and read only ---------

@pytest.fixture
def colleague(make_person):
    return make_person(roles.TEACHER, username="colleague")


@pytest.mark.parametrize("who", ["pupil", "parent", "colleague", "governor", "it_manager"])
def test_only_senior_staff_can_be_given_access_to_an_allegation(who, request, allegation,
                                                                headteacher, client_for):
    from esafety.incidents.models import AllegationViewer

    person = request.getfixturevalue(who)
    with pytest.raises(Exception) as refused:
        actions.allegation_viewer_add(actor=headteacher, incident=allegation, person=person)
    assert refused.value.code == "not-senior"
    client = client_for(headteacher)
    choices = client.get(reverse("incidents:detail", args=[allegation.pk])).context[
        "viewer_form"].fields["person"].queryset
    assert person not in choices
    assert all(p.role in roles.SENIOR_ROLES for p in choices)
    response = client.post(reverse("incidents:viewer_add", args=[allegation.pk]),
                           {"viewer-person": person.pk})
    assert response.status_code == 400
    assert not AllegationViewer.objects.exists()
    assert client_for(person).get(reverse("incidents:detail",
                                          args=[allegation.pk])).status_code == 404


def test_someone_given_access_reads_the_allegation_but_changes_nothing(allegation, headteacher,
                                                                       dsl, client_for):
    from esafety.errors import NotAllowed
    from esafety.incidents.models import IncidentEvent

    actions.allegation_viewer_add(actor=headteacher, incident=allegation, person=dsl)
    assert access_level(dsl, allegation) == "viewer"
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[allegation.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "You can read this allegation but not change it" in text
    assert reverse("incidents:note", args=[allegation.pk]) not in text
    assert reverse("incidents:involvement", args=[allegation.pk]) not in text
    before = IncidentEvent.objects.filter(incident=allegation).count()
    for name, data in (("note", {"note-text": "I will handle this"}),
                       ("judge", {"judgement-outcome": "no_substance",
                                  "judgement-reasons": "Nothing in it"}),
                       ("investigator_add", {"investigator-person": dsl.pk}),
                       ("acknowledge", {})):
        response = client.post(reverse(f"incidents:{name}", args=[allegation.pk]), data)
        assert response.status_code == 403, name
    with pytest.raises(NotAllowed):
        actions.incident_note(actor=dsl, incident=allegation, text="x")
    with pytest.raises(NotAllowed):
        actions.evidence_add(actor=dsl, incident=allegation, kind="note", text="x")
    assert IncidentEvent.objects.filter(incident=allegation).count() == before


def test_the_headteacher_makes_a_reader_an_investigator_and_then_they_act(allegation,
                                                                           headteacher, dsl):
    actions.allegation_viewer_add(actor=headteacher, incident=allegation, person=dsl)
    actions.investigator_add(actor=headteacher, incident=allegation, person=dsl)
    assert access_level(dsl, allegation) == "team"
    actions.incident_note(actor=dsl, incident=allegation, text="Met the reporter")


def test_access_given_to_a_pupil_before_the_rule_opens_nothing(allegation, headteacher, pupil,
                                                                client_for):
    from django.utils import timezone

    from esafety.incidents.models import AllegationViewer

    AllegationViewer.objects.create(incident=allegation, person=pupil, added_by=headteacher,
                                    added_at=timezone.now())
    assert access_level(pupil, allegation) is None
    assert allegation not in team_incidents(pupil)
    assert client_for(pupil).get(reverse("incidents:detail",
                                         args=[allegation.pk])).status_code == 404


# --- the accused cannot move the case ---------------------------------------

@pytest.fixture
def head_accused(headteacher, dsl, governor, make_person):
    actions.incident_settings_update(actor=dsl, school=dsl.school, designated_person=dsl,
                                     chair_of_governors=governor,
                                     letter_template="Dear {parent_name}")
    reporter = make_person(roles.TEACHER, username="whistle")
    return actions.incident_report(actor=reporter, kind="staff_misuse", subject_staff=headteacher,
                                   description="The head shared pupil photos publicly")


def test_an_accused_headteacher_cannot_take_the_case_from_the_chair(head_accused, headteacher,
                                                                     make_person, dsl,
                                                                     online_safety_lead,
                                                                     governor):
    from esafety.incidents.access import settings_for

    friendly = make_person(roles.GOVERNOR, username="friend")
    for chair, designated in ((friendly, dsl), (None, dsl), (governor, online_safety_lead)):
        with pytest.raises(Exception) as refused:
            actions.incident_settings_update(actor=headteacher, school=headteacher.school,
                                             designated_person=designated,
                                             chair_of_governors=chair,
                                             letter_template="Dear {parent_name}")
        assert refused.value.code == "subject-of-allegation"
    conf = settings_for(headteacher.school)
    assert (conf.chair_of_governors, conf.designated_person) == (governor, dsl)
    # The letter to parents is not about the case: it can still be changed.
    actions.incident_settings_update(actor=headteacher, school=headteacher.school,
                                     designated_person=dsl, chair_of_governors=governor,
                                     letter_template="Dear {parent_name}, hello")
    assert access_level(governor, head_accused) == "team"


def test_the_settings_page_locks_the_chair_for_the_accused(head_accused, headteacher,
                                                           make_person, governor, client_for):
    from esafety.incidents.access import settings_for

    friendly = make_person(roles.GOVERNOR, username="friend")
    client = client_for(headteacher)
    page = client.get(reverse("incidents:settings"))
    assert "An allegation about you is open" in page.content.decode()
    client.post(reverse("incidents:settings"), {
        "chair_of_governors": friendly.pk, "designated_person": "",
        "letter_template": "Dear {parent_name}"})
    assert settings_for(headteacher.school).chair_of_governors == governor
    assert access_level(headteacher, head_accused) is None


def test_another_leader_can_still_name_the_chair_and_the_head_can_once_it_is_closed(
        head_accused, headteacher, dsl, online_safety_lead, governor, make_person):
    other = make_person(roles.GOVERNOR, username="newchair")
    actions.incident_settings_update(actor=dsl, school=dsl.school, designated_person=dsl,
                                     chair_of_governors=other, letter_template="Dear {parent_name}")
    actions.investigator_add(actor=other, incident=head_accused, person=dsl)
    actions.investigator_add(actor=other, incident=head_accused, person=online_safety_lead)
    actions.incident_judge(actor=other, incident=head_accused, outcome="no_substance",
                           reasons="Photos were the school's own, published with consent")
    actions.incident_close(actor=other, incident=head_accused)
    actions.incident_settings_update(actor=headteacher, school=headteacher.school,
                                     designated_person=dsl, chair_of_governors=governor,
                                     letter_template="Dear {parent_name}")


def test_an_accused_dsl_cannot_change_the_designated_person(allegation, dsl, teacher,
                                                              online_safety_lead, headteacher):
    accused = actions.incident_report(actor=teacher, kind="staff_misuse", subject_staff=dsl,
                                      description="The DSL shared a pupil's file")
    with pytest.raises(Exception) as refused:
        actions.incident_settings_update(actor=dsl, school=dsl.school,
                                         designated_person=online_safety_lead,
                                         chair_of_governors=None,
                                         letter_template="Dear {parent_name}")
    assert refused.value.code == "subject-of-allegation"
    assert accused.is_allegation


@pytest.mark.parametrize("who", ["teacher", "pupil", "parent", "governor", "it_manager"])
def test_incident_settings_are_only_for_the_headteacher_and_dsl(who, request, client_for):
    person = request.getfixturevalue(who)
    client = client_for(person)
    assert client.get(reverse("incidents:settings")).status_code == 404
    assert client.post(reverse("incidents:settings"),
                       {"letter_template": "Dear {parent_name}"}).status_code == 404


def test_a_reader_of_a_closed_allegation_sees_it_closed_but_cannot_reopen_it(
        allegation, headteacher, dsl, online_safety_lead, assistant_head, client_for):
    actions.investigator_add(actor=headteacher, incident=allegation, person=dsl)
    actions.investigator_add(actor=headteacher, incident=allegation, person=online_safety_lead)
    actions.incident_judge(actor=dsl, incident=allegation, outcome="no_substance",
                           reasons="The messages were about a school trip, sent by the office")
    actions.incident_close(actor=dsl, incident=allegation)
    actions.allegation_viewer_add(actor=headteacher, incident=allegation, person=assistant_head)
    client = client_for(assistant_head)
    text = client.get(reverse("incidents:detail", args=[allegation.pk])).content.decode()
    assert "Closed by Dev Safeguard" in text
    assert reverse("incidents:reopen", args=[allegation.pk]) not in text
    response = client.post(reverse("incidents:reopen", args=[allegation.pk]),
                           {"reopen-reason": "I disagree"})
    assert response.status_code == 403
    allegation.refresh_from_db()
    assert allegation.status == "closed"
