"""The person picker in the forms that had long drop-downs."""

import pytest
from django.urls import reverse

from esafety.directory import picker, roles
from esafety.incidents.forms import PersonForm, StaffReportForm
from esafety.incidents.models import Incident


@pytest.fixture
def crowd(make_person):
    """More people than a drop-down should hold."""
    return [make_person(roles.PUPIL, last_name=f"Crowd{n:02d}") for n in range(picker.SELECT_UP_TO)]


def report(**fields):
    return {"kind": "cyberbullying", "description": "Comments on a video", **fields}


def test_a_teacher_reports_by_typing_names_without_javascript(teacher, pupil, make_person, crowd,
                                                              client_for):
    colleague = make_person(roles.TEACHER, first_name="Cara", last_name="Colleague")
    page = client_for(teacher).get(reverse("incidents:report")).content.decode()
    assert 'name="people"' in page and "data-person-picker" in page
    assert "Crowd05" not in page  # no list of the whole school in the page

    response = client_for(teacher).post(reverse("incidents:report"), report(
        people="Pip Pupil; cara colleague"))

    assert response.status_code == 302
    incident = Incident.objects.get()
    assert set(incident.people.all()) >= {pupil, colleague}


def test_a_typed_name_that_matches_several_people_is_explained(teacher, make_person, client_for):
    make_person(roles.PUPIL, first_name="Sam", last_name="Jones", year_group=7, form="7A")
    make_person(roles.PUPIL, first_name="Sam", last_name="Jonas", year_group=9, form="9C")
    response = client_for(teacher).post(reverse("incidents:report"), report(people="Sam"))
    assert response.status_code == 400
    page = response.content.decode()
    assert "Several people match “Sam”" in page
    assert "Sam Jonas (" in page and "Year 9, 9C" in page and "Year 7, 7A" in page
    assert not Incident.objects.exists()


@pytest.mark.parametrize("role", [roles.VISITOR, roles.SUPPORT_STAFF, roles.GOVERNOR])
def test_the_report_form_limited_to_a_visitor_finds_no_pupils(role, school, make_person, pupil,
                                                              teacher):
    viewer = make_person(role)
    form = StaffReportForm(report(people="Pip Pupil (pupil)"), school=school, viewer=viewer)
    assert not form.is_valid()
    assert form.errors["people"][0].startswith("Nobody called “Pip Pupil”")
    assert "Pip Pupil" not in str(StaffReportForm(school=school, viewer=viewer)["people"])
    named = StaffReportForm(report(people="Tom Teach"), school=school, viewer=viewer)
    assert named.is_valid() and named.cleaned_data["people"] == [teacher]


def test_the_report_form_limited_to_a_teacher_finds_pupils(school, teacher, pupil):
    form = StaffReportForm(report(people="Pip Pupil"), school=school, viewer=teacher)
    assert form.is_valid() and form.cleaned_data["people"] == [pupil]


@pytest.mark.parametrize("role", [roles.VISITOR, roles.SUPPORT_STAFF, roles.GOVERNOR])
def test_a_visitors_report_page_lists_no_pupils_and_refuses_them(role, make_person, pupil,
                                                                 teacher, client_for):
    viewer = make_person(role)
    client = client_for(viewer)
    page = client.get(reverse("incidents:report")).content.decode()
    assert "Tom Teach" in page and "Pip Pupil" not in page  # the allegation drop-down: staff
    response = client.post(reverse("incidents:report"), report(people=str(pupil.pk)))
    assert response.status_code == 400 and not Incident.objects.exists()
    response = client.post(reverse("incidents:report"), report(people="Pip Pupil"))
    assert response.status_code == 400 and not Incident.objects.exists()


def test_a_case_form_still_takes_a_drop_down_value(school, dsl, pupil):
    from esafety.directory.models import Person

    form = PersonForm({"person-person": str(dsl.pk)},
                      queryset=Person.objects.filter(school=school))
    assert form.is_valid() and form.cleaned_data["person"] == dsl
    outsider_form = PersonForm({"person-person": "999999"},
                               queryset=Person.objects.filter(school=school))
    assert not outsider_form.is_valid()
