"""The text classifier: categories, the Scunthorpe list, obfuscation, ratings."""

import pytest

from esafety.engine.messages.classifier import (
    CATEGORIES,
    Lexicon,
    LexiconError,
    default_classifier,
    load_lexicon,
)
from esafety.engine.messages.normalise import tokens

classify = default_classifier().classify

SCUNTHORPE = [
    "Scunthorpe United won 2-0 on Saturday",
    "The Year 7 trip to Sussex leaves at 8am",
    "The assessment window closes on Friday",
    "Pilots showed the pupils round the cockpit",
    "Sex education letters for Year 9 parents are attached",
    "We are raising money for breast cancer research",
    "Dick Whittington is this year's panto",
    "In biology lessons Year 10 label the penis, vagina and uterus",
    "Hancock Close, Middlesbrough",
    "We saw a great tit and a blue tit on the bird walk",
    "Homo sapiens evolved in Africa",
    "Offa's Dyke path walk for the DofE group",
    "Cocktail sausages and Essex-style scones at the fair",
    "Please analyse the passage and assess its class structure",
    "The shiitake mushrooms in food technology",
    "Kaffir lime leaves for the Thai curry",
    "Gay rights and LGBT History Month assembly",
    "Muslim and Jewish pupils will have a quiet room during Ramadan and Yom Kippur",
    "A suicide prevention charity is visiting the sixth form",
    "Let's kill time before the bus arrives",
    "Thanks so much, see you at parents' evening xxx",
]


@pytest.mark.parametrize("text", SCUNTHORPE)
def test_ordinary_school_language_is_not_flagged(text):
    result = classify(text, mail=True)
    assert not result.flagged, (text, result.flagged_categories, result.hits)


@pytest.mark.parametrize("text", [
    "Scunthorpe assessment in Sussex",
    "sex education and breast cancer awareness",
])
def test_the_scunthorpe_list_is_clean_as_short_texts_too(text):
    assert not classify(text).flagged


@pytest.mark.parametrize("text,category", [
    ("f u c k this", "profanity"),
    ("f.u.c.k off", "profanity"),
    ("sh1t", "profanity"),
    ("$h!t", "profanity"),
    ("fuuuuuuck", "profanity"),
    ("ѕhіt", "profanity"),           # Cyrillic look-alikes
    ("ｆｕｃｋ", "profanity"),          # fullwidth letters
    ("fück", "profanity"),            # accents
    ("f*ck", "profanity"),
    # masked by stars to its end: the stars say how many letters they hide
    ("what the f***", "profanity"),
    ("you c***", "abuse"),
    ("kill all n*****s", "discrimination"),
    ("fu\u200bck", "profanity"),      # zero-width space
    ("you are a 1d10t", "abuse"),
    ("n1gg3r", "discrimination"),
    ("k y s", "abuse"),  # "kill yourself": said to someone, bullying
])
def test_obfuscation_is_seen_through(text, category):
    result = classify(text)
    assert category in result.flagged_categories, (text, result.categories)


@pytest.mark.parametrize("text,category,rating", [
    ("this fucking printer", "profanity", "serious"),
    ("you are a stupid ugly loser and everyone hates you", "abuse", "gross"),
    ("go back to your own country", "discrimination", "gross"),
    ("send me some nudes tonight, it's our little secret", "sexual", "gross"),
    ("I'm going to stab you after school", "violence", "gross"),
    ("I want to kill myself, there is no reason to live", "self_harm", "serious"),
    ("white power, the race war is coming", "extremism", "gross"),
    ("she has nice boobs", "sexual", "mild"),
])
def test_each_category_and_its_appendix_i_rating(text, category, rating):
    result = classify(text)
    assert category in result.flagged_categories
    assert result.category_ratings[category] == rating
    assert result.rating == max(result.category_ratings.values(),
                                key=["mild", "serious", "gross"].index)


def test_swearing_alone_is_profanity_not_abuse_in_mail():
    result = classify("Sorry I'm late, the bloody car wouldn't start and it was a shit morning",
                      mail=True)
    assert result.flagged_categories == ["profanity"]


def test_mild_words_alone_do_not_flag():
    assert not classify("Damn, I left the crap printer on again", mail=True).flagged


