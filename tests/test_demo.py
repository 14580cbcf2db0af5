"""The demo school: realistic, complete, and loaded by `esafety demo`."""

from django.core.management import call_command

from esafety.directory import demo, roles
from esafety.directory.models import Person, School
from esafety.policies import status
from esafety.policies.models import Acceptance


def test_the_demo_school_has_people_in_every_role(db):
    demo.load_demo(progress=lambda *_: None)
    school = School.objects.get(slug=demo.DEMO_SLUG)
    people = Person.objects.filter(school=school)

    staff = people.filter(role__in=roles.STAFF_ROLES)
    assert 38 <= staff.count() <= 42
    assert set(staff.values_list("role", flat=True)) == set(roles.STAFF_ROLES)
    assert people.filter(role=roles.GOVERNOR).count() == 2
    assert people.filter(role=roles.PUPIL).count() == 300
    assert set(people.filter(role=roles.PUPIL).values_list("year_group", flat=True)) == set(range(14))
    assert all(p.parents.exists() for p in people.filter(role=roles.PUPIL))
    assert people.filter(role=roles.VISITOR).exists()
    assert School.objects.filter(trust=school.trust).count() == 2


def test_the_demo_has_accepted_declined_and_pending_agreements_and_an_overdue_review(db):
    demo.load_demo(progress=lambda *_: None)
    school = School.objects.get(slug=demo.DEMO_SLUG)
    summary = status.summary(school)
    assert len(summary) == 8  # staff, five pupil audiences, parents, visitors
    assert sum(line["accepted"] for line in summary) > 0
    assert sum(line["declined"] for line in summary) > 0
    assert sum(line["pending"] for line in summary) > 0
    assert any(v.review_state() == "overdue" for v in status.reviews_due(school))
    assert Acceptance.objects.filter(method="paper").exclude(scanned_form="").exists()
    assert Acceptance.objects.filter(cosigned_by__isnull=False).exists()


def test_every_demo_login_can_sign_in_with_the_demo_password(db, client):
    logins = demo.load_demo(progress=lambda *_: None)
    shown_roles = {login.role for login in logins}
    for role in roles.STAFF_ROLES | {roles.GOVERNOR, roles.PUPIL, roles.PARENT, roles.VISITOR}:
        assert roles.ROLE_LABELS[role] in shown_roles
    for login in logins:
        response = client.post("/sign-in/", {"username": login.username, "password": demo.DEMO_PASSWORD})
        assert response.status_code == 302, login.username
        client.post("/sign-out/")


def test_the_demo_command_loads_once_and_prints_the_logins(db, capsys):
    call_command("demo", "--no-serve")
    first = capsys.readouterr().out
    call_command("demo", "--no-serve")
    second = capsys.readouterr().out
    assert "Loading the demo school" in first and "already loaded" in second
    assert f"password for all: {demo.DEMO_PASSWORD}" in second
    assert "head" in second and "pupil.ks1" in second
    assert Person.objects.filter(username="head").count() == 1
