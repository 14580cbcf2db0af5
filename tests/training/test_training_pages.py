"""Online safety training: courses, completions, the matrix by role, reminders through the
notices, the training-needs survey and its results."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.notices import kinds
from esafety.notices.models import Notice
from esafety.training import actions, selectors
from esafety.training.demo import load_demo_training
from esafety.training.models import (
    INDUCTION,
    REFRESHER,
    SCALE,
    TEXT,
    YES_NO,
    Completion,
    Course,
    Survey,
)
from esafety.training.tasks import training_reminders_task
from esafety.web import jobs

DAY = datetime.timedelta(days=1)


@pytest.fixture
def refresher(online_safety_lead, school):
    return actions.course_save(actor=online_safety_lead, school=school,
                               name="Annual refresher", kind=REFRESHER, valid_months=12,
                               for_roles=[roles.TEACHER])


@pytest.fixture
def survey(online_safety_lead, school):
    return actions.survey_open(actor=online_safety_lead, school=school, title="Needs",
                               questions=[("Confident?", SCALE), ("AI training?", YES_NO),
                                          ("Anything else?", TEXT)])


def test_lead_adds_a_course_on_the_page_with_an_audit_row(online_safety_lead, client_for):
    response = client_for(online_safety_lead).post("/training/courses/", {
        "name": "Online safety induction", "kind": INDUCTION,
        "for_roles": [roles.TEACHER, roles.SUPPORT_STAFF]})
    assert response.status_code == 302
    course = Course.objects.get()
    assert course.valid_months is None and course.for_roles == [roles.SUPPORT_STAFF,
                                                                 roles.TEACHER]
    assert AuditEvent.objects.get(event_type="course_saved").after["name"] == course.name


def test_a_course_cannot_be_for_pupils(online_safety_lead, school):
    with pytest.raises(InvalidInput):
        actions.course_save(actor=online_safety_lead, school=school, name="x", kind=INDUCTION,
                            valid_months=None, for_roles=[roles.PUPIL])


def test_matrix_shows_complete_due_and_overdue_by_role(online_safety_lead, refresher,
                                                      make_person, client_for):
    today = timezone.localdate()
    done = make_person(roles.TEACHER, first_name="Done")
    due = make_person(roles.TEACHER, first_name="Due")
    late = make_person(roles.TEACHER, first_name="Late")
    actions.completion_record(actor=online_safety_lead, course=refresher, people=[done],
                              completed_on=today)
    actions.completion_record(actor=online_safety_lead, course=refresher, people=[due],
                              completed_on=today - 350 * DAY)
    actions.completion_record(actor=online_safety_lead, course=refresher, people=[late],
                              completed_on=today - 400 * DAY)
    status = {cell.person: cell.status for cell in selectors.cells(refresher.school)}
    assert status == {done: selectors.COMPLETE, due: selectors.DUE, late: selectors.OVERDUE}
    page = client_for(online_safety_lead).get("/training/")
    assert page.status_code == 200
    assert [group["label"] for group in page.context["matrix"]["groups"]] == ["Teacher"]
    assert b"1 complete" in page.content and b"1 due soon" in page.content
    assert AuditEvent.objects.filter(event_type="training_completed").count() == 3


def test_record_page_records_several_people_at_once(online_safety_lead, refresher,
                                                    make_person, client_for):
    people = [make_person(roles.TEACHER) for _ in range(2)]
    response = client_for(online_safety_lead).post("/training/record/", {
        "course": refresher.pk, "people": [p.pk for p in people],
        "completed_on": timezone.localdate().isoformat()})
    assert response.status_code == 302
    assert Completion.objects.filter(course=refresher).count() == 2


def test_a_future_completion_is_refused(online_safety_lead, refresher, teacher):
    with pytest.raises(InvalidInput):
        actions.completion_record(actor=online_safety_lead, course=refresher, people=[teacher],
                                  completed_on=timezone.localdate() + DAY)


def test_teacher_sees_only_their_own_training(teacher, refresher, client_for):
    client = client_for(teacher)
    for url in ["/training/", "/training/mine/"]:
        page = client.get(url)
        assert page.status_code == 200 and b"Annual refresher" in page.content
        assert "matrix" not in page.context
    for url in ["/training/courses/", "/training/record/", "/training/export/",
                "/training/surveys/", f"/training/courses/{refresher.pk}/"]:
        assert client.get(url).status_code == 404, url
    with pytest.raises(NotAllowed):
        actions.completion_record(actor=teacher, course=refresher, people=[teacher],
                                  completed_on=timezone.localdate())


@pytest.mark.parametrize("role", [roles.PUPIL, roles.PARENT])
def test_pupils_and_parents_see_no_training_pages(role, make_person, client_for, survey):
    client = client_for(make_person(role))
    for url in ["/training/", "/training/mine/", f"/training/surveys/{survey.pk}/",
                f"/training/surveys/{survey.pk}/results/"]:
        assert client.get(url).status_code == 404, url


def test_outsider_sees_nothing_of_this_schools_training(outsider, refresher, survey,
                                                       client_for):
    client = client_for(outsider)
    assert client.get(f"/training/courses/{refresher.pk}/").status_code == 404
    assert client.get(f"/training/surveys/{survey.pk}/").status_code == 404
    assert client.get(f"/training/surveys/{survey.pk}/results/").status_code == 404
    assert client.post(f"/training/surveys/{survey.pk}/close/").status_code == 404
    assert client.post(f"/training/surveys/{survey.pk}/", {}).status_code == 404
    assert b"Annual refresher" not in client.get("/training/").content
    survey.refresh_from_db()
    assert survey.closed_on is None and not survey.responses.exists()


def test_reminders_tell_each_person_once_through_the_notices(
        online_safety_lead, refresher, make_person):
    today = timezone.localdate()
    never = make_person(roles.TEACHER)
    due = make_person(roles.TEACHER)
    done = make_person(roles.TEACHER)
    actions.completion_record(actor=online_safety_lead, course=refresher, people=[due],
                              completed_on=today - 350 * DAY)
    actions.completion_record(actor=online_safety_lead, course=refresher, people=[done],
                              completed_on=today)
    assert training_reminders_task.call(refresher.school_id) == 2
    assert training_reminders_task.call(refresher.school_id) == 0  # once each
    told = Notice.objects.filter(kind=kinds.TRAINING_DUE)
    assert sorted(n.recipient_id for n in told) == sorted([never.pk, due.pk])
    assert told.get(recipient=never).path == "/training/mine/"


def test_the_reminders_are_a_scheduled_job(school):
    job = next(j for j in jobs.JOBS if j.name == "training reminders")
    handed = []
    job.run(lambda task, *args: handed.append((task, args)))
    assert handed == [(training_reminders_task, (school.pk,))]


def test_staff_answer_the_survey_once_and_see_results_only_as_leads(
        survey, teacher, make_person, online_safety_lead, client_for):
    questions = list(survey.questions.all())
    client = client_for(teacher)
    assert b"Needs" in client.get("/training/mine/").content
    response = client.post(f"/training/surveys/{survey.pk}/", {
        f"a{questions[0].pk}": "4", f"a{questions[1].pk}": "yes",
        f"a{questions[2].pk}": "Gaming apps"})
    assert response.status_code == 302
    again = client.post(f"/training/surveys/{survey.pk}/", {f"a{questions[0].pk}": "1"})
    assert b"already answered" in again.content
    other = make_person(roles.SUPPORT_STAFF)
    actions.survey_answer(actor=other, survey=survey, answers={questions[0].pk: "2",
                                                               questions[1].pk: "no"})
    assert client.get(f"/training/surveys/{survey.pk}/results/").status_code == 404
    page = client_for(online_safety_lead).get(f"/training/surveys/{survey.pk}/results/")
    results = page.context["results"]
    assert results[0]["average"] == 3.0 and results[0]["answered"] == 2
    assert (results[1]["yes"], results[1]["no"]) == (1, 1)
    assert results[2]["texts"] == ["Gaming apps"]
    assert AuditEvent.objects.filter(event_type="training_survey_answered").count() == 2
    assert "Gaming" not in str(list(AuditEvent.objects.values_list("after", "details")))


def test_a_bad_answer_and_a_closed_survey_are_refused(survey, teacher, online_safety_lead):
    question = survey.questions.first()
    with pytest.raises(InvalidInput):
        actions.survey_answer(actor=teacher, survey=survey, answers={question.pk: "7"})
    actions.survey_close(actor=online_safety_lead, survey=survey)
    with pytest.raises(Conflict):
        actions.survey_answer(actor=teacher, survey=survey, answers={question.pk: "3"})


def test_lead_opens_a_survey_on_the_page(online_safety_lead, client_for):
    response = client_for(online_safety_lead).post("/training/surveys/", {
        "title": "Spring needs", "q0": "How confident?", "k0": SCALE, "q1": "",
        "q2": "Topics?", "k2": TEXT})
    assert response.status_code == 302
    survey = Survey.objects.get()
    assert [(q.text, q.kind) for q in survey.questions.all()] == [
        ("How confident?", SCALE), ("Topics?", TEXT)]


def test_export_is_formula_safe_and_audited(online_safety_lead, refresher, make_person,
                                            client_for):
    make_person(roles.TEACHER, first_name="@SUM(1)", last_name="Evil")
    response = client_for(online_safety_lead).get("/training/export/")
    assert "'@SUM(1) Evil" in response.content.decode()
    assert AuditEvent.objects.get(event_type="training_exported").details == {"rows": 1}


JUNK = {"name": "x" * 5000, "kind": "aliens", "valid_months": "9" * 40, "for_roles": "wizard",
        "course": "-1", "people": "abc", "completed_on": "99999-12-31", "note": "a\x00b",
        "title": "", "q0": "x" * 5000, "k0": "nope", "retired": "maybe"}


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.ONLINE_SAFETY_LEAD, roles.TEACHER,
                                  roles.PUPIL])
def test_junk_never_causes_a_server_error(role, make_person, client_for, refresher, survey):
    question = survey.questions.first()
    client = client_for(make_person(role))
    junk = dict(JUNK, **{f"a{question.pk}": "1e308"})
    for url in ["/training/", "/training/mine/", "/training/courses/",
                f"/training/courses/{refresher.pk}/", "/training/record/", "/training/export/",
                "/training/surveys/", f"/training/surveys/{survey.pk}/",
                f"/training/surveys/{survey.pk}/results/", f"/training/surveys/{survey.pk}/close/",
                f"/training/surveys/{survey.pk}/export/"]:
        for response in (client.get(url, junk), client.post(url, junk)):
            assert response.status_code in (200, 302, 404, 405), (url, response.status_code)


def test_demo_training_a_school_would_recognise(school, make_person):
    make_person(roles.ONLINE_SAFETY_LEAD)
    make_person(roles.HEADTEACHER)
    make_person(roles.GOVERNOR)
    for _ in range(16):
        make_person(roles.TEACHER)
    load_demo_training(school)
    load_demo_training(school)  # twice adds nothing
    summary = selectors.coverage_summary(school)
    assert summary["courses"] == 4
    assert summary["complete"] > summary["overdue"] > 0 and summary["due"] > 0
    assert Survey.objects.get(school=school).responses.count() == 8


def test_survey_results_download_as_totals(survey, teacher, online_safety_lead, client_for):
    questions = list(survey.questions.all())
    actions.survey_answer(actor=teacher, survey=survey, answers={
        questions[0].pk: "4", questions[1].pk: "yes", questions[2].pk: "=HYPERLINK(1)"})
    assert client_for(teacher).get(f"/training/surveys/{survey.pk}/export/").status_code == 404
    text = client_for(online_safety_lead).get(
        f"/training/surveys/{survey.pk}/export/").content.decode()
    assert "Confident?,1,4.0,0,0,0,1,0,,," in text
    assert "'=HYPERLINK(1)" in text and teacher.last_name not in text
    assert AuditEvent.objects.get(event_type="training_exported").object_label == (
        "Survey results: Needs")
