"""Nobody is ever prevented from telling someone about harm: whatever their AUP state, anyone
signed in reaches the report form and the status of their own reports."""

import datetime

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.incidents import actions as incident_actions
from esafety.incidents.models import Incident
from esafety.policies import actions
from esafety.policies.models import Acceptance

AUP_PAGE = "/policies/acceptable-use/"
REPORT = "/incidents/report/"
MY_REPORTS = "/incidents/"

DECLINED, UNANSWERED, NEW_VERSION = "declined", "not yet answered", "new version pending"


def _report_data(person):
    """What the person's own report form asks for, filled in."""
    if person.is_pupil:
        return {"kind": "cyberbullying", "description": "Someone keeps posting mean things about me."}
    if person.is_parent:
        return {"child": person.children.first().pk, "kind": "cyberbullying",
                "description": "My son is being bullied in a group chat."}
    return {"kind": "cyberbullying", "summary": "Group chat bullying",
            "description": "A pupil showed me mean comments in a group chat."}


@pytest.fixture
def behind_the_gate(publish):
    """behind_the_gate(person, state): publish the person's AUP and leave them in that state."""

    def make(person, state):
        audience = person.audience
        first = publish(audience, "1.0", published_at=timezone.now() - datetime.timedelta(days=30))
        if state == DECLINED:
            actions.acceptance_record(actor=person, person=person, version=first, decision="declined")
        elif state == NEW_VERSION:
            actions.acceptance_record(actor=person, person=person, version=first, decision="accepted")
            publish(audience, "2.0")
        return person

    return make


@pytest.fixture(params=["pupil", "parent", "teacher"])
def reporter(request, pupil, parent, teacher):
    return {"pupil": pupil, "parent": parent, "teacher": teacher}[request.param]


@pytest.mark.parametrize("state", [DECLINED, UNANSWERED, NEW_VERSION])
def test_anyone_behind_the_gate_can_report_and_see_their_report(state, reporter, behind_the_gate,
                                                                client_for):
    behind_the_gate(reporter, state)
    client = client_for(reporter)
    assert client.get("/").status_code == 302  # the gate still holds everything else

    assert client.get(REPORT).status_code == 200
    response = client.post(REPORT, _report_data(reporter))

    incident = Incident.objects.get(reported_by=reporter)
    assert response.status_code == 302 and response["Location"] == f"/incidents/{incident.pk}/"
    status = client.get(response["Location"])
    assert status.status_code == 200
    assert [t.name for t in status.templates][0] == "incidents/status.html"
    mine = client.get(MY_REPORTS)
    assert mine.status_code == 200 and incident.reference in mine.content.decode()


@pytest.mark.parametrize("state", [DECLINED, UNANSWERED, NEW_VERSION])
def test_the_aup_page_leads_to_the_report_form_and_own_reports(state, reporter, behind_the_gate,
                                                               client_for):
    behind_the_gate(reporter, state)

    page = client_for(reporter).get(AUP_PAGE)

    html = page.content.decode()
    assert f'class="button" href="{REPORT}"' in html
    assert f'href="{MY_REPORTS}"' in html
    assert 'class="report-link" href="/incidents/report/"' in html  # in the header of every page
    assert [item["url"] for item in page.context["nav_items"]] == [AUP_PAGE, MY_REPORTS]


def test_every_page_header_has_the_report_link(teacher, client_for):
    client = client_for(teacher)
    for url in ("/", AUP_PAGE, "/policies/", MY_REPORTS):
        assert 'class="report-link" href="/incidents/report/"' in client.get(url).content.decode(), url


def test_a_pupils_header_link_says_tell_someone(pupil, client_for):
    assert "Tell someone about a worry</a>" in client_for(pupil).get("/").content.decode()


