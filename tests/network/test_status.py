"""The IT manager's network sign-in status page: the snapshot's age, the helpers'
heartbeats, who is behind, who is signed in where; the settings."""

import json
import time

import pytest

from esafety.audit.models import AuditEvent
from esafety.filtering import publish
from esafety.network.models import NetworkSettings
from esafety.network.testing import bind_address

STATUS = "/internet/status/"


def heartbeat(school, kind, pid, *, at=None, version="1"):
    folder = publish.snapshot_dir(school) / "heartbeats"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{kind}-{pid}.json").write_text(json.dumps({
        "kind": kind, "pid": pid, "at": at if at is not None else time.time(),
        "policy_version": version, "lists_version": "x", "bindings_version": 1}))


@pytest.mark.parametrize("who", ["teacher", "pupil", "dsl", "parent"])
def test_only_those_who_watch_the_network_see_the_page(who, request, client_for, school):
    person = request.getfixturevalue(who)
    assert client_for(person).get(STATUS).status_code == 404


def test_another_schools_head_sees_only_their_own_school(school, outsider, pupil,
                                                         client_for):
    bind_address("10.0.0.5", pupil.username)
    page = client_for(outsider).get(STATUS)
    assert page.context["school"] == outsider.school
    assert page.context["state"].live_bindings == 0
    assert "Pip Pupil" not in page.content.decode()


def test_a_stranger_is_asked_to_sign_in(school):
    from django.test import Client

    response = Client().get(STATUS)
    assert response.status_code == 302 and "/sign-in/" in response["Location"]


def test_the_page_shows_the_snapshot_the_helpers_and_who_is_signed_in(
        school, it_manager, pupil, client_for):
    publish.publish_policy(school)  # version 1
    publish.publish_policy(school)  # version 2
    bind_address("10.0.0.5", pupil.username)
    heartbeat(school, "filter", 101, version="2")
    heartbeat(school, "whois", 102, version="1")
    heartbeat(school, "filter", 103, version="1", at=time.time() - 600)
    page = client_for(it_manager).get(STATUS)
    assert page.status_code == 200
    state = page.context["state"]
    assert state.policy_version == "2"
    assert state.policy_age_seconds is not None and state.policy_age_seconds < 3600
    assert state.live_bindings == 1
    assert [(h.pid, h.behind, h.stopped) for h in state.helpers] == [
        (102, True, False), (101, False, False), (103, True, True)] or \
        sorted((h.pid, h.behind, h.stopped) for h in state.helpers) == [
        (101, False, False), (102, True, False), (103, True, True)]
    assert [h.pid for h in state.helpers_behind] == [102]
    text = page.content.decode()
    assert "1 running helper still on an old policy." in text
    assert "Stopped (no heartbeat for over a minute)" in text
    assert "10.0.0.5" in text and "Pip Pupil" in text


def test_unreadable_heartbeats_are_skipped(school, it_manager, client_for):
    folder = publish.snapshot_dir(school) / "heartbeats"
    folder.mkdir(parents=True)
    (folder / "filter-1.json").write_text("{not json")
    (folder / "filter-2.json").write_text('["a list"]')
    (folder / "filter-3.json").write_text('{"at": "yesterday"}')
    page = client_for(it_manager).get(STATUS)
    assert page.status_code == 200 and page.context["state"].helpers == []
    assert "has not been published yet" in page.content.decode()


def test_the_it_manager_changes_the_settings_and_the_filter_gets_them(
        school, it_manager, client_for, publishing, published):
    with publishing():
        response = client_for(it_manager).post("/internet/status/settings/", {
            "idle_minutes": "45", "school_day_ends": "16:30", "unidentified": "guests",
            "snapshot_age_limit_minutes": "15", "extra_web_hosts": "Login.Example.org\n"})
    assert response.status_code == 302
    config = NetworkSettings.objects.get()
    assert (config.idle_minutes, str(config.school_day_ends), config.unidentified,
            config.extra_web_hosts) == (45, "16:30:00", "guests", "login.example.org")
    assert AuditEvent.objects.filter(event_type="network_settings_changed").count() == 1
    assert published("policy.json")["unidentified"] == "guests"
    assert "login.example.org" in published("policy.json")["web_hosts"]


@pytest.mark.parametrize("data", [
    {}, {"idle_minutes": "-1"}, {"idle_minutes": "0", "school_day_ends": "25:00"},
    {"idle_minutes": "abc", "unidentified": "everyone"},
    {"idle_minutes": "30", "school_day_ends": "17:00", "unidentified": "signin",
     "snapshot_age_limit_minutes": "10", "extra_web_hosts": "not a host!"},
    {"idle_minutes": "9" * 30, "school_day_ends": "\x00", "unidentified": "signin",
     "snapshot_age_limit_minutes": "10"},
])
def test_bad_settings_get_a_message_never_an_error(school, it_manager, client_for, data):
    response = client_for(it_manager).post("/internet/status/settings/", data)
    assert response.status_code == 400
    assert response.context["form"].errors
    assert not NetworkSettings.objects.exists()
    assert not AuditEvent.objects.filter(event_type="network_settings_changed").exists()


def test_someone_who_may_only_look_cannot_change_the_settings(school, make_person, client_for,
                                                              monkeypatch):
    from esafety.directory import permissions, roles

    watcher = make_person(roles.DSL)
    monkeypatch.setitem(permissions.TABLE, "view_network_status",
                        permissions.TABLE["view_network_status"] | {roles.DSL})
    client = client_for(watcher)
    page = client.get(STATUS)
    assert page.status_code == 200 and not page.context["can_change"]
    response = client.post("/internet/status/settings/", {
        "idle_minutes": "45", "school_day_ends": "16:30", "unidentified": "guests",
        "snapshot_age_limit_minutes": "15"})
    assert response.status_code == 404
    assert not NetworkSettings.objects.exists()


def test_the_navigation_shows_the_page_to_the_it_manager(school, it_manager, client_for):
    home = client_for(it_manager).get("/")
    assert STATUS in {item["url"] for item in home.context["nav_items"]}
