"""What the safeguarding lead does with a concern, each change with its audit row."""

import pytest

from esafety.audit.models import AuditEvent
from esafety.concerns import actions, rules, selectors
from esafety.concerns.models import Concern
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import rules as incident_rules
from esafety.incidents.evidence import sha256_text_item
from esafety.incidents.models import Evidence, Incident


def test_marking_seen_is_audited(raise_concern, dsl):
    concern = actions.concern_mark_seen(actor=dsl, concern=raise_concern())
    assert concern.state == rules.SEEN and concern.state_changed_by == dsl
    event = AuditEvent.objects.get(event_type="concern_seen")
    assert event.actor == dsl and event.before == {"state": "new"}
    assert event.after == {"state": "seen", "reason": ""}


@pytest.mark.parametrize("state", [rules.NO_FURTHER_ACTION, rules.FALSE_POSITIVE])
def test_closing_needs_a_reason_and_is_audited_with_it(raise_concern, dsl, state):
    concern = raise_concern()
    with pytest.raises(InvalidInput):
        actions.concern_close(actor=dsl, concern=concern, state=state, reason="  ")
    assert Concern.objects.get().state == rules.NEW
    assert not AuditEvent.objects.filter(event_type=f"concern_{state}").exists()
    actions.concern_close(actor=dsl, concern=concern, state=state, reason="a song lyric")
    concern.refresh_from_db()
    assert concern.state == state and concern.state_reason == "a song lyric"
    event = AuditEvent.objects.get(event_type=f"concern_{state}")
    assert event.actor == dsl and event.after == {"state": state, "reason": "a song lyric"}


def test_a_closed_concern_cannot_be_changed_again(raise_concern, dsl):
    concern = actions.concern_close(actor=dsl, concern=raise_concern(),
                                    state=rules.NO_FURTHER_ACTION, reason="handled")
    with pytest.raises(Conflict):
        actions.concern_mark_seen(actor=dsl, concern=concern)
    with pytest.raises(Conflict):
        actions.concern_escalate(actor=dsl, concern=concern)
    assert Incident.objects.count() == 0


def test_someone_who_may_not_act_changes_nothing(raise_concern, teacher, online_safety_lead,
                                                 outsider):
    concern = raise_concern()
    for person in (teacher, online_safety_lead, outsider):
        with pytest.raises(NotAllowed):
            actions.concern_mark_seen(actor=person, concern=concern)
        with pytest.raises(NotAllowed):
            actions.concern_escalate(actor=person, concern=concern)
    assert Concern.objects.get().state == rules.NEW
    assert not AuditEvent.objects.filter(event_type__startswith="concern_").exclude(
        event_type="concern_raised").exists()


def test_the_designated_person_may_act_whatever_their_role(raise_concern, online_safety_lead,
                                                           school):
    from esafety.incidents.models import IncidentSettings

    IncidentSettings.objects.create(school=school, designated_person=online_safety_lead)
    concern = actions.concern_mark_seen(actor=online_safety_lead, concern=raise_concern())
    assert concern.state == rules.SEEN


def test_escalating_opens_an_incident_with_the_evidence_hashed_and_linked(
        raise_concern, dsl, pupil, django_capture_on_commit_callbacks):
    concern = raise_concern(rules.EXTREMISM, person=pupil, url="http://extreme.example/x",
                            excerpt="join the fight")
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.concern_escalate(actor=dsl, concern=concern)
    concern.refresh_from_db()
    assert concern.state == rules.ESCALATED and concern.incident == incident
    assert incident.kind == incident_rules.RADICALISATION
    assert incident.reported_by == dsl and incident.reported_via == "concerns inbox"
    assert concern.reference in incident.description  # the incident names the concern
    assert list(incident.concerns.all()) == [concern]  # and the concern the incident
    assert [(i.person, i.part) for i in incident.involvements.all()] == [
        (pupil, incident_rules.PART_OTHER)]
    evidence = Evidence.objects.get(incident=incident)
    assert "join the fight" in evidence.text and "http://extreme.example/x" in evidence.text
    assert evidence.sha256 == sha256_text_item(kind=evidence.kind, text=evidence.text)
    assert concern.evidence_sha256 == evidence.sha256 and len(evidence.sha256) == 64
    event = AuditEvent.objects.get(event_type="concern_escalated")
    assert event.actor == dsl and event.after["incident"] == incident.reference
    assert event.details["evidence_sha256"] == evidence.sha256
    assert AuditEvent.objects.filter(event_type="incident_reported").count() == 1


def test_an_escalation_that_fails_leaves_the_concern_as_it_was(raise_concern, dsl):
    concern = raise_concern()
    with pytest.raises(InvalidInput):
        actions.concern_escalate(actor=dsl, concern=concern, kind="aliens")
    assert Concern.objects.get().state == rules.NEW and Incident.objects.count() == 0


def test_false_positives_are_counted_per_rule(raise_concern, dsl, pupil, teacher):
    first = raise_concern(person=pupil)
    second = raise_concern(person=teacher)
    raise_concern(rules.VIOLENCE, person=pupil)
    for concern in (first, second):
        actions.concern_close(actor=dsl, concern=concern, state=rules.FALSE_POSITIVE,
                              reason="history lesson")
    assert selectors.false_positives_by_rule(dsl.school) == [
        {"rule": "content.extremism", "rule_title": "Rule about extremism", "raised": 2,
         "false_positives": 2}]
