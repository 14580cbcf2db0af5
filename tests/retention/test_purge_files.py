"""An incident's evidence files leave the disk only when the purge that empties their rows
is committed: a purge that fails half way loses nothing."""

import datetime

import pytest
from django.db import transaction

from esafety.incidents import actions as incidents
from esafety.incidents.models import Evidence
from esafety.retention import purging
from tests.incidents.conftest import PNG
from tests.retention.conftest import years_ago


@pytest.fixture
def closed_with_screenshot(pupil, dsl, online_safety_lead, media_root):
    with years_ago(8):
        incident = incidents.incident_report(
            actor=pupil, kind="cyberbullying", via="pupil",
            description="Mean comments in the form group chat.", people=[pupil])
        incidents.investigator_add(actor=dsl, incident=incident, person=dsl)
        incidents.investigator_add(actor=dsl, incident=incident, person=online_safety_lead)
        item = incidents.evidence_add(actor=dsl, incident=incident, kind="screenshot",
                                      upload=("chat.png", PNG))
        incidents.screenshot_sign(actor=dsl, evidence=item)
        incidents.screenshot_sign(actor=online_safety_lead, evidence=item)
        incidents.incident_judge(actor=dsl, incident=incident, outcome="no_substance",
                                 reasons="Nothing in it")
        incidents.incident_close(actor=dsl, incident=incident)
    path = media_root / item.file_path
    assert path.read_bytes() == PNG
    return incident, path


def _cutoff():
    from django.utils import timezone

    return timezone.now() - datetime.timedelta(days=365 * 7)


def test_the_file_goes_once_the_purge_is_committed(school, closed_with_screenshot,
                                                   django_capture_on_commit_callbacks):
    incident, path = closed_with_screenshot
    with django_capture_on_commit_callbacks(execute=True):
        assert purging.incidents_purge(school, _cutoff(), actor=None) == 1
    assert not path.exists()
    assert not Evidence.objects.filter(incident=incident).exclude(file_path="").exists()


def test_a_purge_that_fails_half_way_keeps_the_file_and_its_row(
        school, closed_with_screenshot, monkeypatch, django_capture_on_commit_callbacks):
    incident, path = closed_with_screenshot
    from esafety.incidents import history

    def fail(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(history, "append", fail)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            purging.incidents_purge(school, _cutoff(), actor=None)
    assert path.read_bytes() == PNG
    assert Evidence.objects.get(incident=incident, kind="screenshot").file_path
