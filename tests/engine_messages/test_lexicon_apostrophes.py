"""The lexicon is written as people write ("you'll", "what's the point"), and the tokeniser
drops apostrophes ("youll", "whats"): the two must meet, or a phrase written with an
apostrophe never matches anything."""

import pytest

from esafety.engine.messages.classifier import (
    CATEGORIES,
    Classifier,
    Lexicon,
    default_classifier,
)

CLASSIFIER = default_classifier()


@pytest.mark.parametrize("text", [
    "this is the last time you'll hear from me",
    "this is the last time you’ll hear from me",  # a typographic apostrophe
    "this is the last time youll hear from me",
])
def test_a_shipped_phrase_written_with_an_apostrophe_matches(text):
    verdict = CLASSIFIER.classify(text)
    assert verdict.categories["self_harm"] >= 0.5
    assert "last time youll hear from me" in verdict.terms_for("self_harm")


def _lexicon_with(entry: dict, words: dict | None = None) -> Lexicon:
    data = {"categories": {c: {"rating": "serious"} for c in CATEGORIES}, "phrases": [entry]}
    if words:
        data["words"] = [words]
    return Lexicon(data)


def test_a_school_added_phrase_with_apostrophes_in_patterns_when_and_unless():
    lexicon = _lexicon_with({
        "category": "abuse", "p": 0.9,
        "when": ["we'll"],
        "patterns": ["we'll (get|find) you"],
        "unless": ["(they|he) said"],
    })
    classifier = Classifier(lexicon, None)
    assert classifier.classify("We'll get you after school").categories["abuse"] == 0.9
    assert classifier.classify("he said we'll get you").categories["abuse"] == 0.0
    assert classifier.classify("we will see you there").categories["abuse"] == 0.0


def test_a_school_added_word_with_an_apostrophe():
    lexicon = _lexicon_with(
        {"category": "abuse", "p": 0.9, "when": ["zzz"], "patterns": ["zzz"]},
        {"category": "profanity", "p": 0.9, "words": ["f'ing"]})
    classifier = Classifier(lexicon, None)
    assert classifier.classify("that f'ing bus").categories["profanity"] == 0.9
