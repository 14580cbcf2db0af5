"""The classifier's per-word and per-text memories only save work: a classifier whose
memories are full (or hold nothing) gives exactly what a fresh one gives, and the model
scores a text the same alone or in a batch (the finding's words are taken from the batch's
scores)."""

from dataclasses import asdict

import pytest

from esafety.engine.messages import classifier as classifier_module
from esafety.engine.messages import normalise
from esafety.engine.messages.classifier import (
    Classifier,
    default_classifier,
    load_lexicon,
    load_model,
    rulebook_thresholds,
)
from esafety.engine.messages.normalise import tokens

TEXTS = [
    "you are a stupid idiot", "ur such a dumbass lol", "i want to die", "i want to die lol",
    "i amtired of everything, i amdone", "see you at football practice on tuesday",
    "he hits me and said it's our secret", "fuuuuuck off", "f u c k you", "sh1t happens",
    "ｆｕｃｋ this", "muslims are terrorists", "go back to your country", "@user ur a clown",
    "i've been cutting myself again and nobody knows", "f*ck off", "Scunthorpe United won",
    "honestly i dont know why i bother. every day is the same, i wake up, go to school, "
    "come home and lie in the dark. my friends stopped asking how i am", "", "2024 11am",
]
MAIL = ("Dear parents, the trip to the museum is on Friday. " * 8 + "You are a stupid idiot "
        "and I will kill you. " + "Please bring a packed lunch and a coat. " * 8 +
        "Nobody likes you, you pathetic loser. " + "Thank you for your support. " * 6)


def _fresh() -> Classifier:
    return Classifier(load_lexicon(), load_model(), rulebook_thresholds())


def _all(clf: Classifier) -> list[dict]:
    out = []
    for kwargs in ({}, {"mail": True}, {"personal": False}):
        for result in clf.classify_many(TEXTS + [MAIL], **kwargs):
            out.append(asdict(result))
        out.extend(asdict(clf.classify(t, **kwargs)) for t in TEXTS[:5])
    return out


@pytest.mark.parametrize("memory", [0, 3])
def test_full_memories_give_the_same_results(monkeypatch, memory):
    expected = _all(_fresh())
    monkeypatch.setattr(classifier_module, "_MEMORY", memory)
    monkeypatch.setattr(classifier_module, "_EXPLAINED", memory)
    monkeypatch.setattr(normalise, "_TOKEN_MEMORY", memory)
    monkeypatch.setattr(normalise, "_TOKEN_CACHE", {})
    assert _all(_fresh()) == expected


def test_results_do_not_depend_on_what_was_classified_before():
    clf = _fresh()
    first = _all(clf)
    assert _all(clf) == first  # (the memories now hold every word and text)
    assert _all(default_classifier()) == first


def test_a_text_scores_the_same_alone_and_in_a_batch():
    clf = default_classifier()
    model = clf.model
    assert model is not None
    toks = clf.lexicon.strip_safe(tokens(MAIL))[0]
    docs = clf._windows(toks, clf.lexicon.hits(toks, " ".join(toks)), True)
    docs += [clf.model_tokens(tokens(t)) for t in TEXTS]
    batch = model.probabilities(docs).tolist()
    assert len(docs) > len(TEXTS) + 1  # (the mail has several windows)
    for doc, row in zip(docs, batch, strict=True):
        assert model.probabilities([doc]).tolist() == [row]


def test_explain_names_the_heaviest_word_or_pair():
    model = default_classifier().model
    assert model is not None
    doc = tokens("you are a stupid idiot and a loser")
    for head in model.heads:
        best = model.explain(doc, head)
        assert best == model.explain(doc, head) == model._explain(doc, head)
        assert best == "" or best in " ".join(doc)
