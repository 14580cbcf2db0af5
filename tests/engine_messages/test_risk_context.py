"""Self-harm risk language read in its context: a denial or someone else's words are not
the writer's risk, being told to hurt yourself is bullying, and text whose "I'm" lost its
space still reads."""

import pytest

from esafety.engine.messages.checker import check_text
from esafety.engine.messages.classifier import (
    Classifier,
    Lexicon,
    LexiconError,
    load_lexicon,
)


@pytest.mark.parametrize("text", [
    "i don't want to die",
    "i dont want to die over disney's profits",
    "i'd never kill myself, i'm not like that",
    "just because i'm sad doesn't mean i want to die",
    "do you want to die in the zombie game or not",
])
def test_a_denial_or_someone_elses_wish_is_not_the_writers_risk(clf, text):
    result = clf.classify(text)
    assert "self_harm" not in result.flagged_categories, result.hits


@pytest.mark.parametrize("text", [
    "i want to die",
    "i'm going to kill myself tonight",
    "i don't want to be here anymore",  # a denial that is itself the risk
    "i have been thinking about ending my life",
    "nobody cares about me and i feel empty inside",
    "i need someone to talk to, i have no one and i feel like a burden",
    "i've got my note written",
    "can anyone give me a reason to keep living",
    "goodbye to everyone, nobody cares anyway",
])
def test_risk_language_still_flags(clf, text):
    assert "self_harm" in clf.classify(text).flagged_categories


@pytest.mark.parametrize("text", [
    "they told me to kill myself",
    "people in my class keep telling me to kill myself",
    "he said i should go die",
    "people on insta taunt me to go kill myself",
    "she keeps messaging me to kill myself",
    "some girl dmd me every day to kill myself",
])
def test_being_told_to_hurt_yourself_is_bullying_told_by_its_target(clf, text):
    # Not the writer's risk, and not the writer's abuse: a child telling of bullying done
    # to them, so a disclosure (the designated safeguarding lead is told, and the child's
    # message to a teacher is never held; as `abuse` it was held).
    result = clf.classify(text)
    assert "disclosure" in result.flagged_categories
    assert "self_harm" not in result.flagged_categories
    assert any(h.category == "disclosure" and any(w in h.term for w in (
        "told", "telling", "said", "taunt", "messaging", "dmd")) for h in result.hits)
    verdict = check_text(f"Miss, {text}.", audience="staff", sender_role="pupil")
    assert verdict.verdict not in ("hold", "block"), verdict.findings
    assert "content.disclosure" in [f.rule.id for f in verdict.findings]


@pytest.mark.parametrize("text", [
    "i told him to kill himself lol",
    "we told them to go die",
    "i literally told her to kill herself",
])
def test_the_writer_who_told_someone_so_is_abusive(clf, text):
    result = clf.classify(text)
    assert "abuse" in result.flagged_categories, (text, result.hits)
    assert "disclosure" not in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", [
    "no i do not plan to kill myself, i have exams to pass",
    "i dont intend to end my life, i just need a break",
])
def test_a_denied_plan_is_no_plan(clf, text):
    assert clf.classify(text).categories["self_harm"] < 0.5, text


def test_a_run_together_im_is_mended_where_its_parts_are_words(clf):
    toks = "yeahi amdonei amjust tired i amtired of everything".split()
    assert clf.mend(toks) == ["yeah", "i", "am", "done", "i", "am", "just", "tired", "i",
                              "am", "tired", "of", "everything"]
    # Real words are left alone, and "am..." is split only after "i".
    for toks in (["i", "am", "amazing"], ["hawaii", "is", "nice"], ["we", "amtired"],
                 ["mum", "said", "hi"]):
        assert clf.mend(list(toks)) == list(toks)
    assert "self_harm" in clf.classify("i amdone with life i amtired of everything").flagged_categories


def test_several_signs_matched_by_one_phrase_group_add_up(clf):
    one = clf.classify("i feel empty inside").categories["self_harm"]
    two = clf.classify("nobody cares about me and i feel empty inside").categories["self_harm"]
    assert one < 0.5 <= two


def test_a_bad_unless_pattern_is_refused_with_its_place():
    data = {"categories": load_lexicon().categories,
            "phrases": [{"category": "self_harm", "p": 0.9, "when": ["die"],
                         "patterns": ["want to die"], "unless": ["(unclosed"]}]}
    with pytest.raises(LexiconError, match=r"phrases\[0\].*unless"):
        Lexicon(data)


def test_unless_applies_only_to_the_words_just_before_the_match():
    data = {"categories": load_lexicon().categories,
            "phrases": [{"category": "self_harm", "p": 0.9, "when": ["die"],
                         "patterns": ["want to die"], "unless": [r"\bdont"]}]}
    clf = Classifier(Lexicon(data), None)
    assert clf.classify("i dont want to die").categories["self_harm"] == 0
    assert clf.classify("i dont know why but i want to die").categories["self_harm"] == 0.9


@pytest.mark.parametrize("text", [
    "cant get the subtitles off of my stupid tv",
    "on the way home nasty rainy day",
    "this homework is so dumb",
    "this weather is pathetic and disgusting",
])
def test_a_grumble_about_things_is_not_abuse(clf, text):
    assert "abuse" not in clf.classify(text).flagged_categories


@pytest.mark.parametrize("text", [
    "you are so stupid and ugly",
    "@USER you are a pathetic little idiot",
    "she is a disgusting pig and everyone hates her",
    "these people are pathetic and disgusting",
])
def test_hostility_aimed_at_someone_is_abuse(clf, text):
    assert "abuse" in clf.classify(text).flagged_categories


