"""POST /api/v1/check: a school's token, the same JSON as `esafety check --json`, clear
JSON errors, the rate limit, and tokens made and revoked by the IT manager or the head."""

from __future__ import annotations

import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from esafety.api import actions
from esafety.api.models import ApiToken
from esafety.audit.models import AuditEvent
from esafety.checks.cli import check_main
from esafety.concerns.models import Concern

URL = "/api/v1/check"
SELF_HARM = "I want to kill myself tonight, nobody would miss me"


@pytest.fixture
def token(school, it_manager):
    return actions.token_create(actor=it_manager, school=school, name="Outlook add-in")[1]


def post(token: str | None, body, *, content_type="application/json", **headers):
    client = Client()
    if token is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    data = body if isinstance(body, (bytes, str)) else json.dumps(body)
    return client.post(URL, data=data, content_type=content_type, **headers)


def test_the_answer_is_the_same_json_as_the_command_line(token, capsys, monkeypatch):
    text = "Tom Smith (DOB 12/03/2012) has ADHD and is on the child protection register"
    answer = post(token, {"text": text, "subject": "Trip", "audience": "parents"})
    assert answer.status_code == 200
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    assert check_main(["--text", "--subject", "Trip", "--audience", "parents", "--json",
                       "--no-db", "-"]) == 0
    assert answer.json() == json.loads(capsys.readouterr().out)
    assert answer.json()["findings"]  # a real verdict, not an empty one


