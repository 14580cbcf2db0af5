"""Several people signing in on the same computer at the same moment: one binding wins, none
is lost half-way, and bindings.json names the one that won."""

import threading

import pytest
from django.db import connection

from esafety.directory import roles
from esafety.network import actions, publishing
from esafety.network.models import ClientBinding

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 8


def test_sign_ins_on_one_address_at_once_leave_exactly_one_binding(
        school, make_person, published, disposable_append_only_tables):
    people = [make_person(roles.PUPIL, year_group=8) for _ in range(PEOPLE)]
    ready = threading.Barrier(PEOPLE)
    failures = []

    def sign_in(person):
        try:
            ready.wait()
            actions.binding_start(actor=person, school=school, address="10.0.0.5")
        except Exception as exc:  # noqa: BLE001 - collected and reported below
            failures.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=sign_in, args=(p,)) for p in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    open_bindings = list(ClientBinding.objects.open())
    assert len(open_bindings) == 1
    assert ClientBinding.objects.filter(ended_reason=ClientBinding.REPLACED).count() == PEOPLE - 1
    publishing.write_bindings(school)
    assert published("bindings.json")["bindings"] == {
        "10.0.0.5": {"user": open_bindings[0].person.username,
                     "until": int(open_bindings[0].ends.timestamp())}}
