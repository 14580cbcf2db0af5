"""The Squid helper's compiled fast path (_fastpath.c) gives the Python path's answers,
decision-log records and allowed counts, line for line; without it the helper answers in
Python. (How fast each is: benchmarks/filtering_vs_squidguard.py --school.)"""

import os
import random
import shutil
import sys
import sysconfig
from pathlib import Path

import pytest

from esafety.engine.urls import fastpath
from esafety.engine.urls.helper import DecisionSpool, Helper, _Fixed
from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.policy import Policy
from esafety.engine.urls.snapshot import compile_lists, load_snapshot, write_snapshot

from .conftest import write_category
from .test_policy import MONDAY_LESSON, MONDAY_LUNCH, policy_data

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


def needs_compiled():
    """Skips a test of the compiled fast path when it is not built here (tests/conftest.py
    builds it when a C compiler is there), saying why; scripts/test sets
    ESAFETY_REQUIRE_SPEEDUPS=1, and there it fails instead."""
    if fastpath.compiled is not None:
        return
    compiler = (sysconfig.get_config_var("CC") or "cc").split()[0]
    if shutil.which(compiler) is None:
        why = f"there is no C compiler ({compiler}) to build _fastpath.c"
    else:
        why = "_fastpath.c did not compile here (python scripts/build_fastpath.py says why)"
    if os.environ.get("ESAFETY_REQUIRE_SPEEDUPS"):
        pytest.fail(f"scripts/test tests the helper's compiled fast path, but {why}")
    pytest.skip(f"the helper's compiled fast path is not built: {why}; "
                "it answers in Python with the same answers")


class Counting:
    """The compiled module, counting the lines it hands back to the Python path."""

    def __init__(self, module):
        self.module = module
        self.lines = 0
        self.slow = 0

    def __getattr__(self, name):  # build_lists_flat, lookup
        return getattr(self.module, name)

    def build_lists(self, *tables):
        return self.module.build_lists(*tables)

    def build(self, spec):
        return self.module.build(spec)

    def answer(self, handle, data, working, records, allowed, day, t_json, slow):
        self.lines += data.count(b"\n") + 1

        def counted(raw):
            self.slow += 1
            return slow(raw)

        return self.module.answer(handle, data, working, records, allowed, day, t_json,
                                  counted)


def run_both(policy, lines, now, tmp_path, monkeypatch, batch=500, log=True):
    """(answers, spool text, allowed counts) from the Python path and the compiled one,
    and the Counting wrapper of the compiled module."""
    counting = Counting(fastpath.compiled)
    monkeypatch.setattr(fastpath, "compiled", counting)
    results = []
    for compiled in (False, True):
        folder = tmp_path / ("compiled" if compiled else "python")
        spool = DecisionSpool(folder) if log else None
        helper = Helper(_Fixed(policy), "http://block.test/page", spool, compiled=compiled)
        answers = []
        for start in range(0, len(lines), batch):
            answers += helper.answer_lines(lines[start:start + batch], now)
        counts = list(helper.allowed.items())  # in order: the spool writes them so
        text = ""
        if spool is not None and spool.fh is not None:
            spool.fh.close()
            text = spool.path.read_text() if spool.path else ""
        results.append((answers, text, counts))
    return results[0], results[1], counting


@pytest.fixture
def rich_lists(list_dir):
    write_category(list_dir, "adult", "porn.example\nnaughty.test\n",
                   "images.example/adult\nshop.example/adult/toys\n")
    write_category(list_dir, "games", "games.example\n",
                   "www.play.example/arcade\nplay.example/q?game=1\n")
    write_category(list_dir, "publicite", expressions="/banner/.*\\.gif\n/adverts/[0-9]+\n")
    return compile_lists(read_lists(list_dir))


