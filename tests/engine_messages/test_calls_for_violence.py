"""Calling for a group of people to be killed is hate and a threat of violence at once,
found without a slur; describing what others did is not."""

import pytest


@pytest.mark.parametrize("text", [
    "kill all the muslims",
    "shoot all the immigrants",
    "we need to kill all the gays",
])
def test_a_call_to_kill_a_group_is_violence_and_discrimination(clf, text):
    result = clf.classify(text)
    assert {"violence", "discrimination"} <= set(result.flagged_categories)


@pytest.mark.parametrize("text", [
    "the film about people who kill immigrants was sad",
    "i would never kill immigrants",
])
def test_describing_or_denying_it_is_not(clf, text):
    result = clf.classify(text)
    assert "violence" not in result.flagged_categories
    assert "discrimination" not in result.flagged_categories
