"""The batch API (Classifier.classify_many, normalise.tokens_many) answers exactly as the
one-text API does: same tokens, same scores, hits, ratings and model probability."""

import json
from pathlib import Path

import pytest

from esafety.engine.messages.classifier import (
    Classifier,
    default_classifier,
    load_lexicon,
    load_model,
)
from esafety.engine.messages.normalise import tokens, tokens_many

REFERENCE = json.loads((Path(__file__).parent / "classifier_reference.json").read_text("utf-8"))
REFERENCE_TEXTS = [row["text"] for row in REFERENCE]

# Texts where the batch shortcuts could go wrong: nothing to tokenise, look-alikes, letters
# spaced out at the very start or end of a text, addresses at the edges, "*" masks, safe
# phrases, repeated letters, long texts, characters the batch uses as separators.
EDGE_TEXTS = [
    "", " ", "\n\t ", "\u3000", "*", "**", "***", "!!!", "...", "'", "a", "aa", "aaa",
    "f u c k", "f u c k you", "you f u c k", "x f.u.c.k", "s.h.i.t", "f-u-c-k!", "a b c",
    "u are a f u c k i n g idiot", ". x !!!", "a a a",
    "http://x.com/fuck", "www.shit.com", "see http://a.b", "http://a.b see", "a@b.com",
    "mail me at a@b.com", "x@y.z fuck", "a@b.c!.e", "a@b.c,d.e f", "\"@user: hi@x.com",
    "f*ck", "f**k off", "sh*t", "b*ll*cks you", "*fuck*",
    "sex education", "sex education is fun you idiot", "Dick Whittington", "great tit",
    "breast cancer awareness", "kill time", "you are a hoe", "pussy cat",
    "ｆｕｃｋ you", "f\u200buck", "\u0405hit", "İstanbul", "ΣΑΣ", "caf\u00e9 fuck",
    "fuuuuuck", "shiiit", "shitttt", "fuuuuck yoooou", "€ £ €€ £ucking $hit sh1t",
    "\x00 nul f u c k", "fuck\x00you", "\x01\x02 fuck", "fuck\u2028you", "http://x.com\u2028fuck",
    "Scunthorpe, Sussex, assessment, cockpit, Matsushita", "45s and 1990s at 10am",
    "@user @user you are stupid", "I will kill you", "shut up", "i want to kill myself",
    "go back to your country", "you stupid bitch " * 10, "you " * 100, "bitch " * 60,
]

# Neighbours in one batch that must not run into each other.
NEIGHBOURS = [["a b", "c d"], ["f u", "c k"], ["x.", ".y"], ["foo@bar", ".com"],
              ["http://a", "b"], ["aa", "a"], ["a", "aa"], ["f u c", "k"], ["", "f u c k", ""],
              ["sex", "education"], ["f*", "*k"], ["you", "idiot"]]


def summary(result) -> tuple:
    """Everything a Classification says, hits in order (floats compared exactly)."""
    return (result.categories, list(result.categories), result.flagged, result.rating,
            result.flagged_categories, result.model_p, result.category_ratings,
            [(h.category, h.p, h.rating, h.term) for h in result.hits])


@pytest.fixture(params=["shared", "fresh"])
def classifier(request):
    """The shipped classifier, and a new one whose per-token memories start empty."""
    if request.param == "shared":
        return default_classifier()
    return Classifier(load_lexicon(), load_model())


def test_classify_many_gives_what_classify_gives_on_the_reference_texts(classifier):
    many = classifier.classify_many(REFERENCE_TEXTS)
    assert len(many) == len(REFERENCE_TEXTS)
    for text, result in zip(REFERENCE_TEXTS, many, strict=True):
        assert summary(result) == summary(classifier.classify(text)), text


def test_classify_many_gives_what_classify_gives_on_the_edge_cases(classifier):
    many = classifier.classify_many(EDGE_TEXTS)
    for text, result in zip(EDGE_TEXTS, many, strict=True):
        assert summary(result) == summary(classifier.classify(text)), text


@pytest.mark.parametrize("batch", NEIGHBOURS, ids=repr)
def test_texts_in_one_batch_do_not_run_into_each_other(batch):
    classifier = default_classifier()
    assert tokens_many(batch) == [tokens(text) for text in batch]
    assert ([summary(r) for r in classifier.classify_many(batch)]
            == [summary(classifier.classify(text)) for text in batch])


@pytest.mark.parametrize("text", EDGE_TEXTS + REFERENCE_TEXTS[:50], ids=lambda t: repr(t[:30]))
def test_one_text_alone_and_between_others_gives_the_same_tokens(text):
    assert tokens_many([text]) == [tokens(text)]
    assert tokens_many(["f u", text, "c k"])[1] == tokens(text)


def test_the_second_pass_gives_the_same_answers_as_the_first():
    # The per-word and per-token memories are filled on the first pass and read after.
    classifier = Classifier(load_lexicon(), load_model())
    first = [summary(r) for r in classifier.classify_many(REFERENCE_TEXTS + EDGE_TEXTS)]
    second = [summary(r) for r in classifier.classify_many(REFERENCE_TEXTS + EDGE_TEXTS)]
    assert first == second


def test_an_empty_batch_gives_an_empty_list():
    assert default_classifier().classify_many([]) == []
    assert tokens_many([]) == []


def test_changing_one_answer_leaves_the_others_alone():
    # Clean texts share a precomputed answer; each caller still gets its own dict and lists.
    classifier = default_classifier()
    first, second = classifier.classify_many(["lovely weather", "see you soon"])
    first.categories["abuse"] = 1.0
    first.flagged_categories.append("abuse")
    first.hits.append(None)
    first.category_ratings["abuse"] = "gross"
    third = classifier.classify_many(["lovely weather", "x"])[0]
    for result in (second, third):
        assert result.categories["abuse"] < 0.01
        assert result.flagged_categories == [] and result.hits == []
        assert result.category_ratings == {}


def test_full_memories_start_again_without_changing_an_answer(monkeypatch):
    from esafety.engine.messages import classifier as classifier_module
    from esafety.engine.messages import normalise

    monkeypatch.setattr(classifier_module, "_COLLAPSE_MEMORY", 40)
    monkeypatch.setattr(normalise, "_WORD_MEMORY", len(normalise._WORD_TOKENS) + 40)
    classifier = Classifier(load_lexicon(), load_model())
    texts = REFERENCE_TEXTS + EDGE_TEXTS
    many = [summary(r) for r in classifier.classify_many(texts)]
    assert many == [summary(classifier.classify(text)) for text in texts]