USERS = {"kit": ["ks1", "1A"], "sam": ["ks3", "8B"], "tom": ["staff", ""],
         "amy": ["ks3", "9C"], "bob": ["ks3", "8B"], "o'neil": ["ks3", "9C"],
         "x+y": ["staff", ""], "eve": ["guests", ""], "zed": ["nogroup", ""],
         "zoe": ["ks3", "9C"]}


def rich_policy(lists, **overrides):
    unblock = {"id": 3, "categories": ["gambling"], "sites": ["unblocked.example"],
               "groups": [], "forms": ["8B"], "users": ["tom"], "urls": ["play.example/arcade"],
               "starts": MONDAY_LESSON - 60, "ends": MONDAY_LESSON + 60, "reason": "PSHE"}
    data = policy_data(
        users=USERS, statutory=["adult"],
        refused={"leaver": "left", "oldguest": "expired", "Gone": "inactive"},
        aup_pending=["amy"], unidentified="signin",
        signin_page="http://portal.test/internet/sign-in/?school=x",
        aup_page="http://portal.test/internet/aup/",
        web_hosts=["portal.test", "127.0.0.1", "Login.Example:443"],
        school_block=["blocked.example"], school_allow=["bet.example", "allowed.example"],
        unblocks=[unblock],
        suspensions=[{"user": "zoe", "starts": 0, "ends": 4e9, "id": 1}],
        version='v"7\\')
    data.update(overrides)
    return Policy(data, lists)


HOSTS = ["porn.example", "WWW.Porn.Example", "cdn.naughty.test", "social.example",
         "chat.social.example", "games.example", "shop.example", "proxy.example",
         "bet.example", "m.bet.example", "bbc.example", "news.bbc.example", "portal.test",
         "www.portal.test", "evilportal.test", "login.example", "127.0.0.1", "10.1.2.3",
         "blocked.example", "x.blocked.example", "allowed.example", "unblocked.example",
         "images.example", "www.images.example", "www2.images.example", "play.example",
         "www.play.example", "approved.example", "www.google.co.uk", "google.com",
         "www.bing.com", "duckduckgo.com", "m.youtube.com", "a..b", "trailing.example.",
         "UPPER.EXAMPLE", "under_score.example", "xn--bcher-kva.example", "bücher.example",
         "user:pw@games.example", "[::1]", "x" * 300 + ".example", "games.example:8080",
         "games.example:", "games.example:abc", "games.example:123456"]
PATHS = ["", "/", "/index.html", "/adult", "/adult/x", "/ADULT", "/adult/toys?x=1",
         "?q=1", "/a//b", "/x?y=//z", "/banner/a.gif", "/adverts/12", "/search?q=cats",
         "/search?q=a+b&safe=off", '/q"uote', "/a'b<c>d", "/a\\b", "/h#frag", "/p&q=1",
         "/%7Euser", "/arcade", "/arcade/level2", "/q?game=1", "/q?game=1&more=2",
         "/images/x", "/event", "/" + "p" * 1100, "/café"]
PEOPLE = ["kit", "sam", "SAM", "tom", "amy", "Amy", "bob", "o'neil", "x+y", "x%2By", "eve",
          "zed", "zoe", "leaver", "LEAVER", "gone", "oldguest", "stranger", "-", "-", "-",
          "pupil%20one", "élodie", 'q"uote']
SCHEMES = ["http://", "https://", "", "HTTP://", "ftp://", "h" * 20 + "://", "1http://"]


