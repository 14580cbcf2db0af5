"""Detection of the harm in children's messages: indirect self-harm, plain-word
bullying, grooming, ordinary messages left alone, the model file, explanations and the
rulebook's thresholds."""

import subprocess
import sys
import zipfile

import numpy as np
import pytest

from esafety.engine.messages.checker import check_message
from esafety.engine.messages.classifier import (
    MODEL_PATH,
    Classifier,
    default_classifier,
    load_lexicon,
    load_model,
    rulebook_thresholds,
)
from tests.engine_messages.mail import make_mail

classify = default_classifier().classify


@pytest.mark.parametrize("text", [
    "I won't be around much longer",
    "there's no point any more",
    "I want it all to stop",
    "everyone would be better off without me",
    "nobody would even notice if I was gone",
    "I've saved up my tablets",
    "this is my goodbye, thank you for everything",
    "I don't want to wake up tomorrow",
    "I've been self harming again",
    "I wish I was dead",
    "I'm going to jump off the bridge on Friday",
    "life isn't worth living",
    # what clinicians listen for, in more wordings
    "I've been contemplating suicide for weeks",
    "i am considering suicide",
    "i planned a serious attempt last year",
    "i don't know if i should live anymore",
    "i don't know if life is worth living",
    "life just isnt worth it for me",
    "is life even worth it",
    "what's the point of being alive",
    "death can't be worse than this",
    "death would be better than this",
    "i keep having thoughts of ending it all",
    "i wish i wasn't born",
    "i wish i didn't have to wake up",
    "i looked up how many pills it takes",
    "i took 40 paracetamol",
    "the pills didn't work last night",
    "i give up on life",
    "i don't see a future for myself",
    "i might just leap off today",
    "i cant live like this anymore",
    "i dont think life is worth living",
    "is it even worth staying alive",
    "i wish i didnt exist",
    "i just dont wanna be here anymore",
])
def test_indirect_self_harm_is_found(text):
    for mail in (False, True):
        result = classify(text, mail=mail)
        assert "self_harm" in result.flagged_categories, (text, mail, result.categories)


@pytest.mark.parametrize("text", [
    "nobody likes you", "everyone hates you", "kys", "you've got no friends",
    "you're not welcome at the party", "do everyone a favour and disappear",
    "you're a waste of space",
])
def test_plain_word_bullying_is_found(text):
    result = classify(text, mail=True)
    assert {"abuse", "self_harm"} & set(result.flagged_categories), (text, result.categories)


@pytest.mark.parametrize("text", [
    "send me a pic of you", "don't tell your parents about this", "this is our secret",
    "it's our little secret", "you're so mature for your age", "are you home alone?",
    "delete our messages so nobody finds out", "what are you wearing right now",
])
def test_grooming_language_is_found(text):
    result = classify(text, mail=True)
    assert "sexual" in result.flagged_categories, (text, result.categories)
    assert result.category_ratings["sexual"] == "gross"


@pytest.mark.parametrize("text", [
    "can you send me the homework for maths",
    "what time does the bus leave for the trip",
    "I'm so tired today, see you at lunch",
    "happy birthday!! hope you have the best day",
    "revision is killing me lol",
    "I'm going to the dentist so I won't be in on Friday",
    "Please remember to return your consent forms by Monday",
    "We are learning about Islam and Judaism in RE this term",
    "My cousin is gay and he's getting married next year",
    "Thanks for everything, Miss, I'll miss you. Goodbye and good luck!",
    "can you send me the pic of the group from the trip",
    "there's no point going out in this rain",
    "I took 2 paracetamol for my headache and went to bed",
    "my tablets didn't work so the doctor changed them",
    "my first attempt at baking bread was a disaster",
    "is it even worth it to buy the new phone?",
    "there's no way out of this level lol",
    "I'm going to jump off the diving board at the pool on Saturday",
])
def test_ordinary_messages_stay_unflagged(text):
    for mail in (False, True):
        result = classify(text, mail=mail)
        assert not result.flagged, (text, mail, result.flagged_categories, result.hits)


def test_the_weights_file_is_numbers_not_a_pickle():
    assert MODEL_PATH.suffix == ".npz" and zipfile.is_zipfile(MODEL_PATH)
    with zipfile.ZipFile(MODEL_PATH) as archive:
        for name in archive.namelist():
            with archive.open(name) as member:
                # Every member is a plain .npy array, never a pickled object.
                header = member.read(10)
                assert header.startswith(b"\x93NUMPY"), name
    with np.load(MODEL_PATH, allow_pickle=False) as data:
        assert {"features", "heads", "idf", "coef", "intercept", "calibration"} <= set(data)
        assert data["coef"].dtype.kind == "f"


