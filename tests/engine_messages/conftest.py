import pytest

from esafety.engine.messages.classifier import default_classifier


@pytest.fixture(scope="session")
def clf():
    """The shipped classifier (lexicon and model), loaded once."""
    return default_classifier()
