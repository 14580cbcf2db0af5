"""A phrase group is searched only in text holding one of its trigger words (`when`), so a
wording its patterns allow but whose words are all missing from `when` is never found: "no
one would care" was missed because only "nobody" and "noone" were triggers, "watch your
back" because neither word was. Here every pattern of the shipped lexicon is sampled
(hypothesis writes text each pattern matches) and each sample must hold a trigger word."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from esafety.engine.messages.classifier import Classifier, load_lexicon, load_model
from esafety.engine.messages.normalise import tokens

LEXICON = load_lexicon()
PATTERNS = [(index, number, pattern, hit.category)
            for index, (_, hit, patterns) in enumerate(LEXICON.groups)
            for number, pattern in enumerate(patterns)]
_LOOK = ("(?=", "(?!", "(?<=", "(?<!")


def _without_lookarounds(pattern: str) -> str:
    """The pattern with its look-aheads and look-behinds taken out: they test the words
    around a match, never the words in it, and the sampler need not satisfy them."""
    out, k = [], 0
    while k < len(pattern):
        if pattern.startswith(_LOOK, k):
            depth = 0
            while k < len(pattern):
                if pattern[k] == "\\":
                    k += 2
                    continue
                depth += {"(": 1, ")": -1}.get(pattern[k], 0)
                k += 1
                if depth == 0:
                    break
            continue
        out.append(pattern[k])
        k += 1
    return "".join(out).replace("\\b", "").replace("^", "").replace("$", "")


def _plain_words(pattern: str) -> str:
    # \w+ in a pattern stands for any word: a plain one keeps the samples readable.
    return pattern.replace("\\w+", "someword").replace("\\w", "x").replace(
        "\\d+", "7").replace("\\d", "7")


@pytest.mark.parametrize("index,number,pattern,category", PATTERNS,
                         ids=[f"group{i}-{n}" for i, n, _, _ in PATTERNS])
def test_every_wording_a_pattern_allows_holds_a_trigger_word(index, number, pattern, category):
    when = LEXICON._group_when[index]
    regex = _plain_words(_without_lookarounds(pattern))

    @settings(max_examples=25, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(st.from_regex(regex, fullmatch=True, alphabet=st.characters(codec="ascii")))
    def check(sample):
        words = set(tokens(sample))
        assert words & when, (f"{category} phrase group {index}, pattern {number}: "
                              f"{sample!r} holds none of its trigger words {sorted(when)}")

    check()


CLASSIFIER = Classifier(LEXICON, load_model())


@pytest.mark.parametrize("text,category", [
    ("no one would care if i was gone", "self_harm"),
    ("i want it all to end", "self_harm"),
    ("i just want it all to be over", "self_harm"),
    ("this is my last message", "self_harm"),
    ("i wont be here for long", "self_harm"),
    ("watch your back", "violence"),
    ("i know where you sleep", "violence"),
    ("ur next", "violence"),
    ("no one likes you", "abuse"),
    ("we all hate you", "abuse"),
])
def test_wordings_once_missed_for_want_of_a_trigger(text, category):
    assert category in CLASSIFIER.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", [
    "what to look for in your next phone",
    "you're next in line",
    "what it would be like to jump off the top board at the pool",
    "what it would feel like to fall off a horse",
])
def test_ordinary_words_near_those_wordings_are_not_findings(text):
    assert not CLASSIFIER.classify(text, mail=True).flagged, text


def test_the_sampler_sees_through_lookarounds():
    assert _without_lookarounds(r"kms(?![^|]{0,40}\b(lol|jk)\b)") == "kms"
    assert _without_lookarounds(r"(?<!the )shut (up|it)(?! by)") == "shut (up|it)"
    assert re.fullmatch(_without_lookarounds(r"a(?=(b|c))b"), "ab")


def test_every_word_and_trigger_word_is_one_token_as_the_tokeniser_reads_it():
    # A lexicon word the tokeniser reads otherwise ("no1" is read as "noi") never matches.
    # (Inflections made by adding letters, "jackasss", are read back as the word itself.)
    wrong = [word for word in [*LEXICON.words, *LEXICON.triggers]
             if tokens(word) != [word] and not re.search(r"(.)\1\1", word)]
    assert wrong == []


def test_no1_is_read_as_no_one():
    assert "abuse" in CLASSIFIER.classify("no1 likes u").flagged_categories