def test_the_model_loads_and_scores_without_scikit_learn():
    code = ("import sys; sys.modules['sklearn'] = None\n"
            "from esafety.engine.messages.classifier import default_classifier\n"
            "c = default_classifier()\n"
            "assert c.model is not None\n"
            "r = c.classify('nobody likes you, everyone hates you')\n"
            "assert 'abuse' in r.flagged_categories\n"
            "assert 'sklearn' not in [m for m in sys.modules if sys.modules[m] is not None]\n"
            "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr


def test_the_model_scores_every_category_it_learned():
    model = load_model()
    assert model is not None
    probabilities = model.probabilities([["hello"], [], ["you", "are", "a", "loser"]])
    assert probabilities.shape == (3, len(model.heads))
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    # The one scoring path: a text alone and among others gives the same answer.
    alone = model.probabilities([["you", "are", "a", "loser"]])[0]
    assert np.allclose(alone, probabilities[2])


def test_a_finding_from_the_model_quotes_the_words_that_carried_it():
    classifier = Classifier(load_lexicon(), load_model(), {"abuse": 0.3})
    result = classifier.classify("you are such a sad little man, pathetic")
    assert "abuse" in result.flagged_categories
    terms = result.terms_for("abuse")
    assert terms and all(terms), result.hits
    assert all(any(word in result_text for word in term.split())
               for term in terms for result_text in ["you are such a sad little man pathetic"])


def test_every_content_finding_carries_an_excerpt():
    raw = make_mail(sender="Pupil <p.pupil@hollinspark.sch.uk>",
                    to=["friend@example.com"], subject="hi",
                    body="nobody likes you, everyone hates you. I won't be around much longer.")
    verdict = check_message(raw)
    content = [f for f in verdict.findings if f.rule.id.startswith("content.")]
    assert {"content.abuse", "content.self-harm"} <= {f.rule.id for f in content}
    for finding in content:
        assert finding.evidence and all(e.excerpt.strip() for e in finding.evidence)


def test_thresholds_come_from_the_rulebook(tmp_path, monkeypatch):
    assert rulebook_thresholds()["self_harm"] == 0.5  # recall first
    assert default_classifier().thresholds["self_harm"] == 0.5
    from esafety.engine.messages.rulebook import BUILTIN_PATH

    text = BUILTIN_PATH.read_text().replace(
        "params: {min_terms_in_bulk: 2, threshold: 0.5}",
        "params: {min_terms_in_bulk: 2, threshold: 0.97}")
    assert "threshold: 0.97" in text
    path = tmp_path / "rulebook.yaml"
    path.write_text(text)
    monkeypatch.setenv("ESAFETY_RULEBOOK", str(path))
    thresholds = rulebook_thresholds()
    assert thresholds["self_harm"] == 0.97
    stricter = Classifier(load_lexicon(), load_model(), thresholds)
    # "I can't cope any more" scores 0.55: found at 0.5, not at 0.97.
    assert "self_harm" in classify("I can't cope any more").flagged_categories
    assert "self_harm" not in stricter.classify("I can't cope any more").flagged_categories


@pytest.mark.parametrize("text", [
    "i'm worried about my friend, she said she wants to kill herself",
    "my friend is cutting herself again",
    "my best mate told me he wants to end his life",
    "she keeps saying she wants to die and i don't know what to do",
    "my friend tried to kill herself last year",
    "my friend has been hurting herself",
    "my friend is suicidal",
])
def test_a_friend_at_risk_told_by_a_child_is_a_self_harm_finding(text):
    # Children tell about their friends: the designated safeguarding lead needs to know
    # as much as when they write of themselves.
    for mail in (False, True):
        assert "self_harm" in classify(text, mail=mail).flagged_categories, (text, mail)


@pytest.mark.parametrize("text", [
    "he hurt himself playing football",
    "she cut herself on a broken glass",
    "he was killing himself laughing",
    "she's pushing herself too hard at the gym",
    "in the film the main character kills himself",
    "I can't imagine ever telling anyone to kill themselves",
    "she's taking her life back after the divorce",
])
def test_someone_else_hurt_by_accident_or_in_a_story_is_not_self_harm(text):
    assert "self_harm" not in classify(text, mail=True).flagged_categories, text
