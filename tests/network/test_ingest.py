"""`esafety filter ingest` on the network's side: the helpers' activity keeps sign-ins going,
idle ones end, the snapshot is kept up to date, and a stale snapshot alerts once."""

import datetime
import json
import time

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.filtering import publish
from esafety.network import actions
from esafety.network.actions import monitoring
from esafety.network.models import ClientBinding, NetworkSettings
from esafety.network.testing import bind_address


def midday():
    """Noon today, the school's time: sign-ins made "a few minutes ago" from here are never cut
    short by the end of the school day or by midnight, whenever the test runs."""
    return timezone.make_aware(datetime.datetime.combine(timezone.localdate(),
                                                         datetime.time(12, 0)))


@pytest.fixture
def at_midday():
    """The clock at noon today (and running on), for everything: the actions and bindings.json."""
    with time_machine.travel(midday(), tick=True):
        yield


def activity(school, pid, seen):
    folder = publish.snapshot_dir(school) / "activity"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"whois-{pid}.json").write_text(json.dumps({"at": time.time(), "seen": seen}))


def test_the_helpers_activity_keeps_a_sign_in_going(school, pupil, published, publishing,
                                                    at_midday):
    now = timezone.now()
    binding = bind_address("10.0.0.5", pupil.username, now=now - datetime.timedelta(minutes=20))
    used = (now - datetime.timedelta(minutes=1)).timestamp()
    activity(school, 1, {"10.0.0.5": used - 60, "garbage": 5, "10.0.0.6": "soon"})
    activity(school, 2, {"10.0.0.5": used})
    (publish.snapshot_dir(school) / "activity" / "whois-3.json").write_text("not json")
    with publishing():
        result = actions.ingest_network(school=school, now=now)
    binding.refresh_from_db()
    assert (result.activity_files, result.seen) == (2, 1)
    assert abs(binding.last_seen.timestamp() - used) < 1
    assert published("bindings.json")["bindings"]["10.0.0.5"]["until"] == int(
        binding.ends.timestamp())


def test_idle_sign_ins_end_and_leave_the_file(school, pupil, published, publishing, at_midday):
    NetworkSettings.objects.create(school=school, idle_minutes=10)
    now = timezone.now()
    bind_address("10.0.0.5", pupil.username, now=now - datetime.timedelta(minutes=11))
    with publishing():
        result = actions.ingest_network(school=school, now=now)
    assert result.ended == 1
    assert ClientBinding.objects.get().ended_reason == ClientBinding.IDLE
    assert published("bindings.json")["bindings"] == {}


def test_a_guest_whose_time_ran_out_is_refused_and_signed_out(school, make_person, published,
                                                             publishing):
    guest = make_person(roles.VISITOR, username="guest",
                        access_expires_at=timezone.now() + datetime.timedelta(minutes=5))
    bind_address("10.0.0.5", "guest")
    publish.publish_policy(school)
    assert "guest" in published("policy.json")["users"]
    guest.access_expires_at = timezone.now() - datetime.timedelta(seconds=1)
    guest.save()  # time passing, as far as the database can tell
    with publishing():
        result = actions.ingest_network(school=school)
    assert result.republished and result.ended == 1
    assert published("policy.json")["refused"] == {"guest": "expired"}
    assert ClientBinding.objects.get().ended_reason == ClientBinding.EXPIRED
    assert published("bindings.json")["bindings"] == {}


def test_an_up_to_date_snapshot_is_not_published_again(school, pupil):
    publish.publish_policy(school)
    assert not actions.ingest_network(school=school).republished


def test_the_ingest_command_runs_the_network_part(school, pupil, capsys):
    NetworkSettings.objects.create(school=school, idle_minutes=10)
    bind_address("10.0.0.5", pupil.username,
                 now=timezone.now() - datetime.timedelta(minutes=11))
    call_command("filter", "ingest", "--school", school.slug)
    out = capsys.readouterr().out
    assert "Network: 0 computer(s) seen in use, 1 sign-in(s) ended" in out


# -- the stale-snapshot alert ----------------------------------------------------------------
@pytest.fixture
def break_publishing(monkeypatch):
    """break_publishing(): from now on, writing policy.json fails."""

    def broken(_school):
        raise OSError("No space left on device")

    return lambda: monkeypatch.setattr(monitoring.publish, "publish_policy", broken)


def _later(minutes):
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture
def stale(school, pupil, make_person, break_publishing):
    """A change the filter has not got, because writing the policy fails."""
    publish.publish_policy(school)
    break_publishing()
    make_person(roles.TEACHER, username="new.teacher")


