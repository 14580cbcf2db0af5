import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.filtering import actions

from .conftest import soon

MONDAY_LESSON = "2026-11-23T10:00:00+00:00"
MONDAY_LUNCH = "2026-11-23T12:30:00+00:00"


def decide(capsys, url, user, at=MONDAY_LESSON):
    call_command("filter", "decide", url, "--user", user, "--at", at, "--json")
    return json.loads(capsys.readouterr().out)


def test_the_same_url_gets_different_answers_by_group_and_time(
        imported, capsys, pupil, teacher, ks1_pupil, ks4_pupil):
    url = "http://www.facebook.com/"
    assert decide(capsys, url, "pupil", MONDAY_LUNCH) == {
        "action": "block", "category": "social_networks", "group": "ks3",
        "rule": "group-policy", "reason": "Social networks is blocked for Key Stage 3."}
    shop = "http://www.amazon.co.uk/"
    assert decide(capsys, shop, "teacher")["action"] == "block"
    assert decide(capsys, shop, "teacher", MONDAY_LUNCH) == {
        "action": "allow", "category": "shopping", "group": "staff", "rule": "allowed",
        "reason": ""}
    assert decide(capsys, url, "kit")["rule"] == "approved-only"
    assert decide(capsys, "http://store.steampowered.com/", "kai", MONDAY_LUNCH)["action"] == (
        "allow")
    assert decide(capsys, "http://store.steampowered.com/", "kai")["action"] == "block"


def test_a_statutory_category_is_blocked_for_staff_too(imported, capsys, teacher):
    result = decide(capsys, "https://pornhub.com/", "teacher", MONDAY_LUNCH)
    assert (result["action"], result["rule"]) == ("block", "statutory")


def test_an_approved_unblock_shows_in_decide_while_it_runs(imported, capsys, school, pupil,
                                                          teacher, it_manager, publishing):
    from esafety.filtering.models import Category

    request = actions.unblock_request(
        actor=teacher, category=Category.objects.get(school=school, name="gambling"),
        form="8B", reason="PSHE: how betting adverts target young people.",
        starts_at=soon(hours=-1), ends_at=soon(hours=1))
    assert decide(capsys, "http://bet365.com/", "pupil", soon().isoformat())["action"] == "block"
    with publishing():
        actions.unblock_approve(actor=it_manager, request=request)
    result = decide(capsys, "http://bet365.com/", "pupil", soon().isoformat())
    assert (result["action"], result["rule"]) == ("allow", "unblock")
    after = decide(capsys, "http://bet365.com/", "pupil", soon(hours=2).isoformat())
    assert after["action"] == "block"


def test_decide_names_an_unknown_user_and_a_bad_time_clearly(imported):
    with pytest.raises(CommandError, match="no person with username 'ghost'"):
        call_command("filter", "decide", "http://a.example/", "--user", "ghost")


def test_decide_refuses_a_bad_time(imported, pupil):
    with pytest.raises(CommandError, match="is not an ISO-8601 time"):
        call_command("filter", "decide", "http://a.example/", "--user", "pupil", "--at", "noon")


def test_decide_says_the_category_in_plain_english(imported, capsys, pupil):
    call_command("filter", "decide", "http://www.facebook.com/", "--user", "pupil", "--at",
                 MONDAY_LESSON)
    out = capsys.readouterr().out
    assert "category: Social networks (social_networks)" in out
    assert "why: The group's rules (group-policy)" in out
