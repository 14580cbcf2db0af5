"""The public pages: each policy's current version and the monitoring notices, readable
without signing in, made from the live settings, in plain words."""

import datetime
import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from esafety.directory import roles
from esafety.filtering import actions as filtering_actions
from esafety.filtering.models import FilteringSettings
from esafety.filtering.rules import SAMPLE_LISTS
from esafety.policies import actions as policy_actions
from esafety.policies.models import PolicyDocument


@pytest.fixture
def policy(school, headteacher):
    document = PolicyDocument.objects.create(school=school, title="Online Safety Policy")
    today = timezone.localdate()
    policy_actions.policy_publish(actor=headteacher, document=document, number="1.0",
                                  text="Old words.", approved_by="Full governing body",
                                  approved_on=today - datetime.timedelta(days=400),
                                  review_due=today - datetime.timedelta(days=35))
    policy_actions.policy_publish(actor=headteacher, document=document, number="2.0",
                                  text="Pupils use the internet safely.",
                                  approved_by="Full governing body",
                                  approved_on=datetime.date(2026, 9, 14),
                                  review_due=datetime.date(2027, 9, 14))
    return document


@pytest.fixture
def lists(settings, tmp_path, school, it_manager):
    settings.DATA_DIR = tmp_path
    filtering_actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    return school


def test_anyone_reads_the_current_version_with_its_dates(policy, school):
    client = Client()
    home = client.get(reverse("public:home", args=[school.slug])).content.decode()
    assert "Online Safety Policy" in home and "version 2.0" in home
    page = client.get(reverse("public:policy", args=[school.slug, policy.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Pupils use the internet safely." in text and "Old words." not in text
    assert "Approved by Full governing body on 14 September 2026" in text
    assert "Next review by 14 September 2027" in text


def test_an_unpublished_or_other_schools_policy_is_not_found(school, other_school, policy,
                                                             headteacher):
    draft = PolicyDocument.objects.create(school=school, title="Draft policy")
    client = Client()
    assert client.get(reverse("public:policy", args=[school.slug, draft.pk])).status_code == 404
    assert client.get(reverse("public:policy",
                              args=[other_school.slug, policy.pk])).status_code == 404


def test_an_unknown_school_is_not_found_and_names_no_school(school):
    response = Client().get("/public/nowhere/")
    assert response.status_code == 404
    assert "hollins-park" not in response.content.decode()


@pytest.mark.parametrize("audience", ["parents", "staff"])
def test_the_notices_need_no_sign_in_and_use_no_codes(lists, school, audience):
    response = Client().get(reverse("public:monitoring", args=[school.slug, audience]))
    text = response.content.decode()
    assert response.status_code == 200
    assert "Why" in text and "What is blocked" in text and "Kept for" in text
    body = re.sub(r"<[^>]+>", " ", text)
    assert not re.search(r"\b00\d\b|§|\bks\d\b|_", body), re.findall(r".{30}(?:§|_).{30}", body)


def test_the_parents_notice_follows_the_live_settings(lists, school):
    url = reverse("public:monitoring", args=[school.slug, "parents"])
    text = Client().get(url).content.decode()
    assert "Pupils in Key Stage 3" in text and "Pupils in Reception and Key Stage 1" in text
    assert "Only sites an adult has approved can be used." in text
    assert "For staff" not in text.split("<h1>")[1].split("</h1>")[0]
    FilteringSettings.objects.update_or_create(
        school=school, defaults={"alert_threshold": 9, "alert_window_minutes": 15})
    text = Client().get(url).content.decode()
    assert "blocked sites 9 times within 15 minutes" in text


def test_the_staff_notice_speaks_of_staff_and_mail_access(lists, school):
    text = Client().get(reverse("public:monitoring", args=[school.slug, "staff"])).content.decode()
    assert "Pupils in" not in text
    assert "Nobody opens your school email" in text


def test_an_unknown_audience_is_not_found(school):
    assert Client().get(reverse("public:monitoring",
                                args=[school.slug, "governors"])).status_code == 404


def test_someone_behind_the_aup_gate_still_reads_the_public_pages(client_for, make_person,
                                                                  school, policy, headteacher):
    aup = PolicyDocument.objects.create(school=school, title="Staff AUP",
                                        audience=roles.AUDIENCE_STAFF)
    policy_actions.policy_publish(actor=headteacher, document=aup, number="1.0",
                                  text="Be kind.", approved_by="Governors",
                                  approved_on=timezone.localdate(),
                                  review_due=timezone.localdate() + datetime.timedelta(days=365))
    teacher = make_person(roles.TEACHER)
    client = client_for(teacher)
    assert client.get(reverse("policies:list")).status_code == 302  # the gate holds elsewhere
    response = client.get(reverse("public:policy", args=[school.slug, policy.pk]))
    assert response.status_code == 200


def test_a_leader_who_still_owes_a_two_factor_code_reads_the_public_pages(
        client_for, headteacher, school, policy):
    from esafety.identity.middleware import OWED, SESSION_KEY

    client = client_for(headteacher)
    session = client.session
    session[SESSION_KEY] = {"person": headteacher.pk, "state": OWED}
    session.save()
    assert client.get(reverse("policies:list")).status_code == 302  # the code is still owed
    response = client.get(reverse("public:policy", args=[school.slug, policy.pk]))
    assert response.status_code == 200


def test_an_idle_session_still_reads_the_public_pages(client_for, teacher, school, policy):
    import time

    from esafety.web.middleware import LAST_SEEN

    client = client_for(teacher)
    session = client.session
    session[LAST_SEEN] = time.time() - 24 * 3600
    session.save()
    response = client.get(reverse("public:policy", args=[school.slug, policy.pk]))
    assert response.status_code == 200


def test_the_notice_speaks_of_mail_checks_only_where_the_school_has_them(school):
    from esafety.mailmonitor.models import MonitorSettings

    url = reverse("public:monitoring", args=[school.slug, "parents"])
    assert "Copies of email" not in Client().get(url).content.decode()
    MonitorSettings.objects.create(school=school, retention_days=45)
    text = Client().get(url).content.decode()
    assert "Copies of email sent and received" in text and "for 45 days" in text


def test_the_mail_filter_is_mentioned_once_the_school_has_set_it_up(school, teacher):
    from esafety.mailfilter.models import MailFilterSettings

    url = reverse("public:monitoring", args=[school.slug, "staff"])
    MailFilterSettings.objects.get_or_create(school=school)
    assert "checked before it is sent" not in Client().get(url).content.decode()
    MailFilterSettings.objects.filter(school=school).update(postmaster="it@hollinspark.sch.uk",
                                                            held_retention_days=21)
    text = Client().get(url).content.decode()
    assert "checked before it is sent" in text and "kept for 21 days" in text


def test_who_sees_the_records_is_named_in_plain_words(lists, school):
    text = Client().get(reverse("public:monitoring", args=[school.slug, "parents"])).content.decode()
    assert "IT manager" in text and "it manager" not in text
