"""`esafety classify` writes its verdict lines without building a dict for the encoder:
the lines must be exactly what the encoder writes."""

import math

import pytest

from esafety.engine.messages.classifier import CATEGORIES, default_classifier
from esafety.engine.messages.cli import _DUMPS, verdict_line


@pytest.fixture(scope="module")
def results():
    texts = ["you are a stupid idiot", "i want to die", "see you at football practice",
             "", "ｆｕｃｋ off", "he hits me and said it's our secret"]
    return default_classifier().classify_many(texts)


@pytest.mark.parametrize("ident", [0, 7, -3, 10**20, None, "a", "é\\u2028\"x\"", 1.5, True,
                                   [1, "b"], {"k": None}])
def test_verdict_line_is_what_the_encoder_writes(results, ident):
    for result in results:
        assert verdict_line(ident, result) == _DUMPS({"id": ident, **result.as_dict()})


def test_unusual_scores_are_written_by_the_encoder_itself(results):
    result = results[0]
    for value in (1, 0.1 + 0.2, 1e-12, math.inf):
        result.categories = dict.fromkeys(CATEGORIES, value)
        assert verdict_line(3, result) == _DUMPS({"id": 3, **result.as_dict()})
    result.categories = {"abuse": 0.5}
    assert verdict_line(3, result) == _DUMPS({"id": 3, **result.as_dict()})
