"""For tests (the real-Squid ones included): sign someone in to the internet at an address
and have bindings.json written at once, without waiting for a transaction to commit."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.directory.models import Person, School
from esafety.network import actions, publishing
from esafety.network.models import ClientBinding


def bind_address(address: str, username: str, *, school: School | None = None,
                 now: datetime.datetime | None = None) -> ClientBinding:
    """Sign `username` in to the internet on the computer at `address` (as the portal does
    after a sign-in) and write bindings.json now. Raises NotAllowed for a refused person."""
    person = Person.objects.select_related("school").get(username=username)
    school = school or person.school
    assert school is not None, f"{username} is not in a school"
    binding = actions.binding_start(actor=person, school=school, address=address,
                                    now=now or timezone.now())
    publishing.write_bindings(school)
    return binding


def unbind_address(address: str, school: School) -> None:
    """Sign the computer at `address` out of the internet and write bindings.json now."""
    actions.binding_end(actor=None, school=school, address=address)
    publishing.write_bindings(school)
