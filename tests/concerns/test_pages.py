"""The inbox and a concern's page: need-to-know, every view audited, urgent first, forms
that answer junk with a message."""

import pytest

from esafety.audit.models import AuditEvent
from esafety.concerns import actions, rules, selectors
from esafety.concerns.models import Concern
from esafety.directory import roles
from esafety.incidents.models import Incident


def test_the_dsl_sees_urgent_concerns_first_until_someone_acts(raise_concern, client_for,
                                                                dsl, pupil):
    older_urgent = raise_concern(rules.SELF_HARM, person=pupil, excerpt="one")
    ordinary = raise_concern(rules.BULLYING, person=pupil)
    body = client_for(dsl).get("/concerns/").content.decode()
    assert body.index(older_urgent.reference) < body.index(ordinary.reference)
    assert "1 urgent concern waiting for someone to act." in body
    actions.concern_mark_seen(actor=dsl, concern=older_urgent)
    body = client_for(dsl).get("/concerns/").content.decode()
    assert body.index(ordinary.reference) < body.index(older_urgent.reference)
    assert "urgent-waiting" not in body


def test_viewing_the_inbox_and_a_concern_is_audited(raise_concern, client_for, dsl, pupil):
    concern = raise_concern(rules.EXTREMISM, person=pupil, excerpt="quoted words",
                            url="http://extreme.example/")
    client_for(dsl).get("/concerns/", {"state": "open"})
    listed = AuditEvent.objects.get(event_type="concern_list_viewed")
    assert listed.actor == dsl and listed.details == {"concerns": [concern.pk],
                                                      "filters": {"state": "open"}}
    body = client_for(dsl).get(f"/concerns/{concern.pk}/").content.decode()
    assert "quoted words" in body and "004 §3.2.3 tell an adult" in body
    assert "Make sure the designated safeguarding lead knows today." in body
    assert "http://extreme.example/" in body and 'href="http://extreme.example/' not in body
    viewed = AuditEvent.objects.get(event_type="concern_viewed")
    assert viewed.actor == dsl and viewed.object_id == str(concern.pk)


@pytest.mark.parametrize("role", [roles.TEACHER, roles.PUPIL, roles.PARENT, roles.IT_MANAGER,
                                  roles.ONLINE_SAFETY_LEAD, roles.ASSISTANT_HEAD])
def test_nobody_outside_the_need_to_know_finds_the_inbox_or_a_concern(
        raise_concern, client_for, make_person, role):
    concern = raise_concern()
    client = client_for(make_person(role))
    for url in ("/concerns/", f"/concerns/{concern.pk}/"):
        assert client.get(url).status_code == 404
    for action in ("seen", "close", "escalate"):
        assert client.post(f"/concerns/{concern.pk}/{action}/").status_code == 404
    assert not AuditEvent.objects.filter(event_type__in=["concern_viewed",
                                                         "concern_list_viewed"]).exists()


def test_another_schools_head_sees_nothing_of_this_schools_concerns(
        raise_concern, client_for, outsider, headteacher):
    concern = raise_concern()
    client = client_for(outsider)
    assert client.get(f"/concerns/{concern.pk}/").status_code == 404
    assert client.post(f"/concerns/{concern.pk}/seen/").status_code == 404
    assert concern.reference not in client.get("/concerns/").content.decode()
    assert client_for(headteacher).get(f"/concerns/{concern.pk}/").status_code == 200
    assert Concern.objects.get().state == rules.NEW


def test_the_inbox_filters_by_state_severity_and_source(raise_concern, client_for, dsl):
    urgent = raise_concern(rules.SELF_HARM, excerpt="a")
    alert = raise_concern(rules.MISUSE, source=rules.FILTERING_ALERT, severity=rules.MEDIUM)
    client = client_for(dsl)
    body = client.get("/concerns/", {"severity": "urgent"}).content.decode()
    assert urgent.reference in body and alert.reference not in body
    body = client.get("/concerns/", {"source": rules.FILTERING_ALERT}).content.decode()
    assert alert.reference in body and urgent.reference not in body
    body = client.get("/concerns/", {"state": rules.ESCALATED}).content.decode()
    assert "No concerns match." in body
    response = client.get("/concerns/", {"state": "nonsense", "source": "%" * 300,
                                         "page": "-1"})
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()