def generated_lines(count, seed=12):
    rng = random.Random(seed)
    lines = []
    for n in range(count):
        host = rng.choice(HOSTS)
        method = rng.choice(["GET", "GET", "GET", "POST", "CONNECT", "get"])
        if method == "CONNECT":
            url = f"{host}:{rng.choice(['443', '443', '8443', 'x'])}"
        else:
            url = rng.choice(SCHEMES) + host + rng.choice(PATHS)
        client = rng.choice(["10.0.0.7/-", "10.0.0.8/host.lan", "10.0.0.9", "a\"b/-"])
        user = rng.choice(PEOPLE)
        fields = [url, client, user, method]
        roll = rng.random()
        if roll < 0.05:
            fields = fields[:rng.randrange(0, 4)]
        elif roll < 0.6:
            fields += ["myip=127.0.0.1", "myport=3128"]
        sep = rng.choice([" ", " ", "  ", "\t"])
        line = sep.join(fields)
        if rng.random() < 0.4:
            line = f"{n % 50}{rng.choice([' ', '  ', chr(9)])}{line}"
        if rng.random() < 0.03:
            line = rng.choice(["", " ", "7", "\x00\xff garbage", "12 ", line + "\r",
                               line.replace(" ", "\x0b", 1), line + "\x7f"])
        lines.append(line)
    return lines


@pytest.mark.parametrize("now", [MONDAY_LESSON, MONDAY_LUNCH])
@pytest.mark.parametrize("log", [True, False])
def test_the_compiled_path_answers_logs_and_counts_as_the_python_path(
        rich_lists, tmp_path, monkeypatch, now, log):
    needs_compiled()
    lines = generated_lines(6000)
    python, compiled, counting = run_both(rich_policy(rich_lists), lines, now, tmp_path,
                                          monkeypatch, log=log)
    assert len(compiled[0]) == len(lines)
    for i, (a, b) in enumerate(zip(python[0], compiled[0], strict=True)):
        assert a == b, f"line {i}: {lines[i]!r}"
    assert compiled[1] == python[1]
    assert compiled[2] == python[2]
    if log:
        assert python[1].count("\n") > 500 and len(python[2]) > 50
    # Not a vacuous comparison: most lines were answered in C, some handed to Python.
    assert counting.lines == len(lines)
    assert 0.05 * len(lines) < counting.slow < 0.8 * len(lines)


@pytest.mark.parametrize("overrides", [
    {"unidentified": "guests"},
    {"signin_page": "", "aup_page": "", "unidentified": "signin"},
    {"refused": {}, "aup_pending": [], "web_hosts": [], "unidentified": "guests",
     "signin_page": "", "aup_page": ""},
    {"working_time": {}, "unblocks": [], "suspensions": [], "block_page": ""},
    {"block_page": "http://blocked.test/é?school=ü"},
])
def test_the_two_paths_agree_with_other_policies(rich_lists, tmp_path, monkeypatch, overrides):
    needs_compiled()
    lines = generated_lines(3000, seed=5)
    python, compiled, _ = run_both(rich_policy(rich_lists, **overrides), lines, MONDAY_LESSON,
                                   tmp_path, monkeypatch)
    assert compiled == python


def test_each_kind_of_decision_in_c_gives_the_python_answer(rich_lists, tmp_path, monkeypatch):
    needs_compiled()
    lines = ["1 http://porn.example/x 10.0.0.1/- o'neil GET",  # statutory
             "2 http://social.example/ 10.0.0.1/- o'neil GET",  # group policy
             "3 http://social.example/ 10.0.0.1/- x+y GET",  # staff in working time
             "4 http://bbc.example/ 10.0.0.1/- O'NEIL GET",  # allowed
             "5 http://blocked.example/ 10.0.0.1/- o'neil GET",  # school block
             "6 http://bet.example/ 10.0.0.1/- o'neil GET",  # school allow
             "7 http://portal.test/x 10.0.0.1/- - GET",  # esafety's own page
             "8 http://bbc.example/ 10.0.0.1/- leaver GET",  # access ended
             "9 http://bbc.example/a?b=c 10.0.0.1/- amy GET",  # AUP page
             "10 http://bbc.example/ 10.0.0.1/- - GET",  # sign in
             "11 http://porn.example/ 10.0.0.1/- - GET",  # statutory before sign in
             "12 http://bbc.example/ 10.0.0.1/- stranger GET",  # unknown person
             "13 http://images.example/adult/1 10.0.0.1/- x+y GET",  # URL list
             "14 games.example:443 10.0.0.1/- o'neil CONNECT",
             "15 http://x.example/banner/a.gif 10.0.0.1/- o'neil GET",  # an expression
             "16 http://IMAGES.example//Adult//x?a//b 10.0.0.1/- o'neil GET"]  # slashes
    python, compiled, counting = run_both(rich_policy(rich_lists), lines, MONDAY_LESSON,
                                          tmp_path, monkeypatch)
    assert compiled == python
    assert counting.slow == 0
    assert python[0][9] == ('10 OK status=302 url="http://portal.test/internet/sign-in/'
                            '?school=x&next=http://bbc.example/"')


