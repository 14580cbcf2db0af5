"""The standards pages: who may see and change them, exports, forms that never fail."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.standards import actions
from esafety.standards.models import Check, Review, ReviewAction

PAGES = ["standards:status", "standards:roles", "standards:register",
         "standards:register_history", "standards:checks", "standards:reviews"]


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, first_name="Margaret", last_name="Clarke")


@pytest.fixture
def review(school, headteacher, governor, it_manager):
    review = actions.review_record(actor=headteacher, school=school,
                                   held_on=timezone.localdate(), governor=governor,
                                   led_by=headteacher, who_took_part="", findings="KS2 too open")
    actions.action_add(actor=headteacher, review=review, what="Restricted mode",
                       owner=it_manager, due_on=timezone.localdate())
    return review


@pytest.mark.parametrize("name", PAGES)
def test_the_governor_sees_every_page(client_for, governor, name, lists):
    assert client_for(governor).get(reverse(name)).status_code == 200


@pytest.mark.parametrize("name", PAGES)
def test_a_teacher_gets_not_found(client_for, teacher, name):
    assert client_for(teacher).get(reverse(name)).status_code == 404


def test_the_governor_cannot_change_anything(client_for, governor, school, review):
    client = client_for(governor)
    assert client.post(reverse("standards:roles"),
                       {"role": "slt", "person": governor.pk}).status_code == 404
    assert client.post(reverse("standards:run_check")).status_code == 404
    action = review.actions.get()
    assert client.post(reverse("standards:action_done", args=[action.pk])).status_code == 404
    assert client.post(reverse("standards:checks"), {}).status_code == 404
    assert not AuditEvent.objects.filter(actor=governor).exists()


def test_another_schools_head_sees_none_of_ours(client_for, outsider, school, review,
                                                headteacher):
    client = client_for(outsider)
    action = review.actions.get()
    assert client.post(reverse("standards:action_done", args=[action.pk])).status_code == 404
    assert client.post(reverse("standards:add_action", args=[review.pk]),
                       {"what": "x", "owner": outsider.pk, "due_on": "2027-01-01"}
                       ).status_code == 404
    check = actions.check_record(actor=headteacher, school=school, kind="manual",
                                 at=timezone.now(),
                                 what_was_tested="a page", passed=True, result="blocked")
    assert client.get(reverse("standards:check", args=[check.pk])).status_code == 404
    assert "KS2 too open" not in client.get(reverse("standards:reviews")).content.decode()
    assert ReviewAction.objects.get().done_on is None


def test_the_online_safety_lead_records_a_check_and_runs_one(client_for, online_safety_lead,
                                                            lists):
    client = client_for(online_safety_lead)
    response = client.post(reverse("standards:checks"), {
        "kind": "manual", "at": "2026-12-01T10:00", "what_was_tested": "testfiltering.com",
        "passed": "yes", "result": "Blocked as expected"})
    assert response.status_code == 302
    response = client.post(reverse("standards:run_check"))
    assert response.status_code == 302
    assert Check.objects.filter(kind="automatic", by=online_safety_lead).get().passed
    page = client.get(response["Location"]).content.decode()
    assert "Worked as it should" in page


@pytest.mark.parametrize("data", [
    {}, {"kind": "manual", "at": "not a date", "passed": "maybe"},
    {"kind": "manual", "at": "2026-12-01T10:00", "what_was_tested": "x", "passed": "no",
     "result": "opened"},
    {"kind": "automatic", "at": "2026-12-01T10:00", "what_was_tested": "x", "passed": "yes",
     "result": "fine"},
])
def test_bad_checks_get_a_message(client_for, online_safety_lead, data):
    response = client_for(online_safety_lead).post(reverse("standards:checks"), data)
    assert response.status_code == 200
    assert Check.objects.count() == 0


@pytest.mark.parametrize("data", [
    {}, {"held_on": "2999-01-01", "findings": "x"}, {"held_on": "yesterday", "findings": ""},
])
def test_bad_reviews_get_a_message(client_for, headteacher, data):
    response = client_for(headteacher).post(reverse("standards:reviews"), data)
    assert response.status_code == 200
    assert Review.objects.count() == 0


def test_bad_actions_and_roles_never_fail(client_for, headteacher, review, outsider):
    client = client_for(headteacher)
    response = client.post(reverse("standards:add_action", args=[review.pk]),
                           {"what": "x", "owner": outsider.pk, "due_on": "soon"})
    assert response.status_code == 302
    assert review.actions.count() == 1
    response = client.post(reverse("standards:roles"), {"role": "dsl",
                                                        "provider_name": "Acme IT"})
    assert response.status_code == 200
    response = client.post(reverse("standards:register"), {"group": "staff"})
    assert response.status_code == 302


def test_a_reason_is_given_on_the_register_page(client_for, online_safety_lead, lists):
    client = client_for(online_safety_lead)
    client.post(reverse("standards:register"), {"group": "staff", "category": "gambling",
                                                "reason": "Not needed for work at all"})
    page = client.get(reverse("standards:register")).content.decode()
    assert "Not needed for work at all" in page


@pytest.mark.parametrize("which", ["roles", "decisions", "checks", "reviews"])
def test_exports_are_formula_safe_and_recorded(client_for, headteacher, school, which,
                                               governor, lists):
    actions.role_name(actor=headteacher, school=school, role="it_provider",
                      provider_name="=cmd|' /C calc'!A0")
    actions.reason_record(actor=headteacher, school=school, group="staff", category="gambling",
                          reason="=HYPERLINK(\"http://evil.example\")")
    actions.check_record(actor=headteacher, school=school, kind="manual",
                         at=timezone.now() - datetime.timedelta(hours=1),
                         what_was_tested="@SUM(1+1)", passed=True, result="+fine")
    actions.review_record(actor=headteacher, school=school, held_on=timezone.localdate(),
                          governor=governor, led_by=headteacher, who_took_part="",
                          findings="-1 problems")
    text = client_for(governor).get(reverse("standards:export", args=[which])).content.decode()
    assert text.count("\n") > 1
    for dangerous in ("=cmd", "=HYPERLINK", "@SUM", "+fine", "-1 problems"):
        assert f",{dangerous}" not in text and not text.startswith(dangerous)
    assert AuditEvent.objects.filter(event_type="standards_exported").count() == 1


def test_an_unknown_export_is_not_found(client_for, headteacher):
    assert client_for(headteacher).get(
        reverse("standards:export", args=["people"])).status_code == 404
