"""Shared pieces for the retention tests: records dated years ago."""

import datetime
from contextlib import contextmanager
from unittest import mock

import pytest
from django.utils import timezone

from esafety.directory import roles
from esafety.incidents import actions as incidents


@contextmanager
def years_ago(years: int):
    """Run code as if `years` years ago (every timezone.now() in esafety)."""
    moment = timezone.now() - datetime.timedelta(days=365 * years + 3)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"
    return settings.MEDIA_ROOT


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")


@pytest.fixture
def old_incident(pupil, dsl, online_safety_lead):
    """A cyberbullying case reported, investigated, judged and closed eight years ago, with
    a URL and a note as evidence."""
    with years_ago(8):
        incident = incidents.incident_report(
            actor=pupil, kind="cyberbullying", via="pupil",
            description="Mean comments about Priya in the form group chat.", people=[pupil],
            urls=["https://chat.example/group/42"])
        incidents.investigator_add(actor=dsl, incident=incident, person=dsl)
        incidents.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
        incidents.incident_note(actor=dsl, incident=incident, text="Spoke to the form tutor.")
        incidents.evidence_add(actor=dsl, incident=incident, kind="note",
                               text="Priya's screenshot described")
        item = incident.evidence.order_by("pk").last()
        incidents.evidence_withdraw(actor=dsl, evidence=item,
                                    reason="Priya asked for it to be withdrawn")
        incidents.incident_judge(actor=dsl, incident=incident, outcome="no_substance",
                                 reasons="Nothing in it")
        incidents.incident_close(actor=dsl, incident=incident)
    incident.refresh_from_db()
    return incident
