"""The decision function: groups, working time, exceptions and failing closed."""

import datetime
from zoneinfo import ZoneInfo

from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy

LONDON = ZoneInfo("Europe/London")
# Monday 10:00 is working time, Monday 12:30 is lunchtime (personal time).
MONDAY_LESSON = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=LONDON).timestamp()
MONDAY_LUNCH = datetime.datetime(2026, 11, 23, 12, 30, tzinfo=LONDON).timestamp()


def policy_data(**overrides):
    data = {
        "format": 1, "version": "7", "timezone": "Europe/London",
        "block_page": "http://esafety.test/filtering/blocked/",
        "statutory": ["adult"],
        "labels": {"social_networks": "Social networks"},
        "group_labels": {"ks3": "Key Stage 3", "staff": "Staff"},
        "groups": {
            "ks1": {"approved_only": True, "rules": {"redirector": "block"},
                    "safe_search": True},
            "ks3": {"rules": {"social_networks": "block", "games": "block",
                              "redirector": "block", "gambling": "block"},
                    "safe_search": True},
            "staff": {"rules": {"social_networks": "working_time",
                                "shopping": "working_time", "gambling": "block"}},
            "guests": {"rules": {"social_networks": "block"}},
        },
        "working_time": {str(d): [["08:30", "12:15"], ["13:15", "15:30"]] for d in range(5)},
        "users": {"kit": ["ks1", "1A"], "sam": ["ks3", "8B"], "tom": ["staff", ""]},
        "approved_sites": ["approved.example"],
        "school_block": [], "school_allow": [], "unblocks": [], "suspensions": [],
    }
    data.update(overrides)
    return data


def decide(lists, url, user, at=MONDAY_LESSON, method="GET", **overrides):
    policy = Policy(policy_data(**overrides), lists)
    return policy.decide(parse_target(url, method), user, at, method, url)


def test_a_statutory_category_is_blocked_even_for_staff_at_lunchtime(lists):
    decision = decide(lists, "http://porn.example/", "tom", MONDAY_LUNCH)
    assert (decision.action, decision.rule, decision.category) == ("block", "statutory", "adult")


def test_staff_reach_social_networks_only_outside_working_time(lists):
    assert decide(lists, "http://social.example/", "tom", MONDAY_LESSON).action == "block"
    lunch = decide(lists, "http://social.example/", "tom", MONDAY_LUNCH)
    assert (lunch.action, lunch.rule) == ("allow", "allowed")
    assert "working time" in decide(lists, "http://social.example/", "tom").reason


def test_a_key_stage_3_pupil_is_blocked_from_social_networks_at_lunchtime_too(lists):
    decision = decide(lists, "http://social.example/", "sam", MONDAY_LUNCH)
    assert (decision.action, decision.group, decision.rule) == ("block", "ks3", "group-policy")
    assert decision.reason == "Social networks is blocked for Key Stage 3."


def test_key_stage_1_reaches_only_approved_sites(lists):
    assert decide(lists, "http://approved.example/x", "kit").action == "allow"
    decision = decide(lists, "http://anything.example/", "kit")
    assert (decision.action, decision.rule) == ("block", "approved-only")


def test_an_unknown_user_is_filtered_as_a_guest(lists):
    decision = decide(lists, "http://social.example/", "nobody")
    assert (decision.action, decision.group) == ("block", "guests")


def test_an_active_unblock_for_a_form_lifts_the_category_until_it_ends(lists):
    unblock = {"id": 3, "categories": ["gambling"], "sites": [], "groups": [], "forms": ["8B"],
               "users": [], "starts": MONDAY_LESSON - 60, "ends": MONDAY_LESSON + 60,
               "reason": "Year 8 PSHE unit on gambling harm"}
    during = decide(lists, "http://bet.example/", "sam", unblocks=[unblock])
    assert (during.action, during.rule) == ("allow", "unblock")
    after = decide(lists, "http://bet.example/", "sam", MONDAY_LESSON + 61, unblocks=[unblock])
    assert after.action == "block"
    other_form = decide(lists, "http://bet.example/", "tom", unblocks=[unblock])
    assert other_form.action == "block"


def test_an_unblock_never_lifts_a_statutory_category(lists):
    unblock = {"id": 4, "categories": ["adult"], "sites": ["porn.example"], "groups": ["ks3"],
               "forms": [], "users": [], "starts": 0, "ends": 2e9}
    assert decide(lists, "http://porn.example/", "sam", unblocks=[unblock]).rule == "statutory"


def test_a_suspended_pupil_is_blocked_everywhere_until_the_suspension_ends(lists):
    suspension = {"id": 1, "user": "sam", "starts": MONDAY_LESSON - 1, "ends": MONDAY_LESSON + 1}
    decision = decide(lists, "http://bbc.example/", "sam", suspensions=[suspension])
    assert (decision.action, decision.rule) == ("block", "suspended")
    assert decide(lists, "http://bbc.example/", "sam", MONDAY_LESSON + 2,
                  suspensions=[suspension]).action == "allow"


def test_the_schools_own_block_and_allow_lists_come_before_group_rules(lists):
    assert decide(lists, "http://games.example/", "sam",
                  school_allow=["games.example"]).rule == "school-allow"
    assert decide(lists, "http://fine.example/", "tom",
                  school_block=["fine.example"]).rule == "school-block"


def test_circumvention_is_blocked_on_connect_for_pupils(lists):
    decision = decide(lists, "proxy.example:443", "sam", method="CONNECT")
    assert (decision.action, decision.category) == ("block", "redirector")


def test_safe_search_is_enforced_for_pupils_on_search_engines(lists):
    decision = decide(lists, "http://www.google.co.uk/search?q=volcano", "sam")
    assert decision.rewrite == "http://www.google.co.uk/search?q=volcano&safe=active"
    assert decide(lists, "http://www.google.co.uk/search?q=volcano", "tom").rewrite is None


def test_without_lists_pupils_are_blocked_and_staff_are_not(lists):
    policy = Policy(policy_data(), None)
    pupil = policy.decide(parse_target("http://bbc.example/"), "sam", MONDAY_LESSON)
    staff = policy.decide(parse_target("http://bbc.example/"), "tom", MONDAY_LESSON)
    assert (pupil.action, pupil.rule) == ("block", "no-lists")
    assert (staff.action, staff.rule) == ("allow", "no-lists")


def test_without_a_policy_everything_is_blocked_and_the_reason_says_so():
    decision = Policy.fail_closed("no policy").decide(parse_target("http://a.example/"), "x")
    assert (decision.action, decision.rule, decision.reason) == ("block", "no-policy",
                                                                 "no policy")


def test_standalone_blocking_gives_everyone_the_same_answer(lists):
    policy = Policy.standalone_blocking(lists, ["games"])
    assert policy.decide(parse_target("http://games.example/"), "anyone").action == "block"
    assert policy.decide(parse_target("http://social.example/"), "anyone").action == "allow"
