"""The default rules follow the seed policies.

Pupils: no public chat (002 App. 1), no personal social networks (004 §3.2.4), no personal
webmail (004 §3.2.3), at any time. Staff: reasonable personal use outside working time
(000 §2, 002, 004 §2.1.2) but never adult content, dating (000 §3 "private and intimate
relationships via school systems"), gambling or getting round the filter; personal social
networks as the school chooses (000 §2 and 002 never; 003 §6.12 in breaks).
"""

import datetime
from zoneinfo import ZoneInfo

import pytest

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.engine.urls.normalise import parse_target
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import actions, publish
from esafety.filtering.models import Category, GroupRule
from esafety.filtering.rules import SAMPLE_LISTS

LONDON = ZoneInfo("Europe/London")
LESSON = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON).timestamp()
LUNCH = datetime.datetime(2026, 11, 23, 12, 30, tzinfo=LONDON).timestamp()
EVENING = datetime.datetime(2026, 11, 23, 19, 0, tzinfo=LONDON).timestamp()

CHAT = "http://discord.com/channels/1"
SOCIAL = "http://www.facebook.com/"
WEBMAIL = "http://mail.yahoo.com/inbox"


@pytest.fixture
def people(make_person):
    return {
        "ks2": make_person(roles.PUPIL, username="y5", year_group=5),
        "ks3": make_person(roles.PUPIL, username="y8", year_group=8),
        "ks4": make_person(roles.PUPIL, username="y10", year_group=10),
        "sixth_form": make_person(roles.PUPIL, username="y12", year_group=12),
        "staff": make_person(roles.TEACHER, username="tess"),
    }


def answer(school, url, username, at):
    decision = publish.current_policy(school).decide(parse_target(url), username, at, "GET",
                                                     url)
    return decision.action


@pytest.mark.parametrize("group", ["ks2", "ks3", "ks4", "sixth_form"])
@pytest.mark.parametrize("url", [CHAT, SOCIAL, WEBMAIL])
def test_pupils_never_get_public_chat_social_networks_or_personal_webmail(
        imported, school, people, group, url):
    username = people[group].username
    assert [answer(school, url, username, at) for at in (LESSON, LUNCH, EVENING)] == [
        "block", "block", "block"]


def test_staff_never_get_adult_dating_gambling_or_circumvention_even_in_personal_time(
        imported, school, people):
    for url in ("http://www.pornhub.com/", "http://tinder.com/", "http://www.bet365.com/",
                "http://nordvpn.com/", "http://www.proxysite.com/",
                "https://cloudflare-dns.com/dns-query", CHAT):
        assert answer(school, url, "tess", LUNCH) == "block", url
        assert answer(school, url, "tess", EVENING) == "block", url


def test_staff_get_reasonable_personal_use_outside_working_time(imported, school, people):
    shop = "http://www.amazon.co.uk/"
    assert answer(school, shop, "tess", LESSON) == "block"
    assert answer(school, shop, "tess", LUNCH) == "allow"
    assert answer(school, WEBMAIL, "tess", LUNCH) == "allow"


def test_staff_personal_social_networks_are_never_allowed_by_default(imported, school, people):
    assert actions.settings_for(school).staff_social_networks == "block"
    assert answer(school, SOCIAL, "tess", LUNCH) == "block"


def test_the_school_may_allow_staff_social_networks_in_breaks_and_it_is_audited(
        imported, school, people, headteacher, publishing):
    with publishing():
        actions.staff_social_networks_set(actor=headteacher, school=school, choice="working_time")
    assert answer(school, SOCIAL, "tess", LUNCH) == "allow"
    assert answer(school, SOCIAL, "tess", LESSON) == "block"
    assert GroupRule.objects.get(school=school, group="staff",
                                 category__name="social_networks").action == "working_time"
    event = AuditEvent.objects.get(event_type="filtering_staff_social_networks_changed")
    assert (event.before, event.after) == ({"staff_social_networks": "block"},
                                           {"staff_social_networks": "working_time"})


def test_only_filtering_managers_choose_and_only_the_choices_shown(imported, school, teacher,
                                                                  it_manager):
    with pytest.raises(NotAllowed):
        actions.staff_social_networks_set(actor=teacher, school=school, choice="working_time")
    with pytest.raises(InvalidInput):
        actions.staff_social_networks_set(actor=it_manager, school=school, choice="allow")
    assert actions.settings_for(school).staff_social_networks == "block"


def test_the_staff_social_networks_rule_is_changed_only_through_the_setting(
        imported, school, it_manager):
    social = Category.objects.get(school=school, name="social_networks")
    with pytest.raises(InvalidInput, match="school's setting"):
        actions.group_rule_set(actor=it_manager, school=school, group="staff",
                               category=social, action="allow")


def test_a_school_that_chose_before_importing_lists_gets_its_choice(
        school, it_manager, publishing):
    actions.staff_social_networks_set(actor=it_manager, school=school, choice="working_time")
    with publishing():
        actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    assert GroupRule.objects.get(school=school, group="staff",
                                 category__name="social_networks").action == "working_time"


def test_the_policy_page_shows_each_choice_with_its_seed_clause(imported, client_for,
                                                               it_manager, school):
    page = client_for(it_manager).get("/filtering/policy/").content.decode()
    assert "Staff and personal social networks" in page
    assert "Never on school systems" in page and "003 \u00a76.12" in page
    assert "Staff should not use school facilities to access or update personal social" in page
    response = client_for(it_manager).post("/filtering/policy/staff-social-networks/",
                                           {"choice": "working_time"})
    assert response.status_code == 302
    assert actions.settings_for(school).staff_social_networks == "working_time"
    bad = client_for(it_manager).post("/filtering/policy/staff-social-networks/",
                                      {"choice": "always"})
    assert bad.status_code == 302
    assert actions.settings_for(school).staff_social_networks == "working_time"


def test_a_teacher_cannot_reach_the_staff_social_networks_setting(imported, client_for,
                                                                 teacher, school):
    response = client_for(teacher).post("/filtering/policy/staff-social-networks/",
                                        {"choice": "working_time"})
    assert response.status_code == 404
    assert actions.settings_for(school).staff_social_networks == "block"
