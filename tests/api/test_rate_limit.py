"""The check API's rate limit is each token's own, chosen when it is made: 600 checks a minute
unless the IT manager chooses otherwise, so a whole staff pressing Send at 08:30 is coached
rather than waved through; the documents say the same number as the code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from esafety.api import actions
from esafety.api.models import ApiToken
from esafety.audit.models import AuditEvent
from esafety.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def check(raw: str):
    return Client().post("/api/v1/check", data=json.dumps({"text": "hello"}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_a_new_token_may_make_600_checks_a_minute(school, it_manager):
    token, _ = actions.token_create(actor=it_manager, school=school, name="Outlook add-in")
    assert token.checks_per_minute == actions.DEFAULT_CHECKS_PER_MINUTE == 600
    [event] = AuditEvent.objects.filter(event_type="api_token_created")
    assert event.after["checks_per_minute"] == 600


def test_150_staff_sending_in_the_same_minute_are_all_checked(school, it_manager):
    _, raw = actions.token_create(actor=it_manager, school=school, name="Outlook add-in")
    for _ in range(150):
        actions.token_use(raw=raw)
    assert ApiToken.objects.get().window_uses == 150


def test_the_limit_is_the_tokens_own(school, it_manager):
    _, small = actions.token_create(actor=it_manager, school=school, name="small",
                                    checks_per_minute=1)
    _, usual = actions.token_create(actor=it_manager, school=school, name="usual")
    assert check(small).status_code == 200
    limited = check(small)
    assert limited.status_code == 429
    assert limited.json()["message"].startswith("This token may make 1 checks a minute")
    assert 1 <= int(limited["Retry-After"]) <= 60
    # The other token's minute is its own.
    assert check(usual).status_code == 200


def test_the_last_check_of_the_minute_is_made_and_the_next_refused(school, it_manager):
    _, raw = actions.token_create(actor=it_manager, school=school, name="Outlook add-in")
    actions.token_use(raw=raw)
    ApiToken.objects.update(window_uses=599)
    assert check(raw).status_code == 200
    assert check(raw).status_code == 429
    assert ApiToken.objects.get().uses == 2


@pytest.mark.parametrize("limit", [0, -1, 10_001, 10**40])
def test_a_limit_out_of_range_is_refused(school, it_manager, limit):
    with pytest.raises(InvalidInput, match="between 1 and 10,000"):
        actions.token_create(actor=it_manager, school=school, name="x", checks_per_minute=limit)
    assert not ApiToken.objects.exists()


def test_the_it_manager_chooses_the_limit_when_making_a_token(school, it_manager, client_for):
    client = client_for(it_manager)
    page = client.post(reverse("api:tokens"), {"name": "Outlook add-in",
                                               "checks_per_minute": "1200"})
    assert page.status_code == 200
    assert ApiToken.objects.get().checks_per_minute == 1200
    assert "1200 a minute" in client.get(reverse("api:tokens")).content.decode()


def test_an_empty_limit_gets_the_default(school, it_manager, client_for):
    client_for(it_manager).post(reverse("api:tokens"), {"name": "Outlook add-in",
                                                        "checks_per_minute": ""})
    assert ApiToken.objects.get().checks_per_minute == 600


@pytest.mark.parametrize("value", ["0", "-5", "10001", "9" * 40, "1e308", "NaN", "a\x00b"])
def test_a_bad_limit_on_the_page_gets_a_message_and_no_token(school, it_manager, client_for,
                                                             value):
    page = client_for(it_manager).post(reverse("api:tokens"),
                                       {"name": "Outlook add-in", "checks_per_minute": value})
    assert page.status_code == 400
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("document", ["README.md", "contrib/mail/README.md"])
def test_the_documents_give_the_default_limit(document):
    text = " ".join((ROOT / document).read_text().split())
    assert f"{actions.DEFAULT_CHECKS_PER_MINUTE} checks a minute" in text
    assert not re.search(r"\b60 checks a minute", text)
