"""Extremism (the Prevent duty) in what young people write: praise for attackers, support for
proscribed groups, the movements' ideas and calls to attack their targets, found by the
lexicon; recruiting a friend and sharing propaganda in plain words, found by the model when
it is sure (classifier.ALONE_FROM). Not a lesson, an essay quoting the words it refutes, the
news, a denial or a joke."""

import pytest

from esafety.engine.messages.classifier import default_classifier

CLASSIFIER = default_classifier()


def _extremism(text: str) -> float:
    return CLASSIFIER.classify(text).categories["extremism"]


@pytest.mark.parametrize("text", [
    "tarrant was a hero honestly",
    "saint elliot did nothing wrong",
    "someone should do what he did at the mosque in christchurch",
    "im going to join isis when im 18",
    "i pledge allegiance to the islamic state",
    "they are replacing us and nobody cares",
    "globalists run the world and everyone knows it",
    "the holocaust never happened",
    "i want to make hijrah to sham",
    "democracy is shirk and voting is haram",
    "the khilafah will return and they will pay",
    "the politicians are traitors and should hang",
    "remigration now",
])
def test_extremism_in_the_writers_own_voice_is_found(text):
    assert _extremism(text) >= 0.6, text


@pytest.mark.parametrize("text", [
    "we learnt in RE why young people join isis and how to spot grooming",
    "i would never join isis, they murdered thousands of muslims",
    "extremists claim the holocaust never happened, which is a lie",
    "'they are replacing us' is a white nationalist conspiracy theory, sir explained",
    "maths test tomorrow, pray for me, i want to become a martyr lol",
    "the prophet made the hijrah from makkah to madinah in 622",
    "the man who tried to burn the mosque was jailed for ten years",
    "join our discord for the minecraft server on saturday",
    "in citizenship we learned that a sieg heil salute is a crime in germany",
    "my essay is on how the great replacement conspiracy theory spreads online",
    "the article says soros funded the remain campaign",
])
def test_the_same_words_in_a_lesson_a_denial_or_the_news_are_not(text):
    assert _extremism(text) < 0.6, text


def test_an_attack_on_a_place_of_worship_is_a_threat_too():
    verdict = CLASSIFIER.classify("we should burn down the mosque on the high street")
    assert verdict.categories["extremism"] >= 0.6
    assert verdict.categories["violence"] >= 0.6


def test_a_finding_quotes_what_carried_it():
    verdict = CLASSIFIER.classify("breivik was right about everything")
    assert verdict.flagged
    assert any("breivik" in term for term in verdict.terms_for("extremism"))


def test_the_model_finds_extremism_told_in_plain_words_when_it_is_sure():
    text = ("theyre invading our towns and the government helps them, its time we took "
            "matters into our own hands")
    verdict = CLASSIFIER.classify(text)
    assert verdict.categories["extremism"] >= 0.6
    assert verdict.terms_for("extremism")  # (the words that carried the model's score)


@pytest.mark.parametrize("text", [
    # In a few words the model's reading is those words' alone: never a finding by itself.
    "the", "and the", "Scunthorpe, Sussex and the cockpit", "Luton town won 2-0",
    "come to the youth club on friday, theres pizza and table tennis and the leaders are nice",
    "our history teacher showed us how propaganda was used in the second world war",
])
def test_the_model_alone_never_finds_extremism_in_a_few_words_or_ordinary_talk(text):
    assert _extremism(text) < 0.6, text