def test_allowed_counts_made_in_c_reach_the_dict_in_the_python_paths_order(
        rich_lists, tmp_path, monkeypatch):
    """The compiled path counts allowed requests in C and hands them to the helper's dict
    at the end of each batch, before each line the Python path answers, and before it
    forgets its keys (a new day, or more than MAX_KEYS of them): the dict gets the same
    counts with the keys in the same order, and a dict emptied between batches (as the
    spool's flush does) starts again from nothing."""
    needs_compiled()
    policy = rich_policy(rich_lists, unidentified="guests")
    lines = []
    for i in range(fastpath.compiled.MAX_KEYS + 4000):  # nobody signed in: a key a client
        client = f"10.{i // 65536}.{i // 256 % 256}.{i % 256}"
        lines.append(f"http://bbc.example/{i % 7} {client}/- - GET")
        if i % 97 == 0:  # a new key made by the Python path between C's
            lines.append(f"http://x.example/%41 10.9.{i // 256 % 256}.{i % 256}/- - GET")
        if i % 3 == 0:  # an old key again
            lines.append("http://bbc.example/ 10.0.0.1/- - GET")
    results = []
    for compiled in (False, True):
        helper = Helper(_Fixed(policy), "http://block.test/page",
                        DecisionSpool(tmp_path / str(compiled)), compiled=compiled)
        batches = []
        for start in range(0, len(lines), 700):
            answers = helper.answer_lines(lines[start:start + 700], MONDAY_LESSON)
            if start // 700 % 5 == 4:  # the spool's flush takes the counts so far
                batches.append(list(helper.allowed.items()))
                helper.allowed = {}
            batches.append(answers)
        batches.append(list(helper.allowed.items()))
        helper.allowed = {}
        # The next day: the same keys again, with the new day's date.
        batches.append(helper.answer_lines(lines[:900], MONDAY_LESSON + 86400))
        batches.append(list(helper.allowed.items()))
        results.append(batches)
    python, compiled_ = results
    assert compiled_ == python
    counted = [n for batch in python if batch and isinstance(batch[0], tuple)
               for _, n in batch]
    assert sum(counted) == len(lines) + 900


