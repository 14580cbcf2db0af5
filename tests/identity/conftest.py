import pytest

from tests.identity.fakeidp import FakeProvider, FakeSession


@pytest.fixture
def idp(monkeypatch):
    """The in-process provider; allauth's HTTP calls reach it instead of the network."""
    provider = FakeProvider()
    monkeypatch.setattr(
        "allauth.socialaccount.adapter.DefaultSocialAccountAdapter.get_requests_session",
        lambda self: FakeSession(provider))
    return provider
