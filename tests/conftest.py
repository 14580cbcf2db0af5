"""Standing personas and factories shared by every test file."""

import datetime
import itertools
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from tests.oidc_fixture import (  # noqa: F401  (the test identity provider, devidp/)
    oidc_entra,
    oidc_generic,
    oidc_google,
    oidc_provider,
    start_oidc_provider,
)


def _build_speedups():
    # The Squid helper's optional compiled fast path, built (or rebuilt when its source
    # changed) before any test imports it, as scripts/test does, so `uv run pytest` on a
    # fresh clone tests it too (tests/engine_urls/test_fastpath.py::needs_compiled).
    script = Path(__file__).resolve().parent.parent / "scripts" / "build_fastpath.py"
    subprocess.run([sys.executable, str(script), "--quiet"], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


_build_speedups()

# The real parts some tests start for themselves, by the marker those tests carry. Where one
# is missing (or, for Postfix, without root) they skip, saying why, so a developer can run
# the suite anyway. scripts/test sets ESAFETY_REQUIRE_REAL_PARTS=1 where it has installed
# them all (as root, as CI runs it, or wherever CI is set): there such a skip is a failure,
# or a CI machine missing a part would pass by running none of its tests.
REAL_PARTS = {"postfix": "Postfix", "squid": "Squid", "e2e": "Chromium"}


def real_parts_required() -> bool:
    return bool(os.environ.get("ESAFETY_REQUIRE_REAL_PARTS"))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    # Around the skipif marks and the fixtures, where those skips are raised.
    try:
        return (yield)
    except pytest.skip.Exception as skipped:
        parts = [name for marker, name in REAL_PARTS.items() if item.get_closest_marker(marker)]
        if parts and real_parts_required():
            raise pytest.fail.Exception(
                f"ESAFETY_REQUIRE_REAL_PARTS is set, so this test of a real "
                f"{' and '.join(parts)} must run here, but it would have been skipped: "
                f"{skipped.msg}. Install it (`bash scripts/system-packages.sh test`, as root) "
                "and run as root, or leave ESAFETY_REQUIRE_REAL_PARTS unset to skip it",
                pytrace=False) from None
        raise

PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path):
    # Fast hashing (tests only) and a private folder for uploaded files.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "files"


def _test_school(**fields) -> School:
    from esafety.identity.models import SchoolSignIn

    school = School.objects.create(**fields)
    # Two-factor sign-in is on for a school's leaders unless the school says no: the test
    # personas sign in without an authenticator app, as the demo school's do.
    # tests/identity/test_two_factor.py covers the rule itself.
    SchoolSignIn.objects.create(school=school, two_factor_for_leaders=False,
                                two_factor_note="Switched off for the test personas.")
    return school


@pytest.fixture
def school(db):
    return _test_school(name="Hollins Park School", slug="hollins-park",
                        email_domains="hollinspark.sch.uk")


@pytest.fixture
def other_school(db):
    return _test_school(name="Riverside Academy", slug="riverside",
                        email_domains="riverside.sch.uk")


@pytest.fixture
def make_person(db, school):
    """make_person(role, school=..., year_group=..., **fields) -> a Person who can sign in."""

    def make(role=roles.TEACHER, *, school=school, year_group=None, **fields):
        n = next(_counter)
        if role == roles.PUPIL and year_group is None:
            year_group = 8
        fields.setdefault("username", f"{role}{n}")
        fields.setdefault("first_name", role.replace("_", " ").title().replace(" ", ""))
        fields.setdefault("last_name", f"Person{n}")
        fields.setdefault("email", f"{fields['username']}@{(school.domains or ['example.org'])[0]}")
        if role in roles.GUEST_ROLES:
            fields.setdefault("access_expires_at", timezone.now() + datetime.timedelta(days=5))
        person = Person(role=role, school=school, year_group=year_group, **fields)
        person.set_password(PASSWORD)
        person.save()
        return person

    return make


@pytest.fixture
def client_for():
    """client_for(person) -> a Django test client signed in as that person."""

    def make(person):
        client = Client()
        client.force_login(person, backend="esafety.directory.backends.SchoolAccessBackend")
        return client

    return make


@pytest.fixture
def headteacher(make_person):
    return make_person(roles.HEADTEACHER, username="head", first_name="Helen", last_name="Head")


@pytest.fixture
def dsl(make_person):
    return make_person(roles.DSL, username="dsl", first_name="Dev", last_name="Safeguard")


@pytest.fixture
def online_safety_lead(make_person):
    return make_person(roles.ONLINE_SAFETY_LEAD, username="osl", first_name="Olu", last_name="Safety")


@pytest.fixture
def it_manager(make_person):
    return make_person(roles.IT_MANAGER, username="itm", first_name="Ivy", last_name="Tech")


@pytest.fixture
def teacher(make_person):
    return make_person(roles.TEACHER, username="teacher", first_name="Tom", last_name="Teach")


@pytest.fixture
def pupil(make_person):
    return make_person(roles.PUPIL, username="pupil", first_name="Pip", last_name="Pupil",
                       year_group=8, form="8B")


@pytest.fixture
def parent(make_person, pupil):
    person = make_person(roles.PARENT, username="parent", first_name="Pat", last_name="Pupil")
    person.children.add(pupil)
    return person


@pytest.fixture
def outsider(make_person, other_school):
    """A headteacher of another school: must never see this school's records."""
    return make_person(roles.HEADTEACHER, school=other_school, username="outsider",
                       first_name="Otto", last_name="Outside")


@pytest.fixture
def disposable_append_only_tables(django_db_setup, django_db_blocker):
    """For tests on a transactional database (live server, e2e, concurrency): drop every
    append-only guard (esafety/audit/guards.py) so the database can be emptied after the
    test. The flush that empties it runs post_migrate, which puts the guards back
    (esafety/audit/apps.py), so the tests after it are guarded again; tests/audit proves
    the guards work."""
    from django.db import connection

    from esafety.audit import guards

    with django_db_blocker.unblock():
        guards.remove(connection)
    yield