def test_search_engines_pages_without_a_search_are_answered_in_c(rich_lists, tmp_path,
                                                                  monkeypatch):
    """A search engine's host is decided in C unless the request may hold search terms (a
    q or search_query parameter with words) or safe search may rewrite it (its group has safe search and the path is one
    the rewrite looks at): those go to the Python path."""
    needs_compiled()
    c_lines = ["1 http://www.google.co.uk/ 10.0.0.1/- o'neil GET",
               "2 http://maps.google.com/place/x 10.0.0.1/- o'neil GET",
               "3 www.google.com:443 10.0.0.1/- o'neil CONNECT",
               "4 http://www.bing.com/maps 10.0.0.1/- o'neil GET",
               "5 http://duckduckgo.com/about 10.0.0.1/- o'neil GET",
               "6 http://m.youtube.com/watch/x 10.0.0.1/- o'neil GET",
               "7 http://www.google.com/search/x 10.0.0.1/- x+y GET",  # staff: no safe search
               "8 http://www.google.com/ 10.0.0.1/- leaver GET",
               "9 http://www.google.com/ 10.0.0.1/- - GET",
               "16 http://www.youtube.com/watch?v=abc 10.0.0.1/- x+y GET",
               "17 http://docs.google.com/view/x?x=1&q=&Q=cats&qq=a#q=b 10.0.0.1/- x+y GET",
               "18 http://www.bing.com/maps?q=++&search_query 10.0.0.1/- x+y GET",
               "19 http://www.youtube.com/results?search_query=&q 10.0.0.1/- leaver GET"]
    python_lines = ["10 http://www.google.co.uk/search 10.0.0.1/- o'neil GET",
                    "11 http://www.google.com/IMAGES/x 10.0.0.1/- o'neil GET",
                    "12 http://www.bing.com/search/x 10.0.0.1/- o'neil GET",
                    "13 http://duckduckgo.com/q=cats 10.0.0.1/- o'neil GET",
                    "14 http://www.google.com/search?q=x 10.0.0.1/- x+y GET",
                    "15 http://www.youtube.com/results?search_query=x 10.0.0.1/- x+y GET",
                    "20 http://www.bing.com/maps?a=1&q=+x+ 10.0.0.1/- x+y GET",
                    "21 http://www.youtube.com/results?x&q=a%20 10.0.0.1/- x+y GET",
                    "22 http://www.google.com/x?search_query=cats 10.0.0.1/- leaver GET"]
    for lines, slow in ((c_lines, 0), (python_lines, len(python_lines))):
        python, compiled, counting = run_both(rich_policy(rich_lists), lines, MONDAY_LESSON,
                                              tmp_path / str(slow), monkeypatch)
        assert compiled == python
        assert counting.slow == slow
    assert python[0][0] == ("10 OK rewrite-url=\"http://www.google.co.uk/search?safe=active\"")


def test_lines_c_does_not_handle_go_to_the_python_path(rich_lists, tmp_path, monkeypatch):
    needs_compiled()
    lines = ["http://www.google.co.uk/search?q=cats 10.0.0.1/- sam GET",  # search term
             "http://bet.example/ 10.0.0.1/- bob GET",  # a form with an unblock
             "http://kit.example/ 10.0.0.1/- kit GET",  # approved sites only
             "http://x.example/%41 10.0.0.1/- sam GET",  # percent sign
             "http://x.example/ 10.0.0.1/- ",  # too few fields
             "http://bücher.example/ 10.0.0.1/- sam GET",  # not ASCII
             "http://m.youtube.com/results?search_query=x 10.0.0.1/- sam GET",  # search
             "http://x.example/ 10.0.0.1/- zoe GET"]  # suspended
    python, compiled, counting = run_both(rich_policy(rich_lists), lines, MONDAY_LESSON,
                                          tmp_path, monkeypatch)
    assert compiled == python
    assert counting.slow == len(lines)


def test_without_the_compiled_module_the_helper_answers_in_python(rich_lists, monkeypatch):
    monkeypatch.setattr(fastpath, "compiled", None)
    helper = Helper(_Fixed(rich_policy(rich_lists)), "http://block.test/page")
    answers = helper.answer_lines(["1 http://social.example/ 10.0.0.1/- sam GET",
                                   "2 http://bbc.example/ 10.0.0.1/- sam GET"], MONDAY_LESSON)
    assert answers[0].startswith('1 OK status=302 url="http://esafety.test/filtering/blocked/'
                                 '?url=http://social.example/&category=social_networks')
    assert answers[1] == "2 ERR"
    assert helper._fast is None


def test_a_module_built_from_another_source_is_not_used(monkeypatch, tmp_path):
    fake = tmp_path / "_fastpath.c"
    fake.write_text("/* another version */\n")
    monkeypatch.setattr(fastpath, "SOURCE", fake)
    assert fastpath.load() is None


