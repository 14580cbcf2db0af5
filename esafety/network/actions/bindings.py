"""Signing in to and out of the internet on a computer: the client bindings.

One address has one open binding; a later sign-in there replaces the earlier (whose
web session is told on its next page). Every change rewrites bindings.json once, after
commit (esafety/network/publishing.py).
"""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.errors import InvalidInput, NotAllowed
from esafety.network import events, publishing, selectors
from esafety.network.models import ClientBinding, NetworkSettings


def day_end(config: NetworkSettings, moment: datetime.datetime) -> datetime.datetime:
    """The end of the school day on the (local) day of `moment`."""
    local = timezone.localtime(moment)
    return timezone.make_aware(datetime.datetime.combine(local.date(), config.school_day_ends))


def ends_after(config: NetworkSettings, last_seen: datetime.datetime) -> datetime.datetime:
    """When a binding last used at `last_seen` ends by itself: idle, or the end of the school
    day (after the end of the day, at the latest midnight)."""
    idle = last_seen + datetime.timedelta(minutes=config.idle_minutes)
    end = day_end(config, last_seen)
    if last_seen >= end:
        local = timezone.localtime(last_seen)
        end = timezone.make_aware(datetime.datetime.combine(
            local.date() + datetime.timedelta(days=1), datetime.time(0, 0)))
    return min(idle, end)


def why_it_ended(config: NetworkSettings, binding: ClientBinding) -> str:
    idle = binding.last_seen + datetime.timedelta(minutes=config.idle_minutes)
    return ClientBinding.IDLE if binding.ends >= idle else ClientBinding.DAY_END


def binding_start(*, actor: Person, school: School, address: str,
                  now: datetime.datetime | None = None) -> ClientBinding:
    """`actor` signed in to the internet on the computer at `address`.

    Refused people (leavers, expired guests, switched-off accounts, another school's) are
    never bound. The same person again just keeps their binding going.
    """
    clean = selectors.valid_address(address)
    if clean is None:
        raise InvalidInput("this computer's address could not be read")
    if actor.school_id != school.pk:
        raise NotAllowed("you are not in this school")
    reason = selectors.refusal_reason(actor)
    if reason is not None or not actor.can_use_systems():
        raise NotAllowed("your access to the school's systems has ended")
    now = now or timezone.now()
    NetworkSettings.objects.get_or_create(school=school)
    try:
        return _bind(actor, school, clean, now)
    except IntegrityError:
        # Two sign-ins at the same address at the same moment: the later one wins.
        return _bind(actor, school, clean, now)


def _bind(person: Person, school: School, address: str,
          now: datetime.datetime) -> ClientBinding:
    with transaction.atomic():
        # One sign-in at a time per school (the settings row is the lock): two people at
        # one computer at once cannot both find it free.
        config = NetworkSettings.objects.select_for_update().get(school=school)
        if not Person.objects.filter(pk=person.pk).current().exists():
            # Recorded as a leaver (or switched off) a moment ago.
            raise NotAllowed("your access to the school's systems has ended")
        earlier = (ClientBinding.objects.select_for_update().open()
                   .filter(school=school, address=address).select_related("person").first())
        replaced = None
        if earlier is not None and earlier.ends > now and earlier.person_id == person.pk:
            earlier.last_seen = now
            earlier.ends = ends_after(config, now)
            earlier.save(update_fields=["last_seen", "ends"])
            publishing.bindings_after_commit(school)
            return earlier
        if earlier is not None:
            live = earlier.ends > now
            earlier.ended_at = now if live else earlier.ends
            earlier.ended_reason = (ClientBinding.REPLACED if live
                                    else why_it_ended(config, earlier))
            earlier.save(update_fields=["ended_at", "ended_reason"])
            replaced = earlier if live else None
        binding = ClientBinding.objects.create(
            school=school, address=address, person=person, started_at=now, last_seen=now,
            ends=ends_after(config, now))
        events.signed_in(person=person, binding=binding, replaced=replaced)
        publishing.bindings_after_commit(school)
    return binding


