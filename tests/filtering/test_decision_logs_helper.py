"""What the Squid helper writes to its decision log: blocked and flagged requests and every
search one by one (who, device, time, what, the words searched for), allowed traffic only as
per-person, per-day, per-category counts flushed with each spool rotation."""

import json
import time

from esafety.engine.urls.helper import (
    COUNT_EVERY,
    DecisionSpool,
    Helper,
    _Fixed,
    search_term,
)
from esafety.engine.urls.policy import Policy
from tests.engine_urls.conftest import list_dir, lists  # noqa: F401  (fixtures)
from tests.engine_urls.test_policy import MONDAY_LESSON, policy_data


class Spool:
    """Collects what the helper writes, and counts rotations."""

    def __init__(self):
        self.records: list[dict] = []
        self.rotations = 0

    def write(self, batch):
        self.records.extend(batch)

    def rotate(self, force=False):
        if force:
            self.rotations += 1


def helper_with_spool(lists):  # noqa: F811
    helper = Helper(_Fixed(Policy(policy_data(), lists)), "http://unused.test/")
    spool = Spool()
    helper.spool = spool  # type: ignore[assignment]
    return helper, spool


def test_search_terms_are_read_from_google_bing_duckduckgo_and_youtube_only():
    assert search_term("www.google.co.uk", "http://www.google.co.uk/search?q=how+to+revise&hl=en"
                       ) == "how to revise"
    assert search_term("www.bing.com", "http://www.bing.com/search?form=x&q=cats%20and+dogs"
                       ) == "cats and dogs"
    assert search_term("duckduckgo.com", "http://duckduckgo.com/?q=volcano") == "volcano"
    assert search_term("www.youtube.com",
                       "http://www.youtube.com/results?search_query=minecraft") == "minecraft"
    assert search_term("notgoogle.com", "http://notgoogle.com/search?q=secret") == ""
    assert search_term("www.google.com", "http://www.google.com/search") == ""
    assert search_term("www.google.com", "http://www.google.com/search?q=+&x=1") == ""
    assert search_term("example.org", "http://example.org/?q=anything") == ""


def test_the_helper_logs_searches_blocks_and_rewrites_and_counts_the_rest(lists):  # noqa: F811
    helper, spool = helper_with_spool(lists)
    answers = helper.answer_lines([
        "0 http://www.google.com/search?q=volcano+facts 10.0.0.9/- sam GET",
        "1 http://www.bing.com/search?q=maths 10.0.0.8/- tom GET",
        "2 www.google.com:443 10.0.0.9/- sam CONNECT",
        "3 http://games.example/ 10.0.0.9/- sam GET",
        "4 http://fine.example/a 10.0.0.9/- sam GET",
        "5 http://fine.example/b 10.0.0.9/- sam GET",
        "6 http://fine.example/c 10.0.0.5/- - GET",
        "7 http://games.example/ 10.0.0.8/- tom GET",
    ], MONDAY_LESSON)
    assert answers[0].startswith('0 OK rewrite-url="') and answers[1] == "1 ERR"
    logged = [(r["user"], r["client"], r["action"], r.get("term", ""), r["host"])
              for r in spool.records]
    assert logged == [("sam", "10.0.0.9", "rewrite", "volcano facts", "www.google.com"),
                      ("tom", "10.0.0.8", "search", "maths", "www.bing.com"),
                      ("sam", "10.0.0.9", "block", "", "games.example")]
    assert all(r["t"] == round(MONDAY_LESSON, 3) and r["policy"] == "7" for r in spool.records)
    # The CONNECT and the allowed pages are counted, not logged: nothing written until a flush.
    assert sum(helper.allowed.values()) == 5
    day = time.strftime("%Y-%m-%d", time.gmtime(MONDAY_LESSON))
    helper.flush(force=True)
    counts = sorted((r["user"], r["client"], r["group"], r["category"], r["n"])
                    for r in spool.records if r.get("kind") == "allowed")
    assert counts == [("", "10.0.0.5", "guests", "", 1), ("sam", "", "ks3", "", 3),
                      ("tom", "", "staff", "games", 1)]
    assert {r["day"] for r in spool.records if r.get("kind") == "allowed"} == {day}
    assert spool.rotations == 1 and helper.allowed == {}
    helper.flush(force=True)  # nothing new: no second set of counts
    assert len([r for r in spool.records if r.get("kind") == "allowed"]) == 3


def test_the_counts_reach_a_real_spool_file_when_it_rotates(lists, tmp_path):  # noqa: F811
    helper = Helper(_Fixed(Policy(policy_data(), lists)), "http://unused.test/",
                    DecisionSpool(tmp_path / "decisions"))
    helper.answer_lines(["http://fine.example/ 10.0.0.9/- sam GET"] * 5, MONDAY_LESSON)
    assert list((tmp_path / "decisions").iterdir()) == []  # allowed: nothing written yet
    helper.flush(force=True)
    [done] = list((tmp_path / "decisions").glob("*.jsonl"))
    [line] = [json.loads(x) for x in done.read_text().splitlines()]
    assert (line["kind"], line["user"], line["n"]) == ("allowed", "sam", 5)


def test_counts_wait_for_their_window_then_go_out_with_the_next_rotation(lists):  # noqa: F811
    helper, spool = helper_with_spool(lists)
    helper.answer_lines(["http://fine.example/ 10.0.0.9/- sam GET"] * 3, MONDAY_LESSON)
    helper.flush()  # an ordinary rotation: the counts keep counting
    assert spool.records == [] and sum(helper.allowed.values()) == 3
    helper.allowed_since -= COUNT_EVERY
    helper.flush()
    assert [(r["kind"], r["n"]) for r in spool.records] == [("allowed", 3)]
    assert spool.rotations == 1


def test_without_a_log_nothing_is_counted(lists):  # noqa: F811
    helper = Helper(_Fixed(Policy(policy_data(), lists)), "http://unused.test/")
    helper.answer_lines(["http://fine.example/ 10.0.0.9/- sam GET"], MONDAY_LESSON)
    assert helper.allowed == {}
