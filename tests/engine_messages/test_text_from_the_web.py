"""Text copied from web pages or exported from a site still carries HTML: character
references ("you&#039;re", "&amp;", "&#128514;") and tags between a question and its answer
("Q: ...<br>A: ..."). They are read as the characters and spaces they stand for, so a
phrase is found whichever way it was stored, and a message without them reads as before.
So are hashtags whose words are told apart by capitals ("#SendThemBack")."""

import pytest

from esafety.engine.messages.classifier import default_classifier
from esafety.engine.messages.normalise import fold, tokens

CLASSIFIER = default_classifier()


@pytest.mark.parametrize(("stored", "plain"), [
    ("Q: you&#039;re a fat ugly cow&lt;br&gt;A: :(", "Q: you're a fat ugly cow\nA: :("),
    ("Q: why don&#x27;t you kill yourself<br>A: no", "Q: why don't you kill yourself\nA: no"),
    ("Q: nobody likes you<br />A: ok", "Q: nobody likes you\nA: ok"),
    ("<p>you&rsquo;re a waste of space</p>", "you’re a waste of space"),
    ("i want to die &#128514;&#128514;", "i want to die 😂😂"),
    ("fish &amp; chips &quot;tonight&quot;", 'fish & chips "tonight"'),
])
def test_html_reads_as_the_text_it_stands_for(stored, plain):
    assert tokens(stored) == tokens(plain)
    assert CLASSIFIER.classify(stored).categories == CLASSIFIER.classify(plain).categories


def test_what_only_looks_like_html_is_left_alone():
    # A heart, a placeholder, a bare ampersand and an unfinished reference are no HTML.
    assert fold("i <3 u") == "i <3 u"
    assert fold("thanks <user> x") == "thanks <user> x"
    assert fold("this&nothing else; at&t") == "this&nothing else; at&t"
    assert fold("q&a at 3pm &amp") == "q&a at 3pm &amp"


def test_a_finding_in_html_text_still_quotes_its_words():
    verdict = CLASSIFIER.classify("Q: nobody likes you&lt;br&gt;A: ok")
    assert verdict.flagged
    assert verdict.terms_for("abuse")


def test_a_hashtag_is_read_as_its_words():
    assert tokens("#SendThemBack now") == ["send", "them", "back", "now"]
    assert tokens("#BuildTheWall #StopTheInvasion") == ["build", "the", "wall", "stop", "the",
                                                        "invasion"]
    # One word, capitals throughout, or a number: left as it is.
    assert tokens("#MAGA #metoo #blessed") == ["maga", "metoo", "blessed"]
    verdict = CLASSIFIER.classify("@USER #GoBackToYourOwnCountry")
    assert verdict.categories["discrimination"] >= 0.6


def test_a_reference_escaped_twice_is_read_once_more():
    assert tokens("don&amp;#039;t") == tokens("don't")