def test_every_category_scores_between_zero_and_one():
    for text in ("", "hello", "you stupid fucking idiot, I'll kill you", "x" * 5000):
        result = classify(text).as_dict()
        assert set(result["categories"]) == set(CATEGORIES)
        assert all(0.0 <= p <= 1.0 for p in result["categories"].values())


def test_an_insult_without_any_listed_word_is_caught_by_the_model():
    result = classify("@USER you are a pathetic excuse for a human being and a disgrace")
    assert result.flagged
    assert result.categories["abuse"] > 0.6


def test_tokens_join_spaced_letters_and_undo_leetspeak():
    assert tokens("F U C K") == ["fuck"]
    assert tokens("a$$hole") == ["asshole"]
    assert tokens("In 2024 the 5MB limit") == ["in", "00", "the", "smb", "limit"]


def test_stars_of_emphasis_a_footnote_or_a_rating_mask_nothing():
    assert tokens("this is *so* good *hugs*") == ["this", "is", "so", "good", "hugs"]
    assert tokens("see the footnote* in a 5* hotel, rated 4** by critics, ***") == [
        "see", "the", "footnote", "in", "a", "00", "hotel", "rated", "0", "by", "critics"]
    assert tokens("f*** n*****s") == ["f***", "n*****s"]
    assert tokens("*!shit*! +*hello*+") == ["shit", "hello"]  # with the other end marks


def test_a_count_of_five_or_more_stays_apart_from_a_few():
    # "took 2 paracetamol" is a dose; "took 30 paracetamol" an overdose.
    assert tokens("took 2 paracetamol, 4 ibuprofen") == ["took", "0", "paracetamol", "0",
                                                         "ibuprofen"]
    assert tokens("took 5 or 30 paracetamol") == ["took", "00", "or", "00", "paracetamol"]


def test_a_lexicon_with_an_unknown_rating_is_refused():
    data = load_lexicon().categories
    bad = {"categories": {c: {"rating": "awful" if c == "abuse" else "serious"} for c in data}}
    with pytest.raises(LexiconError, match="abuse"):
        Lexicon(bad)


@pytest.mark.parametrize("word", ["spicy", "spices", "monger", "mongers", "fagged", "coonhound",
                                  "kiked", "gooky", "shitake", "cocktail", "dickens", "assess",
                                  "pricked", "hoed", "piste", "cunning", "wankel"])
def test_no_listed_word_or_inflection_is_an_ordinary_word(word):
    lexicon = load_lexicon()
    assert word not in lexicon.words
    assert not classify(f"We talked about {word} today", mail=True).flagged


def test_a_grumble_about_the_world_is_not_abuse_in_mail():
    text = ("For the most part, people become wealthy by not being stupid. Stupid is living "
            "under other people's rules, and it is a pathetic way to run a company.")
    assert not classify(text, mail=True).flagged


@pytest.mark.parametrize("text", [
    "Matsushita and Kinoshita announced a new laptop",
    "I collected a lot of 45s and record albums in the 1990s",
    "Dick Van Dyke sang in Chitty Chitty Bang Bang",
    "In the evening he was shut up by the shepherd in the fold",
])
def test_names_numbers_and_old_stories_are_not_flagged(text):
    assert not classify(text, mail=True).flagged, classify(text, mail=True).hits


@pytest.mark.parametrize("text", ["what bullshit", "you shithead", "motherfucker",
                                  "clusterfuck", "fuckwit"])
def test_compound_swear_words_are_still_found(text):
    assert "profanity" in classify(text).flagged_categories


def test_a_phrase_pattern_with_its_own_alternatives_matches_whole_words_only():
    # The word-edge tests stand once around all of a group's patterns; a pattern that is
    # itself "a|b" must still be whole words at both ends, whichever side matches.
    categories = {c: {"rating": "serious"} for c in CATEGORIES}
    lexicon = Lexicon({"categories": categories, "phrases": [
        {"category": "violence", "p": 0.9, "when": ["snap", "crackle"],
         "patterns": ["snap|crackle pop", "pop goes"]}]})

    def terms(text):
        toks = tokens(text)
        return [h.term for h in lexicon.hits(toks, " ".join(toks))]

    assert terms("oh snap") == ["snap"]
    assert terms("crackle pop now") == ["crackle pop"]
    assert terms("snapper") == []          # the first alternative's end
    assert terms("xcrackle pop") == []     # the second alternative's start
    assert terms("crackle popcorn") == []  # and its end