def test_a_missing_module_loads_as_none(monkeypatch):
    import esafety.engine.urls as package

    monkeypatch.delattr(package, "_fastpath", raising=False)
    monkeypatch.setitem(sys.modules, "esafety.engine.urls._fastpath", None)
    assert fastpath.load() is None


def test_policies_it_does_not_handle_have_no_tables(rich_lists):
    needs_compiled()
    assert fastpath.tables(Policy.fail_closed("no policy"), "http://b/") is None
    assert fastpath.tables(Policy.standalone_blocking(rich_lists, "all"), "http://b/") is None
    assert fastpath.tables(Policy(policy_data(), None), "http://b/") is None
    assert fastpath.tables(rich_policy(rich_lists), "http://b/") is not None


@pytest.mark.parametrize("required", [False, True])
def test_without_the_compiled_path_its_tests_skip_except_in_scripts_test(monkeypatch,
                                                                         required):
    monkeypatch.setattr(fastpath, "compiled", None)
    if required:
        monkeypatch.setenv("ESAFETY_REQUIRE_SPEEDUPS", "1")
    else:
        monkeypatch.delenv("ESAFETY_REQUIRE_SPEEDUPS", raising=False)
    outcome = pytest.fail.Exception if required else pytest.skip.Exception
    with pytest.raises(outcome, match="compiled fast path"):
        needs_compiled()


def test_the_two_paths_agree_on_the_benchmark_stream_and_real_lists(tmp_path, monkeypatch):
    """The school-mode benchmark's policy and stream on the UT1 lists (when this machine
    has them: ../shared/data/urls)."""
    needs_compiled()
    sys.path.insert(0, str(BENCHMARKS))
    try:
        import filtering_stream
        import filtering_vs_squidguard as bench
    finally:
        sys.path.remove(str(BENCHMARKS))
    if not filtering_stream.UT1.is_dir() or not filtering_stream.BENIGN.is_dir():
        pytest.skip("the UT1 lists are not on this machine (../shared/data/urls)")
    lists = compile_lists(read_lists(filtering_stream.UT1))
    available = set(lists.categories)
    users = bench.school_people()
    policy = Policy(bench.school_policy(users, bench.school_blocks(available)), lists)
    lines = filtering_stream.make_stream(30_000, users=bench.stream_users(users))
    python, compiled, counting = run_both(policy, lines, MONDAY_LESSON, tmp_path, monkeypatch,
                                          batch=3000)
    for i, (a, b) in enumerate(zip(python[0], compiled[0], strict=True)):
        assert a == b, f"line {i}: {lines[i]!r}"
    assert compiled[1] == python[1]
    assert compiled[2] == python[2]
    assert counting.slow < 0.2 * len(lines)


def serve_both(policy, data, tmp_path, monkeypatch, chunks):
    """What Helper.serve writes back for the bytes `data` (sent through a pipe in pieces
    of the sizes `chunks` cycles through), its spool text and its allowed counts, from the
    Python path and from the compiled one, and the Counting wrapper."""
    import threading
    import time as time_

    counting = Counting(fastpath.compiled)
    monkeypatch.setattr(fastpath, "compiled", counting)
    monkeypatch.setattr(time_, "time", lambda: MONDAY_LESSON)
    results = []
    for compiled in (False, True):
        spool = DecisionSpool(tmp_path / ("compiled" if compiled else "python"))
        helper = Helper(_Fixed(policy), "http://block.test/page", spool, compiled=compiled)
        helper.flush = lambda force=False: None  # keep the counts and the spool file open
        rfd, wfd = os.pipe()
        ofd = os.open(tmp_path / f"out{compiled}", os.O_RDWR | os.O_CREAT)

        def feed(wfd=wfd):
            at, i = 0, 0
            while at < len(data):
                size = chunks[i % len(chunks)]
                os.write(wfd, data[at:at + size])
                at += size
                i += 1
            os.close(wfd)

        writer = threading.Thread(target=feed)
        writer.start()
        helper.serve(rfd, ofd)
        writer.join()
        os.close(rfd)
        os.close(ofd)
        out = (tmp_path / f"out{compiled}").read_bytes()
        spool.fh.close()
        results.append((out, spool.path.read_text(), list(helper.allowed.items())))
    return results[0], results[1], counting