@pytest.mark.parametrize("word", ["lmao", "lmfao", "omfg", "ffs", "fml"])
def test_chat_abbreviations_are_mild_not_swearing(clf, word):
    result = clf.classify(f"{word} that was the best match ever")
    assert result.flagged_categories == []


LONG_ACCOUNT = (
    "i don't really know why i'm writing this but i need to get it out somewhere. every day "
    "i wake up and i feel tired before anything has even happened. i go to school, i sit at "
    "the back, i come home and i lie on my bed. my friends stopped asking me to things months "
    "ago and honestly i get it. i feel so alone even when my family is in the same room, and "
    "at night the crying just comes. i keep telling myself it will get better but it hasn't."
)
LONG_ORDINARY = (
    "so this weekend was honestly the best. i went to my cousin's party on saturday and my "
    "aunt made the biggest cake i have ever seen, then on sunday i played football with my "
    "brother and his mates in the park until it got dark. i scored twice which never happens "
    "and my legs were so tired after but it was worth it. my mum says i can go to the match "
    "next month if i get my homework done, so i am actually going to do it this time, i promise."
)


def test_a_long_first_person_account_of_distress_is_read_as_a_whole(clf):
    result = clf.classify(LONG_ACCOUNT)
    assert "self_harm" in result.flagged_categories
    quoted = [h.term for h in result.hits if h.category == "self_harm"]
    assert any("alone" in t or "crying" in t or "tired" in t for t in quoted)
    # The same words in a tweet do not flag.
    assert "self_harm" not in clf.classify("so tired and alone in the library lol").flagged_categories


def test_a_long_happy_account_with_one_tired_word_is_not_flagged(clf):
    assert clf.classify(LONG_ORDINARY).flagged_categories == []


def test_the_narrative_reading_is_not_applied_to_mail(clf):
    assert clf.classify(LONG_ACCOUNT, mail=True).categories["self_harm"] < 0.55


def test_a_bad_narrative_section_is_refused():
    base = {"categories": load_lexicon().categories}
    for bad in ({"signs": "alone"}, {"signs": ["alone"], "p": 2}, {"signs": ["a"], "min_signs": 0},
                {"signs": ["a"], "min_tokens": "many"}):
        with pytest.raises(LexiconError, match="narrative"):
            Lexicon({**base, "narrative": bad})


@pytest.mark.parametrize("text", [
    "i know where you live",
    "you're gonna get jumped after school",
    "i'll make you pay for this",
    "i'll get you after school",
    "my brother will sort you out",
])
def test_threats_without_a_violent_verb_are_violence(clf, text):
    assert "violence" in clf.classify(text).flagged_categories


@pytest.mark.parametrize("text", [
    "i'll see you tomorrow after school for netball",
    "my brother will get you a ticket",
])
def test_friendly_plans_are_not_threats(clf, text):
    assert "violence" not in clf.classify(text).flagged_categories


def _rules(raw: bytes, role: str) -> set[str]:
    from esafety.engine.messages.checker import check_message

    return {f["rule"] for f in check_message(raw, sender_role=role).as_dict()["findings"]}


def test_a_pupils_long_email_about_how_they_feel_is_read_as_a_whole():
    from tests.engine_messages.mail import make_mail

    raw = make_mail(sender="Kai Pupil <kai@hollinspark.sch.uk>",
                    to=("Miss Tutor <tutor@hollinspark.sch.uk>",), subject="sorry",
                    body=LONG_ACCOUNT + "\n")
    assert "content.self-harm" in _rules(raw, "pupil")
    # The same words from an adult are correspondence (adult mail tells of grief and
    # tiredness without risk): the long account is not read as a whole there.
    assert "content.self-harm" not in _rules(raw, "teacher")


def test_giving_ones_things_away_is_a_sign_that_adds_up_not_a_finding_alone():
    clf = Classifier(load_lexicon(), None)
    assert clf.classify("ive given my things away").categories["self_harm"] == 0.4
    assert clf.classify("im giving away my old clothes to charity").categories["self_harm"] < 0.5
    assert "self_harm" in clf.classify(
        "i feel so empty and alone, ive started giving all my stuff away").flagged_categories


@pytest.mark.parametrize("text,finding", [
    ("im not depressed just tired", False),
    ("i dont feel lonely anymore", False),
    ("not feeling depressed today yay", False),
    ("i have never been depressed", False),
    ("i never felt so depressed", True),
    ("im not ok, im depressed and lonely", True),
    ("im not sure if im depressed and lonely", True),
])
def test_a_denied_sign_of_distress_is_none(text, finding):
    # (Lexicon only: the words and phrases, not the model's reading.)
    clf = Classifier(load_lexicon(), None)
    signs = [h for h in clf.classify(text).hits if h.category == "self_harm"]
    assert bool(signs) == finding, (text, signs)


@pytest.mark.parametrize("text,finding", [
    ("guys i think its time i just wanna be gone bye reddit", True),  # "bye" is not "by"
    ("i want to be gone by 5 so i can catch the bus", False),
    ("a bullet sounds better than this", True),
    ("i just want out", True),
    ("i want out of this life", True),
    ("i want out of this group chat", False),
])
def test_wanting_to_be_gone_or_out(text, finding):
    clf = Classifier(load_lexicon(), None)
    assert (clf.classify(text).categories["self_harm"] >= 0.5) == finding, text
