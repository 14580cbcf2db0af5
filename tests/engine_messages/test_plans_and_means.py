"""Plans, means and preparation: what clinicians ask about, told in the writer's own words.

A method sought, a date chosen, letters written, the means got hold of. Said plainly of
oneself, a method sought or a reason asked for not dying is a finding alone; a date, a
letter, a gun or "someone kill me" may be an errand, a party or a cry over homework, so
each is only a sign that adds up with another. A word naming a means or a place (the
lexicon's `means`: a gun, tablets, a bridge) is no sign at all, but in a message that
names one the model's `plan` head reads whether the writer tells of a plan of their own.
"""

import pytest
import yaml

from esafety.engine.messages.classifier import (
    LEXICON_PATH,
    PLAN,
    PLAN_FROM,
    Classifier,
    Lexicon,
    LexiconError,
)


def self_harm(clf, text: str) -> float:
    return clf.classify(text).categories["self_harm"]


@pytest.mark.parametrize("text", [
    "can anyone tell me the quickest way to kill myself",
    "i found a painless way to end my life",
    "give me one reason why i shouldnt end it all",
    "why shouldnt i just kill myself",
    "honestly i deserve to die",
    "suicide is the only answer for me now",
    "ending it feels so peaceful when i think about it",
    "im preparing for my death, sorting out my room",
    "i just want to leave this shitty life",
    "i nearly jumped off the multi storey last night",
    "there is no reason for me to live",
    "i want to live but i also wana die",
    "how long would it take to starve to death",
])
def test_said_plainly_these_are_findings(clf, text):
    assert self_harm(clf, text) >= 0.5, (text, clf.classify(text).hits)


@pytest.mark.parametrize("text", [
    "i have the gun and i have the bullet, three days left",
    "the date is set and my letters are written",
    "well todays the day. i plan on doing it tonight, i just need to buy a gun first",
    "someone please just kill me i cant stop crying",
])
def test_two_signs_together_are_a_finding(clf, text):
    assert self_harm(clf, text) >= 0.5, (text, clf.classify(text).hits)


@pytest.mark.parametrize("text", [
    "my dad bought a new shotgun for the clay shoot",
    "the date is set for prom, cannot wait",
    "writing my letter to my pen pal in spain",
    "someone please kill me this lecture is three hours long",
    "gonna do it tonight, the essay has to be in by friday",
    "quickest way to die in minecraft so you respawn at your bed",
    "how long would it take to die in minecraft if you stand in lava",
    "how long does it take to starve to death in minecraft",
    "best place to die in fortnite so your squad can revive you",
    "no reason to stay up for the match this week",
    "i dont want to die, i want things to get better",
    "why shouldnt i just drop french for gcse",
    "ive written my note for the cover teacher, its on the desk",
])
def test_errands_games_and_hyperbole_are_not(clf, text):
    assert self_harm(clf, text) < 0.5, (text, clf.classify(text).hits)


def test_a_question_asking_why_not_is_no_denial(clf):
    # "why i shouldnt" asks for a reason; "i shouldnt" alone would deny.
    assert self_harm(clf, "give me one reason why i shouldnt cut my wrists") >= 0.5
    assert self_harm(clf, "i shouldnt cut my wrists, i know that") < 0.5


def test_a_means_word_alone_is_no_sign(clf):
    for text in ("packed my knife and rope for the camping trip", "took two pills for my "
                 "headache", "the bridge was closed so we walked the long way",
                 "my dad bought a new shotgun for the clay shoot"):
        result = clf.classify(text)
        assert result.categories["self_harm"] < 0.5, (text, result.hits)
        assert not result.flagged, text


def test_the_plan_reading_counts_only_where_a_means_is_named(clf):
    named = "went back to the bridge again and stood for ages next time i wont walk back".split()
    unnamed = "went back there again and stood for ages next time i wont walk back".split()
    rows = [_row(clf, plan=0.9)]  # as if the `plan` head read a plan
    found = clf._finish(named, [], rows, [named], False, True)
    assert found.categories["self_harm"] == pytest.approx(0.9)
    # The excerpt is the means named, with the words around it.
    assert [h.term for h in found.hits] == ["went back to the bridge again and stood for"]
    assert clf._finish(unnamed, [], rows, [unnamed], False, True).categories["self_harm"] < 0.5
    below = [_row(clf, plan=PLAN_FROM - 0.01)]
    assert clf._finish(named, [], below, [named], False, True).categories["self_harm"] < 0.5


@pytest.mark.parametrize("plan,errand", [
    ("been going up to the roof of the car park after school, next time im not coming back down",
     "went up to the roof for the fireworks, best view in town"),
    ("bought a gun off a mate, nobody knows, its for me not anyone else",
     "bought a gun off a mate for the airsoft game on sunday"),
])
def test_a_plan_is_told_from_an_errand(clf, plan, errand):
    assert clf.classify(plan).categories["self_harm"] >= 0.5, plan
    assert clf.classify(errand).categories["self_harm"] < 0.5, errand


@pytest.mark.parametrize("plan,errand", [
    ("the date is set. 14th. ive got everything sorted and i feel lighter than i have in months",
     "the date is set for prom, cannot wait"),
    ("ive written my note. rewrote it like 4 times. i think its finally right",
     "ive written my cover letter. rewrote it like 4 times. i think its finally right"),
])
def test_a_phrase_that_tells_a_plan_asks_the_plan_head(clf, plan, errand):
    result = clf.classify(plan)
    assert any(h.plan for h in result.hits)
    assert result.categories["self_harm"] >= 0.5, (plan, result.hits)
    assert clf.classify(errand).categories["self_harm"] < 0.5, errand


def test_means_must_be_single_words():
    data = yaml.safe_load(LEXICON_PATH.read_text())
    data["means"] = ["train line"]
    with pytest.raises(LexiconError, match="means"):
        Lexicon(data)
    data["means"] = ["Bridge"]
    assert Lexicon(data).means == frozenset({"bridge"})


def _row(clf: Classifier, plan: float) -> list[float]:
    heads = list(clf.model.heads)
    row = [0.0] * len(heads)
    row[heads.index(PLAN)] = plan
    row[heads.index("meant")] = 1.0
    return row