def test_a_snapshot_out_of_date_beyond_the_limit_alerts_once(
        school, it_manager, stale, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = actions.ingest_network(school=school)
    assert first.alert == "" and not mail.outbox  # noticed: within the limit (10 minutes)
    assert NetworkSettings.objects.get().stale_since is not None
    with django_capture_on_commit_callbacks(execute=True):
        second = actions.ingest_network(school=school, now=_later(11))
    assert "out of date" in second.alert and "No space left on device" in second.alert
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [it_manager.email]
    assert "out of date" in mail.outbox[0].subject
    assert AuditEvent.objects.filter(event_type="network_snapshot_stale").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        third = actions.ingest_network(school=school, now=_later(12))
    assert third.alert and len(mail.outbox) == 1  # once per episode
    assert AuditEvent.objects.filter(event_type="network_snapshot_stale").count() == 1


def test_the_alert_shows_on_the_status_page(school, it_manager, stale, client_for):
    actions.ingest_network(school=school)
    actions.ingest_network(school=school, now=_later(11))
    page = client_for(it_manager).get("/internet/status/")
    assert "has been out of date since" in page.content.decode()


def test_an_old_but_up_to_date_snapshot_raises_no_alert(school, it_manager, pupil):
    publish.publish_policy(school)
    path = publish.snapshot_dir(school) / "policy.json"
    data = json.loads(path.read_text())
    data["published_at"] = (timezone.now() - datetime.timedelta(hours=10)).isoformat()
    path.write_text(json.dumps(data))
    actions.ingest_network(school=school)
    result = actions.ingest_network(school=school, now=_later(60))
    assert result.alert == "" and not mail.outbox
    assert NetworkSettings.objects.get().stale_since is None


def test_once_published_again_the_alert_clears(school, it_manager, pupil, make_person,
                                               monkeypatch):
    publish.publish_policy(school)
    make_person(roles.TEACHER, username="new.teacher")
    real = monitoring.publish.publish_policy
    monkeypatch.setattr(monitoring.publish, "publish_policy",
                        lambda s: (_ for _ in ()).throw(OSError("disk full")))
    actions.ingest_network(school=school)
    assert actions.ingest_network(school=school, now=_later(11)).alert
    monkeypatch.setattr(monitoring.publish, "publish_policy", real)
    assert actions.ingest_network(school=school, now=_later(12)).alert == ""
    config = NetworkSettings.objects.get()
    assert config.stale_since is None and config.stale_alert_sent_at is None


def test_an_alert_nobody_can_receive_is_recorded(school, stale,
                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.ingest_network(school=school)
        actions.ingest_network(school=school, now=_later(11))
    assert not mail.outbox
    failed = AuditEvent.objects.get(event_type="network_email_failed")
    assert "nobody" in failed.details["error"]


def test_a_mail_server_that_fails_is_recorded(school, it_manager, stale,
                                              django_capture_on_commit_callbacks, monkeypatch):
    from esafety import mail

    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("mail server down")

    monkeypatch.setattr(mail, "send_mail", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        actions.ingest_network(school=school)
        actions.ingest_network(school=school, now=_later(11))
    failed = AuditEvent.objects.get(event_type="network_email_failed")
    assert "mail server down" in failed.details["error"]


def test_helper_files_not_rewritten_for_a_day_are_tidied_away(school, pupil):
    import os

    activity(school, 1, {})
    activity(school, 2, {})
    beats = publish.snapshot_dir(school) / "heartbeats"
    beats.mkdir(parents=True)
    (beats / "filter-3.json").write_text("{}")
    old = time.time() - 25 * 3600
    for path in (publish.snapshot_dir(school) / "activity" / "whois-1.json",
                 beats / "filter-3.json"):
        os.utime(path, (old, old))
    actions.ingest_network(school=school)
    assert sorted(p.name for p in publish.snapshot_dir(school).rglob("*.json")
                  if p.parent.name in ("activity", "heartbeats")) == ["whois-2.json"]


def test_filter_publish_writes_the_bindings_too(school, pupil, published):
    from esafety.network import actions as network

    network.binding_start(actor=pupil, school=school, address="10.0.0.5")
    call_command("filter", "publish", "--school", school.slug)
    assert published("bindings.json")["bindings"]["10.0.0.5"]["user"] == "pupil"
    assert published("policy.json")["signin_page"].endswith("/internet/sign-in/?school=hollins-park")
