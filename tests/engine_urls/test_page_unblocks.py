"""An unblock for a page opens that page and the pages below it, never the rest of the site
(a request for www.bbc.co.uk/bitesize once unblocked the whole domain)."""

import json

from esafety.engine.urls.snapshot import write_snapshot

from .test_helper import run_all
from .test_policy import MONDAY_LESSON, decide, policy_data

PAGE = {"id": 9, "categories": [], "sites": [], "urls": ["social.example/groups/robotics"],
        "groups": ["ks3"], "forms": [], "users": [], "starts": MONDAY_LESSON - 60,
        "ends": MONDAY_LESSON + 3600, "reason": "Robotics club page"}


def test_a_page_unblock_opens_the_page_and_the_pages_below_it(lists):
    for url in ("http://social.example/groups/robotics",
                "http://www.social.example/groups/robotics/",
                "http://social.example/groups/robotics/photos?id=3",
                "http://SOCIAL.example/Groups/Robotics"):
        decision = decide(lists, url, "sam", unblocks=[PAGE])
        assert (decision.action, decision.rule) == ("allow", "unblock"), url


def test_a_page_unblock_does_not_open_the_rest_of_the_site(lists):
    for url in ("http://social.example/", "http://social.example/groups/robotics-fans",
                "http://social.example/groups/other", "http://chat.social.example/groups/robotics",
                "http://social.example/x?next=/groups/robotics"):
        decision = decide(lists, url, "sam", unblocks=[PAGE])
        assert (decision.action, decision.rule) == ("block", "group-policy"), url


def test_a_page_unblock_cannot_open_https_without_interception(lists):
    decision = decide(lists, "social.example:443", "sam", method="CONNECT", unblocks=[PAGE])
    assert decision.action == "block"


def test_a_page_unblock_is_only_for_its_audience_and_its_period(lists):
    url = "http://social.example/groups/robotics"
    assert decide(lists, url, "tom", unblocks=[PAGE]).rule != "unblock"
    assert decide(lists, url, "sam", MONDAY_LESSON + 3601, unblocks=[PAGE]).action == "block"


def test_a_whole_site_unblock_still_opens_every_page(lists):
    site = dict(PAGE, urls=[], sites=["social.example"])
    assert decide(lists, "http://social.example/anything", "sam", unblocks=[site]).action == (
        "allow")


def test_the_squid_helper_answers_a_page_unblock_the_same_way(lists, tmp_path):
    folder = tmp_path / "filtering"
    write_snapshot(lists, folder / "lists.snap")
    data = policy_data(unblocks=[dict(PAGE, starts=0, ends=4_000_000_000)])
    (folder / "policy.json").write_text(json.dumps(data))
    answers, _ = run_all(["--snapshot", str(folder), "--no-log"], [
        "1 http://www.social.example/groups/robotics/photos 10.0.0.9/- sam GET",
        "2 http://www.social.example/groups/other 10.0.0.9/- sam GET",
        "3 http://www.social.example/ 10.0.0.9/- sam GET",
        "4 social.example:443 10.0.0.9/- sam CONNECT"])
    assert answers[0] == "1 ERR"
    assert [a.split(" ", 2)[1] for a in answers[1:]] == ["OK", "OK", "OK"]
    assert all("rule=group-policy" in a for a in answers[1:])