def test_someone_who_accepted_keeps_the_full_incident_log(dsl, pupil, publish, client_for):
    version = publish(roles.AUDIENCE_STAFF)
    actions.acceptance_record(actor=dsl, person=dsl, version=version, decision="accepted")
    theirs = incident_actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                              description="Mean comments.", people=[pupil])

    client = client_for(dsl)

    assert theirs.reference in client.get(MY_REPORTS).content.decode()
    assert [t.name for t in client.get(f"/incidents/{theirs.pk}/").templates][0] == \
        "incidents/detail.html"


def test_a_dsl_behind_the_gate_sees_only_their_own_report_not_the_case_work(dsl, pupil, publish,
                                                                            client_for):
    publish(roles.AUDIENCE_STAFF)  # the DSL has not accepted it
    theirs = incident_actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                              description="Mean comments.", people=[pupil])
    client = client_for(dsl)
    client.post(REPORT, _report_data(dsl))
    own = Incident.objects.get(reported_by=dsl)

    listing = client.get(MY_REPORTS).content.decode()
    assert own.reference in listing and theirs.reference not in listing
    assert [t.name for t in client.get(f"/incidents/{own.pk}/").templates][0] == \
        "incidents/status.html"
    other = client.get(f"/incidents/{theirs.pk}/")
    assert other.status_code == 302 and other["Location"].startswith(AUP_PAGE)
    before = theirs.events.count()
    note = client.post(f"/incidents/{theirs.pk}/notes/", {"text": "Looked at it"})
    assert note.status_code == 302 and note["Location"].startswith(AUP_PAGE)
    assert theirs.events.count() == before


def test_a_pupil_behind_the_gate_can_add_to_their_own_report(pupil, behind_the_gate, client_for):
    behind_the_gate(pupil, DECLINED)
    client = client_for(pupil)
    client.post(REPORT, _report_data(pupil))
    incident = Incident.objects.get()

    response = client.post(f"/incidents/{incident.pk}/evidence/", {
        "evidence-kind": "note", "evidence-text": "It happened again today."})

    assert response.status_code == 302
    assert incident.evidence.filter(text="It happened again today.").exists()


def test_nobody_behind_the_gate_sees_someone_elses_report(pupil, make_person, behind_the_gate,
                                                          client_for):
    other = make_person(roles.PUPIL, year_group=8)
    theirs = incident_actions.incident_report(actor=other, kind="cyberbullying", via="pupil",
                                              description="Mean comments.", people=[other])
    behind_the_gate(pupil, DECLINED)

    assert client_for(pupil).get(f"/incidents/{theirs.pk}/").status_code == 404
    assert theirs.reference not in client_for(pupil).get(MY_REPORTS).content.decode()


def test_the_report_form_is_no_wider_a_door_than_before(pupil, behind_the_gate, client_for):
    """Exempt from the gate, but still only for people signed in."""
    from django.test import Client

    behind_the_gate(pupil, DECLINED)
    response = Client().get(REPORT)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]
    assert not Acceptance.objects.filter(decision="accepted").exists()


def test_every_demo_pupil_not_yet_through_the_gate_can_report(db, client_for):
    """The demo school's declined and unanswered pupils were all shut out."""
    from esafety.directory import demo
    from esafety.directory.models import Person
    from esafety.policies import status

    demo.load_demo(pupils=56, progress=lambda *_: None)
    gated = [p for p in Person.objects.filter(school__slug=demo.DEMO_SLUG, role=roles.PUPIL)
             if not status.standing(p).may_use_systems]
    assert len(gated) >= 5  # the demo has declined and unanswered pupils in it

    shut_out = [p.username for p in gated
                if client_for(p).get(REPORT).status_code != 200
                or client_for(p).get(MY_REPORTS).status_code != 200]
    assert shut_out == []


def test_pupils_and_parents_find_their_reports_in_the_navigation(pupil, parent, teacher,
                                                                 client_for):
    for person, label in ((pupil, "Your reports"), (parent, "Your reports"),
                          (teacher, "Incidents")):
        items = client_for(person).get("/").context["nav_items"]
        assert {item["label"]: item["url"] for item in items}.get(label) == MY_REPORTS, person
