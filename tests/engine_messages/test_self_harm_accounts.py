"""Self-harm in a young person's account of themselves: the model's reading, learned from
young people's own posts (scripts/classifier_data/young_people.yaml), finds risk told
without any word of the lexicon in a long post, and does not turn sadness that is being
coped with, or ordinary first-person talk, into a finding."""

import pytest

from esafety.engine.messages.classifier import ACCOUNT_TOKENS, STRENGTHENS_FROM, default_classifier
from esafety.engine.messages.normalise import tokens


@pytest.fixture(scope="module")
def clf():
    return default_classifier()


UNSPOKEN = ("honestly i dont know why i bother. every day is the same, i wake up, go to "
            "school, come home and lie in the dark. my friends stopped asking how i am and i "
            "dont blame them. i have been sorting out who gets my xbox and my books. it would "
            "all be quieter without me")


def test_a_long_account_with_no_word_of_the_lexicon_is_found_by_the_model(clf):
    assert len(tokens(UNSPOKEN)) >= ACCOUNT_TOKENS
    assert not clf.lexicon.hits(*clf.lexicon.strip_safe(tokens(UNSPOKEN)))  # no lexicon word
    found = clf.classify(UNSPOKEN)
    assert "self_harm" in found.flagged_categories
    [hit] = [h for h in found.hits if h.category == "self_harm"]
    assert hit.term and hit.term in UNSPOKEN  # the words that carried it, for the finding


def test_the_same_words_in_mail_are_not_read_alone(clf):
    # Mail is correspondence: there the model only strengthens a word of the lexicon.
    assert "self_harm" not in clf.classify(UNSPOKEN, mail=True).flagged_categories


@pytest.mark.parametrize("text", [
    "so today was mad, we had a fire drill in the middle of our maths mock and everyone had "
    "to stand on the field for like forty minutes in the rain. then my mum picked me up and "
    "we got chips on the way home. i still have to revise for biology tomorrow and i have not "
    "even started, wish me luck lol",
    "my grandad died last week and the funeral was today. i cried a lot but my whole family "
    "was there and we told funny stories about him afterwards. i am going to miss him so much "
    "but mum says it gets easier and my friends have been really kind to me at school",
    "i want my laptop now",
    "haha that video is the best thing all week",
])
def test_ordinary_and_coping_posts_are_not_findings(clf, text):
    assert clf.classify(text).categories["self_harm"] < 0.5


def test_a_weak_sign_needs_the_model_to_lean_to_risk_before_they_add_up(clf):
    text = ("my grandad died last week and the funeral was today. i cried a lot but my whole "
            "family was there and we told funny stories about him afterwards")
    found = clf.classify(text)
    signs = [h.p for h in found.hits if h.category == "self_harm"]
    assert signs and max(signs) < 0.5  # "cried": a weak sign
    # The model reads a little risk here, under STRENGTHENS_FROM: the sign stays alone.
    head = clf.model.heads.index("self_harm")
    doc = clf.model_tokens(clf.lexicon.strip_safe(clf.mend(tokens(text)))[0])
    assert 0.1 < clf.model.probabilities([doc])[0][head] < STRENGTHENS_FROM["self_harm"]
    assert found.categories["self_harm"] == max(signs)


@pytest.mark.parametrize("text", [
    "Everything I do is wrong. I'd be doing the world a favour by leaving it.",
    "is it normal to plan your own funeral in your head at 14",
    "i keep planning my funeral in my head",
    "i dont see myself making it to 16",
    "sometimes i stand on the edge of the platform and wonder what it would be like to just "
    "step forward",
    "how do you make it look like an accident",
    "i've been looking at high buildings differently lately",
])
def test_ways_of_saying_it_that_a_word_list_misses(clf, text):
    assert "self_harm" in clf.classify(text).flagged_categories


@pytest.mark.parametrize("text", [
    "the detective worked out he had made it look like an accident",
    "in the film he makes it look like an accident",
    "we are planning my grandad's funeral for friday",
    "he'd be doing everyone a favour by leaving the group chat",
    "i cant see myself getting to level 50 this week",
    "i dont see myself making it to the end of term without a nap lol",
    "what it would be like to jump off the top board at the pool",
    "i keep looking at my old photos differently now",
])
def test_the_same_words_elsewhere_are_not(clf, text):
    assert clf.classify(text).categories["self_harm"] < 0.5