@pytest.mark.parametrize("chunks", [[1 << 20], [7, 300, 4096, 1], [65536 * 5 + 3]])
def test_whole_batches_of_squids_bytes_get_the_python_paths_bytes(rich_lists, tmp_path,
                                                                   monkeypatch, chunks):
    """The compiled path reads a whole batch of Squid's bytes and writes the answers as
    bytes: lines handed to Python in the middle of a batch, garbage, NUL bytes, bytes that
    are not ASCII, carriage returns, blank lines, lines longer than it handles and than the
    helper reads (answered once), batches cut anywhere and a last line without a newline
    all get the Python path's answers, byte for byte, one a line."""
    needs_compiled()
    lines = [x.encode("latin-1") for x in generated_lines(4000, seed=3)]
    lines[100:100] = [b"", b"\x00", b"1 http://games.example/\x00x 10.0.0.1/- sam GET",
                      b"2 http://games.example/\xe9 10.0.0.1/- sam GET",
                      b"3 http://games.example/ 10.0.0.1/- sam GET\r",
                      b"4 http://games.example/" + b"a" * 3000 + b" 10.0.0.1/- sam GET",
                      b"5 http://games.example/" + b"b" * 70000 + b" 10.0.0.1/- sam GET",
                      b"\xff\xfe\x00garbage", b"6 http://www.google.com/?q=x 1.2.3.4/- sam GET"]
    endless = b"7 http://games.example/" + b"c" * 300000  # answered once, the rest dropped
    data = b"\n".join(lines) + b"\n" + endless + b"\n8 http://games.example/ 10.0.0.1/- sam GET"
    python, compiled, counting = serve_both(rich_policy(rich_lists), data, tmp_path,
                                            monkeypatch, chunks)
    assert compiled[0] == python[0]
    assert python[0].count(b"\n") == len(lines) + 2
    assert python[0].endswith(b"\n8 OK status=302 url=\"http://esafety.test/filtering/blocked/"
                              b"?url=http://games.example/&category=games&rule=group-policy"
                              b"&group=ks3&user=sam\"\n")
    assert compiled[1] == python[1]
    assert compiled[2] == python[2]
    assert 0 < counting.slow < counting.lines


def test_the_compiled_answer_takes_bytes_and_answers_each_line(rich_lists):
    """_fastpath.answer: b"" is one empty line; each line gets one answer ending in a
    newline; a line it does not answer goes to the Python path as a latin-1 str and its
    answer comes back in latin-1, a character latin-1 lacks as "?"."""
    needs_compiled()
    module = fastpath.compiled
    handle = module.build(fastpath.tables(rich_policy(rich_lists), "http://b.test/"))
    seen = []

    def slow(line):
        seen.append(line)
        return f"{len(seen)} slow é€"

    def answer(data):
        return module.answer(handle, data, True, None, None, "2026-12-04", "1.5", slow)

    assert answer(b"") == "1 slow \xe9?\n".encode("latin-1")
    assert seen == [""]
    assert answer(b"9 http://bbc.example/ 10.0.0.1/- o'neil GET\n\xe9\x00") == (
        b"9 ERR\n" + "2 slow \xe9?\n".encode("latin-1"))
    assert seen == ["", "\xe9\x00"]
    with pytest.raises(TypeError):
        answer("a str")


