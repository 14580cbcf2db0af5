"""Bullying in plain words: threats to expose someone, shutting them out, wishing them gone.

None of these needs a swear word or an insult the lexicon knows, and the model alone read
most of them under the abuse threshold: "send me more pics or i'll show everyone the one you
already sent" scored 0.18. A group's "don't talk to us" shuts someone out; a sulk's "don't
talk to me" does not. Kind words to someone ("ur a legend") keep the model's reading alone
from being a finding, never an insult of the lexicon's.
"""

import pytest


@pytest.mark.parametrize("text", [
    "do what i tell you or ill send the screenshots to the whole year",
    "the pics go in the class group chat tonight unless you pay up",
    "ill make sure everyone knows what you did at the party",
    "if u turn up to the party were all leaving",
    "we started a new group chat without u, dont ask",
    "dont even look at us in the canteen",
    "dont bother coming back after the holidays",
    "everyone would be better off if you were never born",
    "who would even want to be friends with you",
    "youre the class joke and everyone knows it",
    "you have no mates, no life and no future",
    "why do u even exist",
    "do the world a favour and stop breathing",
    "your face is actually painful to look at",
    "u smell like bins and everyone moves away from u",
])
def test_plain_word_bullying_is_abuse(clf, text):
    result = clf.classify(text)
    assert "abuse" in result.flagged_categories, (text, result.hits)


def test_pictures_asked_for_under_a_threat_are_coercion_too(clf):
    result = clf.classify("send me another pic or else everyone sees the last one")
    assert {"abuse", "sexual"} <= set(result.flagged_categories), result.hits


@pytest.mark.parametrize("text", [
    "fine dont talk to me then im so upset now",
    "or ill send it to you tomorrow, whichever is easier",
    "if you come to the party we're all leaving at 11 so get a lift",
    "the world would be better off without plastic straws",
    "who likes you more, me or jess",
    "anon: who likes you? be honest x",
    "youre the class rep so can you ask about the trip",
    "we made a new chat for the trip, ill add you now",
    "ur hair looks so nice today",
    "u smell nice whats that perfume",
    "why does this function even exist lol",
])
def test_ordinary_words_near_these_are_not(clf, text):
    result = clf.classify(text)
    assert "abuse" not in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", ["ur a legend", "u r hilarious", "ur so prettyyy <3",
                                  "the prophet peace be upon him taught us to be kind to our "
                                  "neighbours",
                                  "Q: ily A: ily2 whoever u are haha"])
def test_kind_words_to_someone_are_not_abuse(clf, text):
    result = clf.classify(text)
    assert "abuse" not in result.flagged_categories, (text, result.hits)


def test_kind_words_never_excuse_an_insult(clf):
    for text in ("ur so ugly love u", "youre a fat cow thanks"):
        assert "abuse" in clf.classify(text).flagged_categories, text


def test_a_bad_kind_pattern_is_a_clear_error():
    import yaml

    from esafety.engine.messages.classifier import LEXICON_PATH, Lexicon, LexiconError

    data = yaml.safe_load(LEXICON_PATH.read_text())
    data["kind"] = ["(ur a legend"]
    with pytest.raises(LexiconError, match="kind"):
        Lexicon(data)