def test_the_token_is_required_and_a_wrong_or_revoked_one_refused(token, school, it_manager):
    assert post(None, {"text": "hi"}).status_code == 401
    wrong = post("esf_not-a-token", {"text": "hi"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "token-refused"
    assert post(token, {"text": "hi"}).status_code == 200
    actions.token_revoke(actor=it_manager, token=ApiToken.objects.get())
    assert post(token, {"text": "hi"}).status_code == 401


def test_uses_are_counted_not_audited(token):
    for _ in range(3):
        assert post(token, {"text": "hello"}).status_code == 200
    saved = ApiToken.objects.get()
    assert saved.uses == 3 and saved.last_used_at is not None
    assert list(AuditEvent.objects.filter(event_type__startswith="api_")
                .values_list("event_type", flat=True)) == ["api_token_created"]


def test_the_token_is_kept_only_as_a_hash(token):
    saved = ApiToken.objects.get()
    assert token not in (saved.token_hash, saved.prefix)
    assert saved.token_hash == actions.token_hash(token)


def test_another_schools_token_does_not_see_this_schools_directory(school, other_school,
                                                                   pupil, outsider,
                                                                   it_manager):
    ours = actions.token_create(actor=it_manager, school=school, name="ours")[1]
    theirs = actions.token_create(actor=outsider, school=other_school, name="theirs")[1]
    body = {"text": "See you later", "from": pupil.email, "to": ["someone@gmail.com"]}
    here = post(ours, body).json()
    there = post(theirs, body).json()
    # Here the sender is known to be a pupil writing to an unapproved address; to another
    # school's token the sender is nobody it knows.
    assert "recipients.pupil-unapproved" in [f["rule"] for f in here["findings"]]
    assert "recipients.pupil-unapproved" not in [f["rule"] for f in there["findings"]]


def test_a_pupils_self_harm_draft_is_told_to_the_dsl(token, pupil, dsl):
    answer = post(token, {"text": SELF_HARM, "from": pupil.email}).json()
    assert answer["told"]["urgent"] is True
    concern = Concern.objects.get()
    assert concern.person == pupil and answer["told"]["recorded"] == concern.reference


def test_nul_characters_never_reach_a_concern(token, pupil, dsl):
    answer = post(token, {"text": "I want to kill\u0000 myself tonight, nobody would miss me",
                          "subject": "a\u0000b", "from": pupil.email})
    assert answer.status_code == 200 and answer.json()["told"]["recorded"]
    concern = Concern.objects.get()
    assert "\x00" not in concern.excerpt + str(concern.details)
    bad = post(token, {"text": "x", "to": ["a\u0000@b.org"]})
    assert bad.status_code == 400 and bad.json()["error"] == "bad-address"


def test_the_rate_limit_answers_429_with_retry_after(token):
    ApiToken.objects.update(checks_per_minute=2)
    assert post(token, {"text": "a"}).status_code == 200
    assert post(token, {"text": "b"}).status_code == 200
    limited = post(token, {"text": "c"})
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert limited.json()["error"] == "rate-limited"
    assert "2 checks a minute" in limited.json()["message"]
    assert ApiToken.objects.get().uses == 2


@pytest.mark.parametrize("body,content_type,status,code", [
    (b"{not json", "application/json", 400, "bad-json"),
    (b"\xff\xfe", "application/json", 400, "bad-json"),
    (b"[1, 2]", "application/json", 400, "not-an-object"),
    (b'{"text": 5}', "application/json", 400, "bad-field"),
    (b'{"text": ""}', "application/json", 400, "empty"),
    (b'{"text": "x", "audience": "martians"}', "application/json", 400, "bad-audience"),
    (b'{"text": "x", "sender_role": "wizard"}', "application/json", 400, "bad-sender-role"),
    (b'{"text": "x", "to": ["not an address"]}', "application/json", 400, "bad-address"),
    (b'{"text": "x", "colour": "red"}', "application/json", 400, "unknown-field"),
    (b"text=hi", "application/x-www-form-urlencoded", 415, "json-required"),
    (b'{"text": "' + b"x" * (1024 * 1024 + 10) + b'"}', "application/json", 413, "too-large"),
])
def test_bad_input_gets_a_clear_json_error(token, body, content_type, status, code):
    answer = post(token, body, content_type=content_type)
    assert answer.status_code == status
    assert answer.json()["error"] == code and answer.json()["message"]


def test_get_is_refused_and_no_csrf_is_needed(token):
    client = Client(enforce_csrf_checks=True)
    assert client.get(URL).status_code == 405
    answer = client.post(URL, data=json.dumps({"text": "hello"}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert answer.status_code == 200


def test_the_it_manager_makes_a_token_shown_once(school, it_manager, client_for):
    client = client_for(it_manager)
    page = client.post(reverse("api:tokens"), {"name": "Outlook add-in"})
    assert page.status_code == 200
    made = ApiToken.objects.get()
    html = page.content.decode()
    raw = html.split('id="new-token"')[1].split("<code>")[1].split("</code>")[0]
    assert actions.token_hash(raw) == made.token_hash
    assert raw not in client.get(reverse("api:tokens")).content.decode()
    assert AuditEvent.objects.filter(event_type="api_token_created").count() == 1
    assert post(raw, {"text": "hello"}).status_code == 200
    assert client.post(reverse("api:tokens"), {"name": " "}).status_code == 400


def test_the_head_revokes_a_token_and_it_is_audited(school, headteacher, it_manager,
                                                    client_for, token):
    made = ApiToken.objects.get()
    answer = client_for(headteacher).post(reverse("api:revoke", args=[made.pk]))
    assert answer.status_code == 302
    assert ApiToken.objects.get().revoked_by == headteacher
    assert AuditEvent.objects.filter(event_type="api_token_revoked").count() == 1


def test_other_roles_and_other_schools_get_404(school, token, teacher, dsl, pupil, outsider,
                                               client_for):
    made = ApiToken.objects.get()
    for person in (teacher, dsl, pupil, outsider):
        client = client_for(person)
        if person is not outsider:
            assert client.get(reverse("api:tokens")).status_code == 404, person.role
            assert client.post(reverse("api:tokens"), {"name": "x"}).status_code == 404
        assert client.post(reverse("api:revoke", args=[made.pk])).status_code == 404
    assert ApiToken.objects.get().revoked_at is None
    outsider_page = client_for(outsider).get(reverse("api:tokens")).content.decode()
    assert made.prefix not in outsider_page


def test_garbage_token_names_get_a_message(school, it_manager, client_for):
    client = client_for(it_manager)
    for value in ["a\x00b", "x" * 5_000, "", "   "]:
        assert client.post(reverse("api:tokens"), {"name": value}).status_code == 400
    assert not ApiToken.objects.exists()


def test_a_failure_inside_the_checker_is_json_not_a_server_error(token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr("esafety.api.checking.build_directory", broken)
    answer = post(token, {"text": "hello"})
    assert answer.status_code == 503 and answer.json()["error"] == "unavailable"
    assert answer["Retry-After"] == "30"
