import pytest

from esafety.concerns import rules
from esafety.concerns.actions import concern_raise


@pytest.fixture(autouse=True)
def _mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def raise_concern(school):
    """raise_concern(topic=..., person=..., **fields) -> a new concern, as a source would."""

    def make(topic=rules.EXTREMISM, *, person=None, school=school, **fields):
        fields.setdefault("source", rules.MESSAGE_CHECK)
        fields.setdefault("rule", f"content.{topic}")
        fields.setdefault("rule_title", f"Rule about {topic}")
        fields.setdefault("excerpt", f"words about {topic}")
        fields.setdefault("clauses", ["004 §3.2.3 tell an adult"])
        fields.setdefault("advice", "Make sure the designated safeguarding lead knows today.")
        concern, _ = concern_raise(actor=None, school=school, topic=topic, person=person,
                                   **fields)
        return concern

    return make
