"""Searching the cases: by a person in any part, type, status, dates and words, within
exactly the cases the searcher may open; a search writes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.incidents import actions
from esafety.incidents.search import Criteria, search

URL = reverse("incidents:search")


@pytest.fixture
def phishing(teacher, dsl):
    return actions.incident_report(actor=teacher, kind="security_breach", summary="Fake login page",
                                   description="A pupil forwarded an email asking for "
                                               "passwords.")


@pytest.fixture
def allegation(teacher, make_person):
    reporter = make_person(roles.SUPPORT_STAFF, username="ta", first_name="Tara",
                           last_name="Assist")
    return actions.incident_report(actor=reporter, kind="staff_misuse", subject_staff=teacher,
                                   summary="Messages to a pupil",
                                   description="Saw a teacher messaging a pupil on Instagram")


def _found(client, **query):
    response = client.get(URL, query)
    assert response.status_code == 200, response.content.decode()[:500]
    return [c.reference for c in response.context["page"].object_list]


def test_a_person_is_found_by_any_part_of_their_name_in_any_part_of_the_case(
        with_bully, phishing, dsl, client_for):
    client = client_for(dsl)
    assert _found(client, person="bully") == [with_bully.reference]   # alleged perpetrator
    assert _found(client, person="Pip Pup") == [with_bully.reference]  # reported it
    assert _found(client, person="Teach") == [phishing.reference]     # reporter, a teacher
    assert _found(client, person="Nobody Called This") == []


def test_a_person_taken_off_a_case_no_longer_finds_it(with_bully, dsl, bully, client_for):
    actions.involvement_remove(actor=dsl, incident=with_bully, person=bully,
                               reason="Listed by mistake")
    assert _found(client_for(dsl), person="Bully") == []


def test_type_status_and_dates_narrow_the_search(reported, phishing, dsl, client_for):
    client = client_for(dsl)
    actions.incident_acknowledge(actor=dsl, incident=reported)
    assert _found(client, kind="security_breach") == [phishing.reference]
    assert _found(client, status="open") == [reported.reference]
    assert _found(client, status="new") == [phishing.reference]
    today = timezone.localdate()
    assert len(_found(client, since=today.isoformat(), until=today.isoformat())) == 2
    tomorrow = (today + datetime.timedelta(days=1)).isoformat()
    assert _found(client, since=tomorrow) == []
    yesterday = (today - datetime.timedelta(days=1)).isoformat()
    assert _found(client, until=yesterday) == []


def test_words_are_found_in_the_summary_description_and_notes(reported, phishing, dsl,
                                                               client_for):
    client = client_for(dsl)
    assert _found(client, words="login") == [phishing.reference]            # summary
    assert _found(client, words="GROUP chat") == [reported.reference]       # description
    assert _found(client, words="tutor") == []
    actions.incident_note(actor=dsl, incident=reported, text="Spoke to the form tutor.")
    assert _found(client, words="tutor") == [reported.reference]            # a note
    # Every word must be there, wherever it is.
    assert _found(client, words="tutor passwords") == []


def test_a_case_the_searcher_cannot_open_is_never_found_or_counted(
        allegation, reported, dsl, headteacher, teacher, client_for):
    dsl_sees = client_for(dsl).get(URL, {"words": "on"})  # in both cases
    assert dsl_sees.context["page"].paginator.count == 1
    assert allegation.reference not in dsl_sees.content.decode()
    assert _found(client_for(dsl), person="Teach") == []  # the allegation's subject
    head = _found(client_for(headteacher), words="Instagram")
    assert head == [allegation.reference]
    # The person it is about never finds it.
    assert client_for(teacher).get(URL).status_code == 404
    assert list(search(teacher, Criteria(words="Instagram"))) == []


def test_someone_from_another_school_finds_nothing_of_this_one(reported, outsider, client_for):
    response = client_for(outsider).get(URL, {"words": "chat"})
    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert reported.reference not in response.content.decode()


def test_staff_who_work_on_no_case_get_404(reported, teacher, pupil, client_for):
    assert client_for(teacher).get(URL).status_code == 404
    assert client_for(pupil).get(URL).status_code == 404


def test_an_investigator_searches_only_their_own_cases(reported, phishing, dsl, assistant_head,
                                                       client_for):
    actions.investigator_add(actor=dsl, incident=reported, person=assistant_head)
    assert _found(client_for(assistant_head), words="") == [reported.reference]


def test_searching_writes_nothing(reported, dsl, client_for):
    before = AuditEvent.objects.count()
    client = client_for(dsl)
    client.get(URL)
    client.get(URL, {"words": "chat", "person": "Pip"})
    assert AuditEvent.objects.count() == before
    # Opening a result is recorded as it always is.
    client.get(reverse("incidents:detail", args=[reported.pk]))
    assert AuditEvent.objects.filter(event_type="incident_viewed", actor=dsl).count() == 1


@pytest.mark.parametrize("query", [
    {"since": "not a date"}, {"until": "2026-02-31"}, {"since": "99999-01-01"},
    {"since": "2026-05-02", "until": "2026-05-01"}, {"kind": "no-such-kind"},
    {"status": "<script>"}, {"person": "x" * 5000}, {"words": "a\x00b"},
    {"page": "abc"}, {"page": "-3"}, {"words": " ".join(["w"] * 500)},
])
def test_bad_input_gets_a_message_never_a_500(reported, dsl, client_for, query):
    response = client_for(dsl).get(URL, query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert response.context["form"].errors


def test_dates_the_wrong_way_round_say_so(dsl, reported, client_for):
    response = client_for(dsl).get(URL, {"since": "2026-05-02", "until": "2026-05-01"})
    assert response.status_code == 400
    assert "after the" in response.content.decode()


def test_results_are_paginated(dsl, pupil, client_for):
    for n in range(27):
        actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                description=f"Report number {n}")
    client = client_for(dsl)
    first = client.get(URL, {"words": "report"})
    assert first.context["page"].paginator.count == 27
    assert len(first.context["page"].object_list) == 25
    second = client.get(URL, {"words": "report", "page": 2})
    assert len(second.context["page"].object_list) == 2


def test_the_overdue_filter_and_badge(reported, phishing, dsl, client_for):
    three_days_ago = timezone.now() - datetime.timedelta(days=3)
    with actions.recorded_at(three_days_ago):
        actions.next_action_set(actor=dsl, incident=reported, action="Call the parents",
                                due=timezone.localtime(three_days_ago).date(),
                                reason="Agreed at the first meeting")
    actions.next_action_set(actor=dsl, incident=phishing, action="Reset passwords",
                            due=timezone.localdate() + datetime.timedelta(days=2),
                            reason="IT need two days")
    client = client_for(dsl)
    assert _found(client, overdue="on") == [reported.reference]
    page = client.get(URL).content.decode()
    assert page.count("Overdue</span>") == 0  # an unbound form lists nothing
    page = client.get(URL, {"words": ""}).content.decode()
    assert page.count("Overdue</span>") == 1
    home = client.get(reverse("incidents:home")).content.decode()
    assert home.count("Overdue</span>") == 1
