import pytest
from django.core import mail

from esafety.directory import roles
from esafety.incidents import rules
from esafety.incidents.access import access_level, team_incidents
from esafety.incidents.chain import verify_all
from esafety.incidents.demo import load_demo_incidents
from esafety.incidents.models import Incident


@pytest.fixture
def demo_school(school, make_person, headteacher, dsl, online_safety_lead, assistant_head,
                governor):
    teachers = [make_person(roles.TEACHER) for _ in range(10)]
    pupils = []
    for year in (7, 7, 8, 8, 8, 9, 9, 10, 10, 11):
        pupil = make_person(roles.PUPIL, year_group=year)
        parent = make_person(roles.PARENT)
        parent.children.add(pupil)
        pupils.append(pupil)
    return {"school": school, "teachers": teachers, "pupils": pupils}


def test_the_demo_holds_a_realistic_term(demo_school, django_capture_on_commit_callbacks):
    school = demo_school["school"]
    with django_capture_on_commit_callbacks(execute=True):
        count = load_demo_incidents(school)
    incidents = Incident.objects.filter(school=school)
    assert count == incidents.count() == 14
    assert {i.kind for i in incidents} == set(rules.TYPE_LABELS)
    assert {i.status for i in incidents} == {"new", "open", "closed"}
    assert incidents.filter(subject_staff__isnull=False).count() == 1
    assert incidents.filter(police_referral=True).count() >= 2
    assert all(check.ok for check in verify_all(school)), [c.problems for c in verify_all(school)]
    # The designated person is told of each one (investigators, parents and others of
    # the other handoffs: tests/notices).
    assert len([m for m in mail.outbox if "New online safety report" in m.subject]) == 14


def test_each_role_sees_what_it_would_see(demo_school, dsl, headteacher, online_safety_lead):
    load_demo_incidents(demo_school["school"])
    allegation = Incident.objects.get(subject_staff__isnull=False)
    assert access_level(headteacher, allegation) == "team"
    assert access_level(dsl, allegation) is None
    assert team_incidents(dsl).count() == 13
    pupil_reports = Incident.objects.filter(reported_via="pupil")
    for incident in pupil_reports:
        assert access_level(incident.reported_by, incident) == "reporter"
    teacher = demo_school["teachers"][0]
    assert team_incidents(teacher).count() == 0


def test_loading_twice_adds_nothing(demo_school):
    load_demo_incidents(demo_school["school"])
    assert load_demo_incidents(demo_school["school"]) == 0
    assert Incident.objects.count() == 14


def test_no_demo_incident_is_answered_before_it_was_reported(demo_school):
    load_demo_incidents(demo_school["school"])
    for incident in Incident.objects.exclude(first_response_at=None):
        assert incident.first_response_at >= incident.reported_at, incident.reference
    for incident in Incident.objects.all():
        times = [e.at for e in incident.events.order_by("seq")]
        assert times == sorted(times), incident.reference


def test_the_demo_suspension_reaches_web_filtering_where_it_is_installed(demo_school):
    load_demo_incidents(demo_school["school"])
    from esafety.incidents.models import Sanction

    suspension = Sanction.objects.get(kind="internet_suspension")
    try:
        from esafety.filtering.models import InternetSuspension
    except ImportError:
        assert suspension.enforcement.startswith("Recorded only")
        return
    assert suspension.enforcement == "Applied through web filtering"
    assert InternetSuspension.objects.filter(pupil=suspension.person).count() == 1
