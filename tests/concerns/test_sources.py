"""Every signal becomes a concern: filtering requests in a safeguarding category, search
terms, repeated-attempt alerts (message checks and scans: tests/checks/test_concerns.py)."""

import time

import pytest
from django.core import mail

from esafety.concerns import rules, sources
from esafety.concerns.models import Concern
from esafety.filtering import actions as filtering_actions
from esafety.filtering.models import Category, FilteringAlert

NOW = time.time()


def request(user, *, url="http://www.selfharmforum.example/thread/1", category="sect",
            t=None, action="block", rule="group-policy"):
    return {"t": t or NOW, "user": user, "url": url, "action": action, "category": category,
            "group": "ks3", "rule": rule, "client": "10.0.0.9", "policy": "3"}


@pytest.fixture
def ingest(school, django_capture_on_commit_callbacks):
    def run(records):
        with django_capture_on_commit_callbacks(execute=True):
            return filtering_actions.decisions_ingest(school=school, records=records)
    return run


def test_a_request_in_a_safeguarding_category_raises_a_concern(ingest, school, pupil, dsl):
    ingest([request("pupil", url="http://extreme.example/join")])
    concern = Concern.objects.get()
    assert concern.source == rules.SAFEGUARDING_REQUEST and concern.topic == rules.EXTREMISM
    assert concern.person == pupil and concern.url == "http://extreme.example/join"
    assert concern.excerpt == "extreme.example" and not concern.urgent
    assert concern.clauses == rules.SAFEGUARDING_REQUEST_CLAUSES
    assert mail.outbox == []  # extremism: the daily summary


def test_a_pupil_retrying_a_self_harm_site_forty_times_is_one_urgent_concern(
        ingest, school, pupil, dsl):
    Category.objects.create(school=school, name="selfharm_list", label="Self-harm",
                            uk_sic="self_harm")
    ingest([request("pupil", category="selfharm_list", t=NOW - 400 + i,
                    url=f"http://selfharm.example/page{i}") for i in range(25)])
    ingest([request("pupil", category="selfharm_list", t=NOW - 100 + i,
                    url=f"http://selfharm.example/page{i}") for i in range(15)])
    concern = Concern.objects.get()
    assert concern.occurrences == 40
    assert concern.urgent and concern.topic == rules.SELF_HARM
    assert concern.url == "http://selfharm.example/page14"  # the latest
    assert [m.to for m in mail.outbox] == [[dsl.email]]  # told once, not forty times


def test_the_same_site_after_the_concern_is_closed_is_a_new_concern(ingest, school, pupil,
                                                                     dsl):
    from esafety.concerns import actions

    ingest([request("pupil")])
    actions.concern_close(actor=dsl, concern=Concern.objects.get(),
                          state=rules.NO_FURTHER_ACTION, reason="spoke to them")
    ingest([request("pupil", t=NOW + 5)])
    assert Concern.objects.count() == 2


def test_someone_the_school_does_not_know_is_kept_by_name(ingest, school, dsl):
    ingest([request("visitor-laptop", category="suicide")])
    concern = Concern.objects.get()
    assert concern.person is None and concern.person_label == "visitor-laptop"
    assert concern.topic == rules.SUICIDE and concern.urgent
    assert concern.who == "Not known (visitor-laptop)"


def test_an_ordinary_blocked_request_raises_no_concern(ingest, school, pupil):
    ingest([request("pupil", category="games", url="http://games.example/")])
    assert Concern.objects.count() == 0


def test_a_search_for_self_harm_words_raises_an_urgent_concern(ingest, school, pupil, dsl):
    ingest([request("pupil", category="games",
                    url="https://www.google.co.uk/search?q=how+to+kill+myself&hl=en")])
    concern = Concern.objects.get()
    assert concern.source == rules.SEARCH_TERM and concern.topic == rules.SELF_HARM
    assert concern.excerpt == "how to kill myself" and concern.urgent
    assert concern.rule == "search.content.self-harm"
    assert [m.to for m in mail.outbox] == [[dsl.email]]


def test_an_ordinary_search_raises_nothing(ingest, school, pupil):
    ingest([request("pupil", category="games",
                    url="https://www.google.co.uk/search?q=minecraft+skins")])
    assert Concern.objects.count() == 0


def test_search_words_are_read_from_the_address():
    assert sources.search_term("https://www.bing.com/search?form=x&q=join+isis") == "join isis"
    assert sources.search_term("https://example.org/page?id=3") == ""
    assert sources.search_term("http://[bad") == ""


def test_a_repeated_attempts_alert_raises_a_concern(ingest, school, pupil,
                                                    online_safety_lead):
    ingest([request("pupil", category="redirector", url="http://proxysite.com/",
                    t=NOW - 60 * i) for i in range(5)])
    alert = FilteringAlert.objects.get()
    concern = Concern.objects.get()
    assert concern.source == rules.FILTERING_ALERT and concern.person == pupil
    assert concern.rule == "filtering.repeated-attempts" and concern.occurrences == 5
    assert concern.details["alert"] == alert.pk
    assert concern.clauses == rules.REPEATED_ATTEMPTS_CLAUSES
    assert not concern.urgent


def test_an_alert_in_a_safeguarding_category_is_not_a_second_concern(ingest,
                                                                       school, pupil):
    ingest([request("pupil", t=NOW - 60 * i) for i in range(5)])
    assert FilteringAlert.objects.count() == 1
    concern = Concern.objects.get()
    assert concern.source == rules.SAFEGUARDING_REQUEST and concern.occurrences == 5


def test_a_concern_about_someone_in_another_school_is_refused(school, outsider):
    from esafety.concerns.actions import concern_raise
    from esafety.errors import InvalidInput

    with pytest.raises(InvalidInput):
        concern_raise(actor=None, school=school, source=rules.REPORT, rule="x",
                      rule_title="x", topic=rules.ABUSE, person=outsider)
    assert Concern.objects.count() == 0


def test_a_report_in_the_incident_log_joins_the_queue_linked_and_not_emailed_again(
        school, pupil, dsl, django_capture_on_commit_callbacks):
    from esafety.errors import Conflict
    from esafety.incidents import actions as incident_actions
    from esafety.incidents import rules as incident_rules

    with django_capture_on_commit_callbacks(execute=True):
        incident = incident_actions.incident_report(
            actor=pupil, kind=incident_rules.GROOMING, description="someone asked for photos",
            people=[pupil], via="pupil")
        concern = sources.from_report(incident=incident)
    assert concern is not None and concern.incident == incident
    assert concern.source == rules.REPORT and concern.topic == rules.ABUSE and concern.urgent
    assert concern.person == pupil and concern.excerpt == incident.reference
    assert len(mail.outbox) == 1  # the incident log's own email, not a second one
    from esafety.concerns import actions

    with pytest.raises(Conflict):
        actions.concern_escalate(actor=dsl, concern=concern)


def test_an_allegation_about_staff_never_reaches_the_concerns_inbox(school, headteacher,
                                                                    teacher, dsl):
    from esafety.incidents import actions as incident_actions
    from esafety.incidents import rules as incident_rules

    incident = incident_actions.incident_report(
        actor=dsl, kind=incident_rules.STAFF_MISUSE, description="misuse",
        subject_staff=teacher)
    assert sources.from_report(incident=incident) is None
    assert Concern.objects.count() == 0
