"""The filtering table shows what each group really gets, in working time and outside it
(KS1 once showed "Allowed" for categories its approved-sites-only setting blocks)."""

import datetime
from zoneinfo import ZoneInfo

from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy
from esafety.filtering import actions, publish
from esafety.filtering.models import GROUPS, CategoryEntries

LONDON = ZoneInfo("Europe/London")
LESSON = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON).timestamp()
EVENING = datetime.datetime(2026, 11, 23, 19, 0, tzinfo=LONDON).timestamp()


def cell(response, category_name, group):
    for row in response.context["rows"]:
        if row["category"].name == category_name:
            return next(c for c in row["cells"] if c["group"] == group)
    raise AssertionError(category_name)


def test_key_stage_1_shows_approved_sites_only_not_allowed(imported, client_for, it_manager):
    response = client_for(it_manager).get("/filtering/policy/")
    for name in ("games", "shopping", "audio-video", "liste_blanche"):
        assert cell(response, name, "ks1")["effective"] == "Approved sites only", name
    assert "Approved sites only" in response.content.decode()


def test_the_table_says_blocked_for_everyone_working_time_and_allowed(imported, client_for,
                                                                     it_manager):
    response = client_for(it_manager).get("/filtering/policy/")
    assert cell(response, "adult", "staff")["effective"] == "Blocked for everyone"
    assert cell(response, "shopping", "staff")["effective"] == (
        "Blocked in working time, allowed outside it")
    assert cell(response, "shopping", "ks2")["effective"] == "Blocked"
    assert cell(response, "child", "ks2")["effective"] == "Allowed"
    assert cell(response, "social_networks", "staff")["staff_setting"] is True


def test_the_table_agrees_with_the_engine_for_every_group_category_and_time(imported, school,
                                                                           make_person):
    from esafety.directory import roles

    users = {"ks1": make_person(roles.PUPIL, year_group=1), "ks2": make_person(
        roles.PUPIL, year_group=4), "ks3": make_person(roles.PUPIL, year_group=8),
        "ks4": make_person(roles.PUPIL, year_group=10),
        "sixth_form": make_person(roles.PUPIL, year_group=12),
        "staff": make_person(roles.TEACHER), "guests": make_person(roles.VISITOR)}
    lists = publish.current_lists(school)
    engine = publish.current_policy(school, lists)
    table = Policy(publish.build_policy(school), None)
    checked = 0
    for entries in CategoryEntries.objects.filter(category__school=school).select_related(
            "category"):
        name = entries.category.name
        # A domain listed in this category only, so the request's answer is the category's.
        host = next((d for d in entries.domains.split("\n")
                     if d and lists.names_of(lists.host_mask(d)) == [name]), None)
        if host is None:
            continue
        for group, _ in GROUPS:
            for at, working in ((LESSON, True), (EVENING, False)):
                url = f"http://{host}/"
                decision = engine.decide(parse_target(url), users[group].username, at, "GET",
                                         url)
                if decision.rule in ("school-allow", "school-block"):
                    continue
                assert table.category_answer(group, name, working)[0] == decision.action, (
                    name, group, working, decision)
                checked += 1
    assert checked > 200


def test_without_working_time_blocked_in_working_time_blocks_nothing(imported, client_for,
                                                                     it_manager, school):
    actions.working_time_set(actor=it_manager, school=school, spans={})
    response = client_for(it_manager).get("/filtering/policy/")
    assert cell(response, "shopping", "staff")["effective"] == "Allowed"
    assert "No working time is set" in response.content.decode()