def test_lists_read_from_a_snapshot_are_looked_up_in_c_by_both_paths(rich_lists, tmp_path,
                                                                    monkeypatch):
    """A format 2 snapshot's large tables go straight from the file's bytes into the
    compiled tables, and the Python path (the lines handed to it) looks them up there,
    never making dicts: the same values for every key and none for others, and the same
    answers, records and counts as lists compiled in memory."""
    needs_compiled()
    loaded = load_snapshot(write_snapshot(rich_lists, tmp_path / "lists.snap"))
    policy = rich_policy(loaded)
    assert fastpath.tables(policy, "http://b/") is not None
    assert not isinstance(loaded.domains, dict) and loaded.flat is not None
    for table in ("domains", "urls"):
        view, real = getattr(loaded, table), getattr(rich_lists, table)
        assert len(view) == len(real)
        for key, value in real.items():
            assert view.get(key) == value and key in view
        for key in ("nothing.example", "", "porn.exampl", "x" + next(iter(real)), "é\ud800"):
            assert view.get(key) is None and key not in view
    assert all(h in loaded.url_hosts for h in rich_lists.url_hosts)
    assert "porn.example" not in loaded.url_hosts and 7 not in loaded.url_hosts
    lines = generated_lines(3000, seed=9)
    reference, _, _ = run_both(rich_policy(rich_lists), lines, MONDAY_LESSON,
                               tmp_path / "memory", monkeypatch)
    python, compiled, counting = run_both(policy, lines, MONDAY_LESSON, tmp_path / "snap",
                                          monkeypatch)
    assert python == reference and compiled == reference
    assert counting.slow > 100
    assert not isinstance(loaded.domains, dict)


def test_damaged_flat_tables_are_refused_by_the_compiled_module(rich_lists, tmp_path):
    needs_compiled()
    module = fastpath.compiled
    flat = load_snapshot(write_snapshot(rich_lists, tmp_path / "lists.snap")).flat
    names = ("domains.keys", "domains.values", "urls.keys", "urls.values", "url_hosts.keys")
    good = [flat.sections[n] for n in names]
    assert module.build_lists_flat(flat.data, tuple(good)) is not None
    offset, length, count = good[0]
    for bad in ((offset, length, count + 1), (offset, length // 2, count),
                (offset, len(flat.data), count), (-1, length, count)):
        with pytest.raises(ValueError):
            module.build_lists_flat(flat.data, (bad, *good[1:]))


def test_expressions_that_decide_and_those_that_only_name_the_category(list_dir, tmp_path,
                                                                       monkeypatch):
    """C runs the expressions of deciding categories for every URL holding a literal, and
    the others only when the answer names the first category of all (an allowed
    request's count, the school's block list): the same answers, records and counts."""
    needs_compiled()
    write_category(list_dir, "aaa_ads", "ads.example\n", expressions="/adverts/[0-9]+\n")
    write_category(list_dir, "publicite", expressions="/banner/.*\\.gif\n/adverts/1\n")
    write_category(list_dir, "zzz_more", expressions="/adverts/[0-9]+\n/banner/\n")
    lists = compile_lists(read_lists(list_dir))
    groups = {"ks3": {"rules": {"publicite": "block", "social_networks": "block"}},
              "staff": {"rules": {}}}
    policy = Policy(policy_data(groups=groups, users={"sam": ["ks3", "8B"], "tom": ["staff", ""]},
                                school_block=["blocked.example"]), lists)
    lines = [f"{i} http://{host}{path} 10.0.0.1/- {user} GET"
             for i, (host, path, user) in enumerate(
                 (h, p, u) for h in ("bbc.example", "ads.example", "blocked.example",
                                     "social.example")
                 for p in ("/", "/adverts/12", "/adverts/1", "/banner/x.gif", "/banner/",
                           "/x/banner/y")
                 for u in ("sam", "tom"))]
    python, compiled, counting = run_both(policy, lines, MONDAY_LESSON, tmp_path, monkeypatch)
    assert compiled == python
    assert counting.slow == 0
    assert {"aaa_ads", "zzz_more", "publicite"} <= {key[4] for key, _ in python[2]}
    assert "category=publicite&rule=group-policy" in python[0][4]
    assert "category=aaa_ads&rule=school-block" in python[0][27]
