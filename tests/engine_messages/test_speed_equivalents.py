"""Shortcuts in the check engine give exactly what the plainer code they replace gives:
phrase groups whose groups do not capture and their first match found after a word's edge,
the quoted lines taken out of a reply, tripled letters made double, the stretches around
trigger words, and the test for a stem."""

import random
import re

import pytest

from esafety.engine.messages import normalise
from esafety.engine.messages.checker import Context
from esafety.engine.messages.classifier import (
    AFTER_EDGE,
    Lexicon,
    _phrase_body,
    default_classifier,
    load_lexicon,
    uncaptured,
)
from esafety.engine.messages.directory import EMPTY
from esafety.engine.messages.message import ParsedMessage


@pytest.mark.parametrize("pattern, text", [
    ("(a|b)c", "x bc ac"),
    (r"\(a\)|(b)", "(a) b"),
    ("[(]a(b)", "(ab"),
    ("[^)(]+(x)", "ab x"),
    ("[]()]q", ")q"),
    ("[^]()]q", "zq"),
    (r"(?:a)(?<!x )(b)?c", "ac abc"),
    (r"(\w+ ){0,2}end", "the very end"),
    (r"(a)\1", "aa"),  # refers to its group: left as it is
    (r"(?P<n>a)(?P=n)", "aa"),
    ("(?x) (a) # (note", "a"),
])
def test_uncaptured_matches_the_same(pattern, text):
    plain = re.compile(pattern)
    rewritten = re.compile(uncaptured(pattern))
    assert [m.span() for m in rewritten.finditer(text)] == \
        [m.span() for m in plain.finditer(text)]
    if not re.search(r"\\[1-9]|\(\?P[=<]|#", pattern):
        assert rewritten.groups == 0


def test_lexicon_groups_match_as_written():
    """Each phrase group's searcher, run over the text with a space before it, finds what
    its patterns as written find, where they find it, on text made of the words of the
    patterns themselves."""
    lexicon = load_lexicon()
    words = sorted({w for _, _, patterns in lexicon.groups for p in patterns
                    for w in re.findall(r"[a-z]+", p)})
    rng = random.Random(7)
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 40))) for _ in range(300)]
    texts += ["i want to die", "he hits me", "kill myself lol", "nobody cares about me"]
    texts += [" | ".join(texts[i:i + 3]) for i in range(0, 60, 3)]  # stretches (see hits)
    texts += [text.replace(" ", "|", 2) for text in texts[:30]]  # a "|" between words
    texts += [text.replace(" ", "é", 1) for text in texts[:10]]  # not only a-z, " " and "|"
    for regex, _, patterns in lexicon.groups:
        written = re.compile(r"(?<![a-z0-9])(?:" + "|".join(f"(?:{p})" for p in patterns)
                             + r")(?![a-z0-9])")
        assert regex.pattern == AFTER_EDGE + _phrase_body(patterns)
        for text in texts + [" " + text for text in texts[:50]] + ["*" + texts[0]]:
            assert [(m.group(0)[1:], m.start()) for m in regex.finditer(" " + text)] == \
                [(m.group(0), m.start()) for m in written.finditer(text)]


def _own_text_by_lines(body: str) -> str:
    return "\n".join([line for line in body.split("\n")
                      if ">" not in line or line.lstrip()[:1] != ">"])


def test_own_text_takes_out_the_same_lines():
    rng = random.Random(11)
    pieces = ["a", ">", " ", "\n", "\t", "\x0b", "\x1c", "\u00a0", "\u2028", "b", "\u3000", "> x"]
    bodies = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 14)))
              for _ in range(20_000)]
    bodies += ["", ">", "\n", "a\n>b", ">a\nb", "a\n\n>c", "> q\n> r\n", "a > b\n >c\nd"]
    classifier = default_classifier()
    for body in bodies:
        ctx = Context(msg=ParsedMessage(body=body), directory=EMPTY, audience="inbound",
                      sender_role=None, classifier=classifier)
        assert ctx.own_text == _own_text_by_lines(body), repr(body)


def _tokens_by_regex(text: str) -> list[str]:
    """tokens(), step by step, with every run of a letter made two by the regex."""
    text = normalise.fold(text)
    if "http" in text or "www." in text:
        text = normalise._replace_urls(text)
    if "@" in text and "." in text:
        text = normalise._replace_emails(text)
    text = normalise._REPEATS.sub(r"\1\1", text)
    joined = normalise._join_spaced_letters(text)
    if joined is not None:
        text = joined
    forms = (tok if tok.isalpha() else normalise._normalise_token(tok)
             for tok in normalise._raw_tokens(text))
    return [form for form in forms if form]


def test_tripled_letters_made_double_as_the_regex_does():
    rng = random.Random(5)
    pieces = list("aab!!**$$@@ .,-'|+1") + ["é", "ё", "zzzz", "f u c k ", "http://x.y "]
    for i in range(20_000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 24)))
        if i % 5_000 == 0:
            normalise._TOKEN_CACHE.clear()  # (a cold memory as well as a warm one)
        assert normalise.tokens(text) == _tokens_by_regex(text), repr(text)


def _around_by_lists(toks, where, when) -> str:
    places = sorted(i for word in when & where.keys() for i in where[word])
    stretches: list[list[int]] = []
    for i in places:
        start, end = max(0, i - 15), i + 16
        if stretches and start <= stretches[-1][1]:
            stretches[-1][1] = end
        else:
            stretches.append([start, end])
    return " | ".join(" ".join(toks[a:b]) for a, b in stretches)


def test_stretches_around_trigger_words():
    rng = random.Random(3)
    for _ in range(20_000):
        toks = [rng.choice("abcdefgh") for _ in range(rng.randint(0, 120))]
        where: dict[str, list[int]] = {}
        for i, tok in enumerate(toks):
            if tok in "abc":
                where.setdefault(tok, []).append(i)
        when = frozenset(rng.sample("abcdx", rng.randint(0, 4)))
        assert Lexicon._around(toks, where, when) == _around_by_lists(toks, where, when)


def test_stem_test_remembers_tokens():
    lexicon = load_lexicon()
    stem = lexicon.stems[0][0]
    for tokset in ({"hello", "world"}, {f"x{stem}y"}, {"hello"}, {f"x{stem}y", "b"}, set()):
        expected = any(s in tok for tok in tokset for s, _, _ in lexicon.stems)
        assert lexicon._holds_stem(tokset) == expected
        assert lexicon._holds_stem(tokset) == expected  # (again, from its memory)
