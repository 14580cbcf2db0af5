"""Which category hostility belongs to. Telling someone to kill or hurt themselves ("kys", "go
kill yourself") is bullying aimed at the reader: a finding under abuse, not a sign that the
writer is at risk, nor discrimination where no group is named. "You" that means
anyone, the writer included ("the best way to kill yourself"), is still read as risk, and care
("careful, you'll hurt yourself") is neither."""

import pytest

from esafety.engine.messages.classifier import default_classifier

classify = default_classifier().classify


@pytest.mark.parametrize("text", [
    "kys", "lol kys", "just kys already", "k y s",
    "go kill yourself", "go and kill yourself", "you should kill yourself",
    "why dont you just kill yourself", "hang yourself loser", "i want you to kill yourself",
    "you should just die", "go die in a hole", "please just drop dead",
])
def test_telling_someone_to_die_is_abuse_not_self_harm(text):
    for mail in (False, True):
        result = classify(text, mail=mail)
        assert "abuse" in result.flagged_categories, (text, mail, result.categories)
        assert result.categories["self_harm"] < 0.5, (text, mail, result.categories)


@pytest.mark.parametrize("text", [
    "what is the best way to kill yourself",
    "whats the fastest way to die",
    "how to kill yourself",
    "i want to kill myself",
    "kms",
])
def test_the_writer_looking_for_a_way_is_still_self_harm(text):
    assert "self_harm" in classify(text).flagged_categories, text


@pytest.mark.parametrize("text", [
    "careful on the trampoline, you might hurt yourself",
    "did you hurt yourself at football",
    "how to kill yourself in minecraft",
    "the best way to revise is to test yourself",
])
def test_care_and_games_are_not_self_harm(text):
    assert classify(text).categories["self_harm"] < 0.5, text


@pytest.mark.parametrize("text", [
    "ever want to kill yourself",
    "you dont have to kill yourself over this essay lol",
    "what is the best way to kill yourself",
])
def test_you_meaning_anyone_is_not_the_lexicons_bullying(text):
    # The lexicon does not read these as someone told to die (the model may still weigh
    # the words; its finding would quote a single word, not the phrase).
    result = classify(text)
    assert not any(h.category == "abuse" and " " in h.term for h in result.hits), result.hits



@pytest.mark.parametrize("text", ["kms", "kill yourself", "i hate you so much"])
def test_hostility_naming_no_group_is_not_discrimination(text):
    # The model learned "kill yourself" from hateful posts that also held a slur.
    assert "discrimination" not in classify(text).flagged_categories, text


@pytest.mark.parametrize("text", [
    "muslims are ruining this country", "women belong in the kitchen",
    "go back to your own country", "another moslem attack",
])
def test_hate_naming_a_group_is_still_discrimination(text):
    assert "discrimination" in classify(text).flagged_categories, text
