"""Where the concerns inbox meets the incident log: every report is a concern, a person's
chronology shows their concerns, and a case links back to the concern it came from."""

import datetime

from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.concerns import actions, rules
from esafety.concerns.models import Concern
from esafety.incidents import actions as incident_actions
from esafety.incidents import rules as incident_rules


def _report(actor, pupil, kind=incident_rules.CYBERBULLYING, **fields):
    fields.setdefault("via", "pupil" if actor.is_pupil else "staff")
    return incident_actions.incident_report(actor=actor, kind=kind, people=[pupil],
                                            description="Mean comments in a group chat.",
                                            **fields)


# --- hook 2: every report is a concern ----------------------------------------------------

def test_every_report_joins_the_dsls_inbox_linked_to_its_case(pupil, dsl, client_for):
    incident = _report(pupil, pupil)
    concern = Concern.objects.get()
    assert concern.incident == incident and concern.source == rules.REPORT
    assert concern.person == pupil and concern.state == rules.NEW
    assert AuditEvent.objects.filter(event_type="concern_raised").count() == 1
    page = client_for(dsl).get(reverse("concerns:inbox")).content.decode()
    assert concern.reference in page


def test_an_allegation_about_staff_is_not_a_concern(dsl, teacher, pupil):
    incident_actions.incident_report(actor=dsl, kind=incident_rules.STAFF_MISUSE,
                                     description="misuse", subject_staff=teacher)
    assert Concern.objects.count() == 0


def test_escalating_a_concern_makes_no_second_concern(raise_concern, dsl, pupil):
    concern = raise_concern(rules.SELF_HARM, person=pupil)
    incident = actions.concern_escalate(actor=dsl, concern=concern)
    assert list(Concern.objects.all()) == [concern]
    assert Concern.objects.get().incident == incident


# --- hook 1: the chronology shows the person's concerns -----------------------------------

def test_a_persons_chronology_shows_their_concerns_in_time_order(
        raise_concern, dsl, pupil, client_for):
    earlier = raise_concern(rules.EXTREMISM, person=pupil,
                            at=timezone.now() - datetime.timedelta(days=3))
    incident = _report(dsl, pupil)
    from_report = Concern.objects.get(incident=incident)
    page = client_for(dsl).get(reverse("incidents:chronology", args=[pupil.pk])).content.decode()
    for concern in (earlier, from_report):
        assert f'href="/concerns/{concern.pk}/"' in page and concern.reference in page
    assert "Rule about extremism" in page and "Extremism" in page and "New" in page
    # Newest first: the report (and its concern) before the concern three days ago.
    assert page.index(incident.reference) < page.index(earlier.reference)
    viewed = AuditEvent.objects.get(event_type="concern_list_viewed")
    assert sorted(viewed.details["concerns"]) == sorted([earlier.pk, from_report.pk])


def test_the_chronology_shows_concerns_only_to_those_who_may_see_them(
        raise_concern, dsl, online_safety_lead, pupil, client_for):
    concern = raise_concern(rules.EXTREMISM, person=pupil)
    page = client_for(online_safety_lead).get(
        reverse("incidents:chronology", args=[pupil.pk])).content.decode()
    assert concern.reference not in page and "/concerns/" not in page
    assert not AuditEvent.objects.filter(event_type="concern_list_viewed").exists()


# --- hook 3: a case links back to the concern it came from --------------------------------

def test_a_case_links_back_to_the_concern_it_came_from(raise_concern, dsl, pupil, client_for):
    concern = raise_concern(rules.SELF_HARM, person=pupil)
    incident = actions.concern_escalate(actor=dsl, concern=concern)
    page = client_for(dsl).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Came from" in page and f'href="/concerns/{concern.pk}/"' in page


def test_an_investigator_who_may_not_see_concerns_gets_no_link(
        raise_concern, dsl, online_safety_lead, pupil, client_for):
    concern = raise_concern(rules.SELF_HARM, person=pupil)
    incident = actions.concern_escalate(actor=dsl, concern=concern)
    incident_actions.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
    response = client_for(online_safety_lead).get(
        reverse("incidents:detail", args=[incident.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Came from" not in page and f"/concerns/{concern.pk}/" not in page
