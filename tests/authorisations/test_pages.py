"""The access authorisation pages: who sees what, what is recorded, forms that never fail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.authorisations import actions
from esafety.authorisations.models import MAILBOX, Authorisation
from esafety.directory import roles

REASON = "Parents are still writing to the leaver about coursework"


@pytest.fixture
def leaver(make_person):
    return make_person(roles.TEACHER, first_name="Lee", last_name="Leaver",
                       left_on=timezone.localdate() - datetime.timedelta(days=3))


@pytest.fixture
def asked(school, it_manager, leaver, headteacher):
    return actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                                  subject=leaver, reason=REASON, days=14)


def test_the_it_manager_asks_through_the_form(client_for, it_manager, leaver, headteacher):
    response = client_for(it_manager).post(reverse("authorisations:new"), {
        "kind": MAILBOX, "subject": leaver.pk, "reason": REASON, "days": "10"})
    auth = Authorisation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("authorisations:detail", args=[auth.pk])
    assert (auth.requested_by, auth.reader, auth.subject, auth.days) == (
        it_manager, it_manager, leaver, 10)


@pytest.mark.parametrize("data", [
    {}, {"kind": "bogus", "subject": "x", "days": "a lot"},
    {"kind": MAILBOX, "subject": "999999", "reason": REASON, "days": "10"},
    {"kind": MAILBOX, "subject": "{leaver}", "reason": "short", "days": "10"},
    {"kind": MAILBOX, "subject": "{leaver}", "reason": REASON, "days": "500"},
])
def test_bad_requests_get_a_message_not_an_error(client_for, it_manager, leaver, data):
    data = {k: v.format(leaver=leaver.pk) for k, v in data.items()}
    response = client_for(it_manager).post(reverse("authorisations:new"), data)
    assert response.status_code == 200
    assert Authorisation.objects.count() == 0


def test_a_teacher_cannot_reach_the_pages(client_for, teacher, asked):
    client = client_for(teacher)
    for name in ("authorisations:register", "authorisations:new", "authorisations:export",
                 "authorisations:nominee"):
        assert client.get(reverse(name)).status_code == 404
    assert client.get(reverse("authorisations:detail", args=[asked.pk])).status_code == 404


def test_another_schools_head_gets_not_found(client_for, outsider, asked):
    client = client_for(outsider)
    assert client.get(reverse("authorisations:detail", args=[asked.pk])).status_code == 404
    response = client.post(reverse("authorisations:decide", args=[asked.pk]),
                           {"decision": "approve", "grounds": "on"})
    assert response.status_code == 404
    asked.refresh_from_db()
    assert asked.status == "pending"
    assert REASON not in client.get(reverse("authorisations:register")).content.decode()


def test_the_subject_never_sees_an_open_request(client_for, make_person, school, it_manager,
                                                headteacher):
    dsl_subject = make_person(roles.DSL)
    auth = actions.access_request(actor=it_manager, school=school, kind=MAILBOX,
                                  subject=dsl_subject, reason=REASON, days=3)
    client = client_for(dsl_subject)
    assert client.get(reverse("authorisations:detail", args=[auth.pk])).status_code == 404
    assert REASON not in client.get(reverse("authorisations:register")).content.decode()


def test_the_head_decides_on_the_page_and_each_look_is_recorded(client_for, headteacher, asked):
    client = client_for(headteacher)
    page = client.get(reverse("authorisations:detail", args=[asked.pk])).content.decode()
    assert REASON in page and 'id="decide"' in page
    assert AuditEvent.objects.filter(event_type="access_viewed", actor=headteacher,
                                     object_id=str(asked.pk)).count() == 1
    client.post(reverse("authorisations:decide", args=[asked.pk]), {"decision": "approve"})
    asked.refresh_from_db()
    assert asked.status == "pending"  # no reasonable grounds said: a message, no approval
    client.post(reverse("authorisations:decide", args=[asked.pk]),
                {"decision": "approve", "grounds": "on"})
    asked.refresh_from_db()
    assert asked.status == "approved"


def test_the_asker_sees_no_decision_form(client_for, it_manager, asked):
    page = client_for(it_manager).get(reverse("authorisations:detail", args=[asked.pk]))
    assert 'id="decide"' not in page.content.decode()
    response = client_for(it_manager).post(reverse("authorisations:decide", args=[asked.pk]),
                                           {"decision": "approve", "grounds": "on"})
    assert response.status_code == 302
    asked.refresh_from_db()
    assert asked.status == "pending"


def test_the_reader_records_a_use_on_the_page(client_for, it_manager, headteacher, asked):
    actions.access_decide(actor=headteacher, auth=asked, approve=True, grounds_confirmed=True)
    client = client_for(it_manager)
    client.post(reverse("authorisations:use", args=[asked.pk]), {"what_was_done": ""})
    assert asked.uses.count() == 0
    client.post(reverse("authorisations:use", args=[asked.pk]),
                {"what_was_done": "Forwarded two parent emails"})
    assert asked.uses.get().what_was_done == "Forwarded two parent emails"


def test_the_export_is_formula_safe_and_recorded(client_for, headteacher, school, it_manager,
                                                 leaver):
    actions.access_request(actor=it_manager, school=school, kind=MAILBOX, subject=leaver,
                           reason="=HYPERLINK(\"http://evil.example\") is why", days=3)
    response = client_for(headteacher).get(reverse("authorisations:export"))
    text = response.content.decode()
    assert "'=HYPERLINK" in text
    assert AuditEvent.objects.filter(event_type="access_exported", actor=headteacher).count() == 1


def test_the_register_is_recorded_when_looked_at(client_for, headteacher, asked):
    client_for(headteacher).get(reverse("authorisations:register"))
    assert AuditEvent.objects.filter(event_type="access_list_viewed").count() == 1


def test_the_head_names_a_nominee_who_then_sees_others_requests(client_for, headteacher, dsl,
                                                                 asked):
    url = reverse("authorisations:detail", args=[asked.pk])
    assert client_for(dsl).get(url).status_code == 404
    assert client_for(dsl).get(reverse("authorisations:nominee")).status_code == 404
    response = client_for(headteacher).post(reverse("authorisations:nominee"),
                                            {"nominee": dsl.pk})
    assert response.status_code == 302
    assert client_for(dsl).get(url).status_code == 200
    assert AuditEvent.objects.filter(event_type="access_nominee_changed").count() == 1


def test_a_bad_nominee_gets_a_message(client_for, headteacher, pupil):
    response = client_for(headteacher).post(reverse("authorisations:nominee"),
                                            {"nominee": pupil.pk})
    assert response.status_code == 200
