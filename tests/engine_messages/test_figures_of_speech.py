"""Phrases of risk said as figures of speech: the model's `meant` reading.

Most teenage hyperbole names its trivial cause without any of the lexicon's markers ("i
just ate a whole pizza i want to die"). The model's `meant` head reads the words around
the phrase; in a short text where it reads a figure of speech, only the weaker sign
counts. Never in a long account, never where the model reads the text itself as one at
risk, and never for a lexicon entry that does not ask for it (`figurative_below`).
"""

import pytest
import yaml

from esafety.engine.messages.classifier import (
    CATEGORIES,
    LEXICON_PATH,
    MEANT,
    PLAN,
    SHORT_TEXT,
    Classifier,
    Lexicon,
    LexiconError,
)
from esafety.engine.messages.normalise import tokens


def self_harm(clf, text: str) -> float:
    return clf.classify(text).categories["self_harm"]


@pytest.mark.parametrize("text", [
    "the canteen put sweetcorn in the pasta i want to die",
    "my little brother changed my fortnite skin i want to die",
    "i want to kill myself this chilli sauce is actually illegal",
    "kms the ref gave a free kick for that",
    "the bus driver saw me run for it and drove off anyway i want to die",
    "ordered a medium and got a large iced coffee i want to die",
])
def test_a_trivial_cause_told_plainly_is_a_figure_of_speech(clf, text):
    result = clf.classify(text)
    assert result.categories["self_harm"] < 0.5, (text, result.hits)
    # The weaker sign still counts, and adds up with other signs of distress.
    assert any(h.category == "self_harm" for h in result.hits)


@pytest.mark.parametrize("text", [
    "i want to die",
    "i just want to kill myself",
    "kms",
    "i want to die when he comes into my room at night",
    "i hate my life i want to die",
    "everyone at school ignores me i want to die",
    "i want to kill myself tonight, i have the tablets",
])
def test_meant_stays_a_finding(clf, text):
    assert self_harm(clf, text) >= 0.6, text


def test_a_long_account_is_never_read_as_a_figure_of_speech(clf):
    text = ("so today was the worst day. " * 14) + "i ate a whole pizza and i want to die"
    assert len(tokens(text)) > SHORT_TEXT
    assert self_harm(clf, text) >= 0.6


def _with_figurative_below(value: float) -> Lexicon:
    with open(LEXICON_PATH, encoding="utf-8") as fh:
        data = yaml.safe_load(fh)
    for entry in data["phrases"]:
        if "figurative_below" in entry:
            entry["figurative_below"] = value
    return Lexicon(data)


def test_only_the_entries_that_ask_for_it_are_weakened(clf):
    text = "the canteen put sweetcorn in the pasta i want to die"
    assert self_harm(clf, text) < 0.5
    plain = Classifier(_with_figurative_below(0.0), clf.model)
    assert plain.classify(text).categories["self_harm"] >= 0.9


def test_figurative_below_must_be_a_probability():
    with pytest.raises(LexiconError, match="figurative_below"):
        _with_figurative_below(1.5)


def test_meant_is_a_reading_not_a_category(clf):
    assert MEANT in clf.model.heads
    result = clf.classify("i just ate a whole pizza i want to die")
    assert set(result.categories) == set(CATEGORIES)
    assert MEANT not in result.flagged_categories
    # How hostile a sentence reads (the check engine's excerpts) is read from the
    # categories alone.
    doc = tokens("i just want to die")
    probabilities = clf.model.probabilities([doc])[0]
    categories = [p for h, p in zip(clf.model.heads, probabilities, strict=True)
                  if h in CATEGORIES]
    assert clf.model.probability(doc) == pytest.approx(max(categories))


@pytest.mark.parametrize("head,path,source", [(MEANT, "FIGURES", "figures"),
                                               (PLAN, "PLANS", "plans")])
def test_a_head_taught_by_one_set_is_taught_by_it_alone(head, path, source):
    """The figures of speech teach `meant` and nothing else, the plans `plan`: the
    categories' heads are built as if they were not there."""
    import sys
    from pathlib import Path

    scripts = Path(__file__).resolve().parents[2] / "scripts"
    sys.path.insert(0, str(scripts))
    try:
        import build_classifier as build
    finally:
        sys.path.remove(str(scripts))
    own = build.load_fixtures(getattr(build, path), source)
    assert {r[3][head] for r in own} == {0, 1}
    rows = own + build.load_fixtures(build.YOUNG, "young")[:50] + [
        ("olid", "1", "you are an idiot", {"abuse": 1, "target": "IND"})]
    is_own = [r[0] == source for r in rows]
    _, weights = build.targets(rows, head)
    assert [w > 0 for w in weights] == is_own
    for other in build.HEADS:
        if other != head:
            _, weights = build.targets(rows, other)
            assert not any(w > 0 for w, f in zip(weights, is_own, strict=True) if f)
