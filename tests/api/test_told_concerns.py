"""A draft checked through the API that shows someone may be at risk reaches the safeguarding
lead, saying plainly that the sender's address is only what the mail client said; and the same
draft checked again (Smart Alerts asks on every press of Send) counts on the concern already
waiting instead of raising another."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from esafety.api import actions
from esafety.audit.models import AuditEvent
from esafety.concerns import rules
from esafety.concerns.models import Concern
from esafety.directory import roles

URL = "/api/v1/check"
SELF_HARM = "I want to kill myself tonight, nobody would miss me"


@pytest.fixture
def token(school, it_manager):
    return actions.token_create(actor=it_manager, school=school, name="Outlook add-in")[1]


def post(token: str, body: dict) -> dict:
    answer = Client().post(URL, data=json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200, answer.content
    return answer.json()


def raised() -> int:
    return AuditEvent.objects.filter(event_type="concern_raised").count()


def test_the_concern_says_the_senders_address_was_not_verified(token, pupil, dsl,
                                                                client_for):
    post(token, {"text": SELF_HARM, "from": pupil.email})
    concern = Concern.objects.get()
    assert concern.person == pupil  # still raised, about the pupil named
    assert concern.details["checked_by"] == (
        "automatically, by the check API (token \u201cOutlook add-in\u201d), from a draft "
        f"before it was sent. The sender's address ({pupil.email}) was given by a mail client "
        "through the check API and has not been verified.")
    page = client_for(dsl).get(reverse("concerns:detail", args=[concern.pk])).content.decode()
    assert "was given by a mail client through the check API and has not been verified" in page


def test_a_draft_naming_no_sender_says_so(token, pupil, dsl):
    post(token, {"text": SELF_HARM, "sender_role": "pupil"})
    concern = Concern.objects.get()
    assert concern.details["checked_by"].endswith(
        "The mail client did not say who the sender is.")
    assert "has not been verified" not in concern.details["checked_by"]


def test_the_same_draft_sent_again_counts_on_the_concern_already_waiting(token, pupil, dsl):
    first = post(token, {"text": SELF_HARM, "from": pupil.email})
    again = post(token, {"text": SELF_HARM, "from": pupil.email})
    concern = Concern.objects.get()
    assert concern.occurrences == 2
    assert first["told"]["recorded"] == again["told"]["recorded"] == concern.reference
    assert raised() == 1


def test_a_draft_given_a_subject_and_a_recipient_and_sent_again_is_still_one_concern(
        token, pupil, dsl, teacher):
    post(token, {"text": SELF_HARM, "from": pupil.email})
    post(token, {"text": SELF_HARM, "subject": "sorry", "from": pupil.email,
                 "to": [teacher.email], "cc": [dsl.email]})
    concern = Concern.objects.get()
    assert concern.person == pupil
    assert concern.occurrences == 2 and raised() == 1


def test_another_sender_with_the_same_words_is_another_concern(token, pupil, dsl,
                                                                make_person):
    other = make_person(roles.PUPIL)
    post(token, {"text": SELF_HARM, "from": pupil.email})
    post(token, {"text": SELF_HARM, "from": other.email})
    assert sorted(c.person_id for c in Concern.objects.all()) == sorted([pupil.pk, other.pk])
    assert raised() == 2


def test_retries_count_for_an_hour_after_the_last_then_a_new_concern_is_raised(token, pupil,
                                                                               dsl):
    post(token, {"text": SELF_HARM, "from": pupil.email})
    # Tried again 50 minutes after the last try: the same concern (the window runs from the
    # last time seen, so a morning of edits and retries is one concern).
    Concern.objects.update(last_seen_at=timezone.now() - datetime.timedelta(minutes=50))
    post(token, {"text": SELF_HARM, "from": pupil.email})
    assert Concern.objects.get().occurrences == 2
    # Over an hour since the last try: the lead hears of it again.
    Concern.objects.update(last_seen_at=timezone.now() - rules.REPEAT_WINDOW
                           - datetime.timedelta(minutes=1))
    post(token, {"text": SELF_HARM, "from": pupil.email})
    assert Concern.objects.count() == 2 and raised() == 2


def test_a_closed_concern_is_not_counted_again(token, pupil, dsl):
    """Once the lead has closed it, the same draft again is a new signal for them."""
    post(token, {"text": SELF_HARM, "from": pupil.email})
    Concern.objects.update(state=rules.NO_FURTHER_ACTION)
    post(token, {"text": SELF_HARM, "from": pupil.email})
    assert Concern.objects.count() == 2
