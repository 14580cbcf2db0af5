"""Named word groups of the lexicon (`groups:`): a list of words used in several patterns
is written once and referred to as "{name}" in `patterns`, `unless` and `when`."""

import pytest
import yaml

from esafety.engine.messages.classifier import CATEGORIES, Classifier, Lexicon, LexiconError
from esafety.engine.messages.normalise import tokens

CATEGORY_LINES = "\n".join(f"  {c}: {{rating: serious}}" for c in CATEGORIES)

WITH_GROUPS = f"""
categories:
{CATEGORY_LINES}
groups:
  told: [told, tell, says, said, dm, dms, dmed, "go on at"]
phrases:
  - category: abuse
    p: 0.9
    when: ["{{told}}", hurt]
    unless:
      - "\\\\b{{told}} (me|him)"
    patterns:
      - "{{told}} (me|him) (to )?(go )?(hurt|kill) (myself|himself)"
      - "(\\\\w+ ){{0,2}}hurt yourself"
  - category: violence
    p: 0.9
    when: [die]
    unless:
      - "\\\\b{{told}} (me|him) to"
    patterns:
      - "go die"
"""

SPELLED_OUT = f"""
categories:
{CATEGORY_LINES}
phrases:
  - category: abuse
    p: 0.9
    when: [told, tell, says, said, dm, dms, dmed, hurt]
    unless:
      - "\\\\b(told|tell|says|said|dm|dms|dmed|go on at) (me|him)"
    patterns:
      - "(told|tell|says|said|dm|dms|dmed|go on at) (me|him) (to )?(go )?(hurt|kill) (myself|himself)"
      - "(\\\\w+ ){{0,2}}hurt yourself"
  - category: violence
    p: 0.9
    when: [die]
    unless:
      - "\\\\b(told|tell|says|said|dm|dms|dmed|go on at) (me|him) to"
    patterns:
      - "go die"
"""


def _lexicon(text: str) -> Lexicon:
    return Lexicon(yaml.safe_load(text))


def _terms(lexicon: Lexicon, text: str) -> list[str]:
    toks = tokens(text)
    return [hit.term for hit in lexicon.hits(toks, " ".join(toks))]


def test_a_group_is_expanded_in_patterns_longest_word_first():
    _, _, patterns = _lexicon(WITH_GROUPS).groups[0]
    assert patterns[0] == ("(?:go on at|told|tell|says|said|dmed|dms|dm) (me|him) (to )?(go )?"
                           "(hurt|kill) (myself|himself)")
    assert _terms(_lexicon(WITH_GROUPS), "she dms me to hurt myself") == ["dms me to hurt myself"]
    # (a word sequence of a group is no trigger word: here "hurt" is)
    assert _terms(_lexicon(WITH_GROUPS), "they go on at him to hurt himself") == \
        ["go on at him to hurt himself"]


def test_a_quantifier_is_not_a_group():
    _, _, patterns = _lexicon(WITH_GROUPS).groups[0]
    assert patterns[1] == r"(\w+ ){0,2}hurt yourself"
    assert _terms(_lexicon(WITH_GROUPS), "just go hurt yourself") == ["just go hurt yourself"]


def test_a_group_is_expanded_in_unless():
    lexicon = _lexicon(WITH_GROUPS)
    assert lexicon._group_unless[1].pattern == \
        r"(?:\b(?:go on at|told|tell|says|said|dmed|dms|dm) (me|him) to) ?$"
    assert _terms(lexicon, "go die") == ["go die"]
    assert _terms(lexicon, "he dmed me to go die") == []
    assert _terms(lexicon, "just go hurt yourself") == ["just go hurt yourself"]
    assert _terms(lexicon, "they go on at me just go hurt yourself") == []


def test_a_group_in_when_gives_its_one_token_words():
    lexicon = _lexicon(WITH_GROUPS)
    assert lexicon._group_when[0] == {"told", "tell", "says", "said", "dm", "dms", "dmed",
                                      "hurt"}
    assert set(lexicon.triggers) == lexicon._group_when[0] | {"die"}


@pytest.mark.parametrize("entry", [
    {"when": ["told"], "patterns": ["{tould} me"]},
    {"when": ["told"], "patterns": ["told me"], "unless": ["{tould}"]},
    {"when": ["{tould}"], "patterns": ["told me"]},
], ids=["patterns", "unless", "when"])
def test_an_unknown_group_is_refused_with_its_place(entry):
    data = yaml.safe_load(WITH_GROUPS)
    data["phrases"].append({"category": "abuse", "p": 0.9, **entry})
    with pytest.raises(LexiconError, match=r"phrases\[2\]: unknown word group \{tould\}"):
        Lexicon(data)


def test_a_group_left_unquoted_is_refused():
    # YAML reads `when: [{told}]` as a list holding the mapping {"told": None}.
    text = WITH_GROUPS.replace('when: ["{told}", hurt]', "when: [{told}, hurt]")
    with pytest.raises(LexiconError, match=r"phrases\[0\]: `when` holds a mapping"):
        _lexicon(text)


@pytest.mark.parametrize("groups", [["told"], {"Told": ["told"]}, {"told": []},
                                    {"told": "told"}, {"told": ["told", ""]}])
def test_a_malformed_groups_section_is_refused(groups):
    data = yaml.safe_load(SPELLED_OUT)
    data["groups"] = groups
    with pytest.raises(LexiconError, match="groups"):
        Lexicon(data)


@pytest.mark.parametrize("text", [
    "he told me to hurt myself",
    "she dms me to go kill myself",
    "they said him to kill himself",
    "they go on at him to kill himself",
    "they go on at him to hurt himself",
    "he told me to go die",
    "go die",
    "they go on at me just go hurt yourself",
    "people dmed him just go hurt yourself",
    "then just go hurt yourself",
    "hurt yourself",
    "i told him i hurt myself",
    "he tells me to hurt myself",
    "hes dming me to hurt myself",
    "we had a good day",
])
def test_a_lexicon_with_a_group_classifies_as_the_one_spelled_out(text):
    grouped = Classifier(_lexicon(WITH_GROUPS), None).classify(text)
    spelled = Classifier(_lexicon(SPELLED_OUT), None).classify(text)
    assert grouped.as_dict() == spelled.as_dict()
