"""Who is at which computer: signing in and out, the later sign-in wins, idle and day end."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import actions as directory
from esafety.directory import roles
from esafety.errors import InvalidInput, NotAllowed
from esafety.network import actions
from esafety.network.actions.bindings import ends_after
from esafety.network.models import ClientBinding, NetworkSettings
from esafety.network.testing import bind_address, unbind_address


def test_signing_in_binds_the_address_and_writes_bindings_json(pupil, school, publishing,
                                                                published):
    with publishing():
        binding = actions.binding_start(actor=pupil, school=school, address="10.0.0.5")
    data = published("bindings.json")
    assert data["format"] == 1 and data["version"] == 1
    assert data["bindings"] == {"10.0.0.5": {"user": "pupil",
                                             "until": int(binding.ends.timestamp())}}
    event = AuditEvent.objects.get(event_type="internet_signed_in")
    assert event.actor == pupil and event.details["address"] == "10.0.0.5"


def test_each_write_of_bindings_json_has_a_new_version(pupil, teacher, school, published):
    bind_address("10.0.0.5", pupil.username)
    bind_address("10.0.0.6", teacher.username)
    assert published("bindings.json")["version"] == 2
    assert set(published("bindings.json")["bindings"]) == {"10.0.0.5", "10.0.0.6"}


def test_the_later_sign_in_on_an_address_wins(pupil, teacher, school, publishing, published):
    with publishing():
        first = actions.binding_start(actor=teacher, school=school, address="10.0.0.5")
        actions.binding_start(actor=pupil, school=school, address="10.0.0.5")
    first.refresh_from_db()
    assert first.ended_reason == ClientBinding.REPLACED and first.ended_at is not None
    assert ClientBinding.objects.open().get().person == pupil
    assert published("bindings.json")["bindings"]["10.0.0.5"]["user"] == "pupil"
    assert AuditEvent.objects.filter(event_type="internet_signed_in").first().details[
        "replaced"] == "teacher"


def test_a_person_may_be_signed_in_at_several_computers(pupil, school):
    bind_address("10.0.0.5", pupil.username)
    bind_address("10.0.0.6", pupil.username)
    assert ClientBinding.objects.open().filter(person=pupil).count() == 2


def test_signing_in_again_keeps_the_same_binding_going(pupil, school):
    # Mid-morning: a binding ends at the end of the school day, so a start just before it
    # (a run of the suite late in the afternoon) would rightly give a new one.
    start = timezone.make_aware(datetime.datetime.combine(timezone.localdate(),
                                                          datetime.time(10, 0)))
    first = bind_address("10.0.0.5", pupil.username, now=start)
    again = bind_address("10.0.0.5", pupil.username, now=start + datetime.timedelta(minutes=5))
    assert again.pk == first.pk
    assert ClientBinding.objects.count() == 1
    assert AuditEvent.objects.filter(event_type="internet_signed_in").count() == 1


def test_ipv6_addresses_are_written_in_their_usual_form(pupil, school, published):
    bind_address("2001:DB8:0:0::1", pupil.username)
    assert list(published("bindings.json")["bindings"]) == ["2001:db8::1"]


@pytest.mark.parametrize("address", ["", "not-an-address", "10.0.0.256", "10.0.0.5\n",
                                     "10.0.0.5, 10.0.0.6"])
def test_an_unreadable_address_is_refused_with_a_message(pupil, school, address):
    if address == "10.0.0.5\n":
        # Surrounding white space is harmless and taken off.
        assert actions.binding_start(actor=pupil, school=school, address=address).address == \
            "10.0.0.5"
        return
    with pytest.raises(InvalidInput, match="address"):
        actions.binding_start(actor=pupil, school=school, address=address)
    assert not ClientBinding.objects.exists()


def test_a_leaver_is_never_bound(pupil, school, headteacher):
    directory.person_leave(actor=headteacher, person=pupil)
    pupil.refresh_from_db()
    with pytest.raises(NotAllowed, match="access .* has ended"):
        actions.binding_start(actor=pupil, school=school, address="10.0.0.5")
    assert not ClientBinding.objects.exists()


def test_an_expired_guest_is_never_bound(make_person, school):
    guest = make_person(roles.VISITOR, access_expires_at=timezone.now()
                        - datetime.timedelta(minutes=1))
    with pytest.raises(NotAllowed):
        actions.binding_start(actor=guest, school=school, address="10.0.0.5")


def test_someone_from_another_school_is_never_bound(outsider, school):
    with pytest.raises(NotAllowed, match="not in this school"):
        actions.binding_start(actor=outsider, school=school, address="10.0.0.5")


def test_signing_out_ends_the_binding_and_drops_it_from_the_file(pupil, school, published):
    bind_address("10.0.0.5", pupil.username)
    unbind_address("10.0.0.5", school)
    binding = ClientBinding.objects.get()
    assert binding.ended_reason == ClientBinding.SIGNED_OUT
    assert published("bindings.json")["bindings"] == {}
    assert AuditEvent.objects.filter(event_type="internet_signed_out").count() == 1


def test_signing_out_where_nobody_is_signed_in_changes_nothing(school):
    assert actions.binding_end(actor=None, school=school, address="10.0.0.5") is None
    assert not AuditEvent.objects.exists()


def _at(hour, minute=0, day=None):
    day = day or timezone.localdate()
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(hour, minute)))


def test_a_binding_ends_when_idle_or_at_the_end_of_the_school_day(school):
    config = NetworkSettings(school=school, idle_minutes=30,
                             school_day_ends=datetime.time(17, 0))
    assert ends_after(config, _at(9)) == _at(9, 30)
    assert ends_after(config, _at(16, 50)) == _at(17)
    # After the end of the day (a club, a boarding house): the idle limit, never past midnight.
    assert ends_after(config, _at(18)) == _at(18, 30)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    assert ends_after(config, _at(23, 50)) == _at(0, 0, tomorrow)


def test_the_sweep_ends_idle_and_end_of_day_bindings_with_the_reason(pupil, teacher, school,
                                                                     published):
    NetworkSettings.objects.create(school=school, idle_minutes=30,
                                   school_day_ends=datetime.time(17, 0))
    idle = bind_address("10.0.0.5", pupil.username, now=_at(9))
    late = bind_address("10.0.0.6", teacher.username, now=_at(16, 50))
    assert actions.timed_out(school=school, now=_at(9, 20)) == 0
    assert actions.timed_out(school=school, now=_at(17, 1)) == 2
    idle.refresh_from_db()
    late.refresh_from_db()
    assert (idle.ended_reason, idle.ended_at) == (ClientBinding.IDLE, _at(9, 30))
    assert (late.ended_reason, late.ended_at) == (ClientBinding.DAY_END, _at(17))
    assert AuditEvent.objects.get(event_type="internet_sign_ins_timed_out").details == {
        "idle": 1, "end_of_day": 1}


def test_activity_keeps_a_binding_going_but_never_past_the_end_of_the_day(pupil, school):
    NetworkSettings.objects.create(school=school, idle_minutes=30,
                                   school_day_ends=datetime.time(17, 0))
    binding = bind_address("10.0.0.5", pupil.username, now=_at(9))
    changed = actions.seen(school=school, last_seen={"10.0.0.5": _at(9, 20).timestamp(),
                                                     "10.0.0.9": _at(9, 20).timestamp()},
                           now=_at(9, 21))
    binding.refresh_from_db()
    assert changed == 1
    assert (binding.last_seen, binding.ends) == (_at(9, 20), _at(9, 50))
    late = bind_address("10.0.0.6", pupil.username, now=_at(16, 20))
    assert late.ends == _at(16, 50)
    actions.seen(school=school, last_seen={"10.0.0.6": _at(16, 45).timestamp()},
                 now=_at(16, 46))
    late.refresh_from_db()
    assert late.ends == _at(17)


def test_activity_from_the_future_counts_as_now(pupil, school):
    binding = bind_address("10.0.0.5", pupil.username, now=_at(9))
    actions.seen(school=school, last_seen={"10.0.0.5": _at(15).timestamp()}, now=_at(9, 10))
    binding.refresh_from_db()
    assert binding.last_seen == _at(9, 10)


def test_a_person_switched_off_after_the_first_check_is_still_not_bound(pupil, school,
                                                                        monkeypatch):
    from esafety.directory.models import Person
    from esafety.network import selectors

    # The database says they have left; the copy in hand (checked first) does not know yet.
    Person.objects.filter(pk=pupil.pk).update(is_active=False)
    monkeypatch.setattr(selectors, "refusal_reason", lambda person: None)
    monkeypatch.setattr(type(pupil), "can_use_systems", lambda self: True)
    with pytest.raises(NotAllowed):
        actions.binding_start(actor=pupil, school=school, address="10.0.0.5")
    assert not ClientBinding.objects.exists()
