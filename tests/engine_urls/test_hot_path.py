"""The school-mode hot path's shortcuts give the answers of the long way round."""

from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy
from esafety.engine.urls.snapshot import compile_lists

from .conftest import write_category
from .test_policy import policy_data


class CountingSearch:
    def __init__(self, rx, calls):
        self.rx, self.calls = rx, calls

    def search(self, text):
        self.calls.append(text)
        return self.rx.search(text)


def test_match_searches_no_expression_when_the_url_holds_none_of_their_literals(list_dir):
    write_category(list_dir, "publicite", expressions="/banner/.*\\.gif\n/adverts/[0-9]+\n")
    lists = compile_lists(read_lists(list_dir))
    calls: list[str] = []
    lists.expressions = [(bit, CountingSearch(rx, calls), literals)
                         for bit, rx, literals in lists.expressions]
    assert lists.match(parse_target("http://bbc.example/news/banner.gif")) == 0
    assert calls == []
    ads = lists.mask_of(["publicite"])
    assert lists.match(parse_target("http://x.example/banner/a.gif")) & ads
    assert lists.match(parse_target("http://x.example/adverts/12")) & ads
    assert not lists.match(parse_target("http://x.example/adverts/x")) & ads


def test_names_of_gives_a_fresh_list_each_time(lists):
    mask = lists.mask_of(["games", "adult"])
    first = lists.names_of(mask)
    first.append("changed by a caller")
    assert lists.names_of(mask) == ["adult", "games"]
    assert lists.names_of(0) == []


def test_web_hosts_open_the_host_and_its_subdomains_only(lists):
    policy = Policy(policy_data(web_hosts=["portal.test"], unidentified="signin",
                                signin_page="http://portal.test/sign-in/"), lists)

    def rule(url):
        return policy.decide(parse_target(url), "", 0.0, "GET", url).rule

    assert rule("http://portal.test/internet/sign-in/") == "esafety-page"
    assert rule("http://www.portal.test/") == "esafety-page"
    assert rule("http://evilportal.test/") == "sign-in"
    assert rule("http://portal.test.evil.example/") == "sign-in"
