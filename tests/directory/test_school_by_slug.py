"""One lookup of a school by its short name: School.objects.by_slug."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from esafety.directory.models import School, UnknownSchool
from esafety.errors import InvalidInput

SOURCE = Path(__file__).resolve().parents[2] / "esafety"


def test_a_school_is_found_by_its_short_name(school, other_school):
    assert School.objects.by_slug(school.slug) == school
    assert School.objects.by_slug(other_school.slug) == other_school


def test_an_unknown_short_name_names_the_schools_there_are(school, other_school):
    with pytest.raises(UnknownSchool) as raised:
        School.objects.by_slug("nowhere")
    assert str(raised.value) == f"no school 'nowhere' (known: {school.slug}, {other_school.slug})"
    # The web and the checks CLI read it as bad input; management commands as one line.
    assert isinstance(raised.value, InvalidInput) and isinstance(raised.value, CommandError)
    assert raised.value.code == "unknown-school"


def test_every_command_taking_a_school_says_the_same(school):
    for args in (["report", "incidents", "--school", "nowhere", "--from", "2025-01-01",
                  "--to", "2025-02-01"],
                 ["evidence", "verify", "--school", "nowhere"],
                 ["import", "people", "-", "--school", "nowhere", "--kind", "staff"],
                 ["lists", "status", "--school", "nowhere"]):
        with pytest.raises(CommandError, match=rf"no school 'nowhere' \(known: {school.slug}\)"):
            call_command(*args)


def test_nothing_else_looks_a_school_up_by_slug():
    lookup = re.compile(r"School\.objects\.(get|filter)\(slug=")
    found = [path.relative_to(SOURCE).as_posix() for path in SOURCE.rglob("*.py")
             if "migrations" not in path.parts and lookup.search(path.read_text())]
    assert found == ["directory/demo.py"]  # whether the demo is loaded: .exists()
