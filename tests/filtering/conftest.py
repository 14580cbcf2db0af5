"""Filtering fixtures: a private data folder, the package's sample lists imported."""

import datetime

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.filtering import actions
from esafety.filtering.rules import SAMPLE_LISTS


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


@pytest.fixture
def imported(school, it_manager, django_capture_on_commit_callbacks):
    """The sample lists imported with the default policy, and published."""
    with django_capture_on_commit_callbacks(execute=True):
        record = actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)
    return record


@pytest.fixture
def publishing(django_capture_on_commit_callbacks):
    """Run after-commit publication inside a test's transaction."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def ks1_pupil(make_person):
    return make_person(roles.PUPIL, username="kit", year_group=1, form="1A")


@pytest.fixture
def ks4_pupil(make_person):
    return make_person(roles.PUPIL, username="kai", year_group=10, form="10C")


def soon(hours=0, days=0, minutes=0):
    return timezone.now() + datetime.timedelta(hours=hours, days=days, minutes=minutes)
