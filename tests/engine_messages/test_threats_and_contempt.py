"""Threats without a weapon, and contempt without swearing.

A threat is often in its shape, not its words: "break his legs", "he should be shot", "she
needs a good slap", "your days are numbered", "sleep well while you still can". Contempt
needs no swear word either: "you spineless coward", "you are nothing but a parasite". And
pupils swear in more languages than English: "bhenchod" is swearing as "fuck" is.

The same words in care, sport, cooking and denial are not threats: "careful, you'll break
your neck", "the eggs should be beaten", "he should be slapped with a fine", "a good hiding
place", "nobody should be beaten".
"""

import pytest


@pytest.mark.parametrize("text", [
    "break his legs and see if he comes back to this street",
    "someone should smash his face in",
    "ill kick your head in",
    "that ref should be shot",
    "these thieves should be flogged in public",
    "she needs a good slap",
    "he is asking for a proper beating",
])
def test_harm_to_someone_named_or_called_for_is_violence(clf, text):
    result = clf.classify(text)
    assert "violence" in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", [
    "your days are numbered",
    "you'll regret this",
    "you have been warned",
    "nice bike, shame if something happened to it",
    "you wont know what hit you",
    "sleep well tonight while you still can",
    "we know where your little sister goes to school",
    "somebody needs to teach him a lesson",
    "wait til i find u after school",
    "me and the boys are coming for u",
    "u wont make it home",
    "say that again and see what happens",
    "ur getting rushed at lunch",
    "ill throw u down the stairs",
    "ur going in the canal",
])
def test_veiled_threats_are_violence(clf, text):
    result = clf.classify(text)
    assert "violence" in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", [
    "careful on the ice, you'll break your neck",
    "you could break your leg on that trampoline",
    "he broke his leg skiing",
    "the eggs should be beaten until stiff",
    "he should be slapped with a fine for parking there",
    "nobody should be beaten for being different",
    "we found a good hiding place for the easter eggs",
    "i know it'll hit you when the results come out",
    "count your days off before you book the holiday",
    "we have been warned about the snow tomorrow",
    "you will regret not revising, just saying",
    # (doing well, or beating a score: "smash it" is praise)
    "ur gonna smash ur exams dont worry",
    "ill beat your score on the quiz tomorrow",
    # (a lift, a meeting, care, a game)
    "im coming for you at 6 to take you to the cinema",
    "you wont make it home in time for tea, ill save you some",
    "wait til i find u in hide and seek",
    "are you going in the sea tomorrow",
    "since the burglary i sleep with one eye open",
])
def test_the_same_words_in_care_sport_or_cooking_are_not(clf, text):
    result = clf.classify(text)
    assert "violence" not in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", [
    "you spineless coward",
    "you are nothing but a parasite",
    "you two faced snake",
    "ur a disgrace to this school",
    "say that to my face",
])
def test_contempt_aimed_at_someone_is_abuse(clf, text):
    result = clf.classify(text)
    assert "abuse" in result.flagged_categories, (text, result.hits)


@pytest.mark.parametrize("text", [
    "my pet rat is called biscuit",
    "the snake at the zoo was massive",
    "we read about a coward in english today",
])
def test_those_words_alone_are_not(clf, text):
    assert "abuse" not in clf.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", ["shut up bhenchod", "what a chutiya", "madarchod lol"])
def test_south_asian_swearing_is_profanity(clf, text):
    assert "profanity" in clf.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", ["the next scene should be shot at night",
                                  "the eggs should be beaten with sugar first"])
def test_filming_and_cooking_are_not_violence(clf, text):
    assert "violence" not in clf.classify(text).flagged_categories, text


@pytest.mark.parametrize("text", ["i never shut up lol", "he wont shut up about his new phone",
                                  "she cant shut up about the trip"])
def test_talking_a_lot_is_not_being_told_to_shut_up(clf, text):
    assert "abuse" not in clf.classify(text).flagged_categories, clf.classify(text).hits


@pytest.mark.parametrize("text", ["shut up", "just shut up", "why dont you shut up",
                                  "shut your mouth"])
def test_telling_someone_to_shut_up_is_still_abuse(clf, text):
    assert "abuse" in clf.classify(text).flagged_categories, clf.classify(text).hits