def binding_end(*, actor: Person | None, school: School, address: str,
                now: datetime.datetime | None = None) -> ClientBinding | None:
    """Sign out of the internet on the computer at `address` (whoever was signed in there:
    the person at the computer may always end it). None when nobody was."""
    clean = selectors.valid_address(address)
    if clean is None:
        raise InvalidInput("this computer's address could not be read")
    now = now or timezone.now()
    with transaction.atomic():
        binding = (ClientBinding.objects.select_for_update().live(now)
                   .filter(school=school, address=clean).select_related("person").first())
        if binding is None:
            return None
        binding.ended_at = now
        binding.ended_reason = ClientBinding.SIGNED_OUT
        binding.save(update_fields=["ended_at", "ended_reason"])
        events.signed_out(actor=actor, binding=binding)
        publishing.bindings_after_commit(school)
    return binding


def access_ended(*, school: School, now: datetime.datetime | None = None) -> int:
    """End at once every open binding of a person who may no longer use the systems (a
    leaver, an expired guest, a switched-off account). Call inside the change's
    transaction; returns how many ended."""
    now = now or timezone.now()
    current = Person.objects.filter(school=school).current().values("pk")
    ended: dict[int, list[ClientBinding]] = {}
    for binding in (ClientBinding.objects.select_for_update().open()
                    .filter(school=school).exclude(person__in=current)
                    .select_related("person")):
        ended.setdefault(binding.person_id, []).append(binding)
    count = 0
    for bindings in ended.values():
        person = bindings[0].person
        reason = selectors.refusal_reason(person) or ClientBinding.INACTIVE
        for binding in bindings:
            binding.ended_at = min(now, binding.ends)
            binding.ended_reason = reason
            binding.save(update_fields=["ended_at", "ended_reason"])
        events.access_ended(person=person, reason=reason,
                            addresses=[b.address for b in bindings])
        count += len(bindings)
    if count:
        publishing.bindings_after_commit(school)
    return count


def timed_out(*, school: School, now: datetime.datetime | None = None) -> int:
    """End the bindings past their end (idle, end of the school day)."""
    now = now or timezone.now()
    with transaction.atomic():
        config, _ = NetworkSettings.objects.get_or_create(school=school)
        counts = {ClientBinding.IDLE: 0, ClientBinding.DAY_END: 0}
        for binding in (ClientBinding.objects.select_for_update().open()
                        .filter(school=school, ends__lte=now)):
            binding.ended_at = binding.ends
            binding.ended_reason = why_it_ended(config, binding)
            binding.save(update_fields=["ended_at", "ended_reason"])
            counts[binding.ended_reason] += 1
        total = sum(counts.values())
        if total:
            events.sign_ins_timed_out(school=school, idle=counts[ClientBinding.IDLE],
                                      day_end=counts[ClientBinding.DAY_END])
            publishing.bindings_after_commit(school)
    return total


def seen(*, school: School, last_seen: dict[str, float],
         now: datetime.datetime | None = None) -> int:
    """The helpers saw these addresses in use (unix times): each live binding there is kept
    going from then. Returns how many bindings changed."""
    now = now or timezone.now()
    if not last_seen:
        return 0
    changed = 0
    with transaction.atomic():
        config, _ = NetworkSettings.objects.get_or_create(school=school)
        for binding in (ClientBinding.objects.select_for_update().live(now)
                        .filter(school=school, address__in=list(last_seen))):
            moment = datetime.datetime.fromtimestamp(last_seen[binding.address], tz=datetime.UTC)
            moment = min(moment, now)  # a clock ahead must not keep anyone signed in
            if moment <= binding.last_seen:
                continue
            binding.last_seen = moment
            binding.ends = max(binding.ends, ends_after(config, moment))
            binding.save(update_fields=["last_seen", "ends"])
            changed += 1
        if changed:
            publishing.bindings_after_commit(school)
    return changed