def test_closing_without_a_reason_says_why_and_changes_nothing(raise_concern, client_for,
                                                                dsl):
    concern = raise_concern()
    response = client_for(dsl).post(f"/concerns/{concern.pk}/close/",
                                    {"state": rules.FALSE_POSITIVE, "reason": ""})
    assert response.status_code == 400
    assert "Say why: the reason is kept with the concern." in response.content.decode()
    assert Concern.objects.get().state == rules.NEW


def test_closing_and_marking_seen_from_the_page(raise_concern, client_for, dsl):
    concern = raise_concern()
    client = client_for(dsl)
    assert client.post(f"/concerns/{concern.pk}/seen/").status_code == 302
    response = client.post(f"/concerns/{concern.pk}/seen/", follow=True)
    assert "has already been seen" in response.content.decode()
    client.post(f"/concerns/{concern.pk}/close/", {"state": rules.NO_FURTHER_ACTION,
                                                   "reason": "spoke to form tutor"})
    concern.refresh_from_db()
    assert concern.state == rules.NO_FURTHER_ACTION
    assert "spoke to form tutor" in client.get(f"/concerns/{concern.pk}/").content.decode()


def test_escalating_from_the_page_opens_the_incident(raise_concern, client_for, dsl, pupil):
    concern = raise_concern(rules.SELF_HARM, person=pupil)
    response = client_for(dsl).post(f"/concerns/{concern.pk}/escalate/",
                                    {"kind": "other", "summary": ""})
    incident = Incident.objects.get()
    assert response.status_code == 302 and response.url == f"/incidents/{incident.pk}/"
    body = client_for(dsl).get(f"/concerns/{concern.pk}/").content.decode()
    assert incident.reference in body and Concern.objects.get().evidence_sha256 in body


@pytest.mark.parametrize("data", [{}, {"kind": "aliens"}, {"kind": "other", "summary": "x" * 500},
                                  {"state": "maybe", "reason": "\x00"},
                                  {"state": rules.FALSE_POSITIVE, "reason": "x" * 5000}])
def test_junk_never_causes_a_server_error(raise_concern, client_for, dsl, data):
    concern = raise_concern()
    client = client_for(dsl)
    for action in ("seen", "close", "escalate"):
        response = client.post(f"/concerns/{concern.pk}/{action}/", data)
        assert response.status_code in (200, 302, 400), (action, response.status_code)
    assert client.get("/concerns/999999/").status_code == 404
    assert Incident.objects.count() == 0


def test_a_persons_concerns_for_their_chronology_follow_the_need_to_know(
        raise_concern, dsl, teacher, outsider, pupil, make_person):
    mine = raise_concern(person=pupil)
    raise_concern(person=make_person(roles.PUPIL))
    assert selectors.concerns_for_person(pupil, dsl) == [mine]
    assert selectors.concerns_for_person(pupil, teacher) == []
    assert selectors.concerns_for_person(pupil, outsider) == []


def test_the_navigation_shows_concerns_to_those_who_may_see_them(client_for, dsl, teacher,
                                                                 it_manager):
    assert 'href="/concerns/"' in client_for(dsl).get("/").content.decode()
    assert 'href="/concerns/"' not in client_for(teacher).get("/").content.decode()
    it_page = client_for(it_manager).get("/").content.decode()
    # One page of every email that could not be sent (notices), concerns' among them.
    assert 'href="/concerns/"' not in it_page and 'href="/notices/email-problems/"' in it_page
