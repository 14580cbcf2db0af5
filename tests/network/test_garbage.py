"""Garbage in every field of every network form: a page, never a server error."""

import pytest
from django.test import Client

from esafety.network.forms import NetworkSettingsForm, PortalForm, SchoolForm
from esafety.network.models import ClientBinding, NetworkSettings

GARBAGE = ["9" * 40, "-99999999999", "1e308", "NaN", "2026-02-30", "25:61", "a\x00b",
           "x" * 5_000, "", "<script>alert(1)</script>", "../../etc/passwd"]
VALID_SETTINGS = {"idle_minutes": "30", "school_day_ends": "17:00", "unidentified": "signin",
                  "snapshot_age_limit_minutes": "10", "extra_web_hosts": ""}


@pytest.mark.parametrize("field", sorted(NetworkSettingsForm.base_fields))
def test_garbage_in_the_settings_form_gets_the_form_again(field, school, it_manager,
                                                          client_for):
    client = client_for(it_manager)
    for value in GARBAGE:
        response = client.post("/internet/status/settings/", {**VALID_SETTINGS, field: value})
        assert response.status_code in (302, 400), (field, value[:20])
    config = NetworkSettings.objects.filter(school=school).first()
    if config is not None:
        assert 1 <= config.idle_minutes <= 24 * 60
        assert "\x00" not in config.extra_web_hosts


@pytest.mark.parametrize("field", sorted(set(PortalForm.base_fields) | set(SchoolForm.base_fields)))
def test_garbage_in_the_portal_forms_gets_a_page(field, school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    for value in GARBAGE:
        data = {"school": "hollins-park", "how": "local", "next": "", field: value}
        for url in ("/internet/sign-in/", "/internet/sign-out/"):
            response = client.post(url, data)
            assert response.status_code in (302, 400, 404), (url, field, value[:20])
    assert not ClientBinding.objects.exists()


def test_garbage_in_the_page_addresses_gets_a_page(school, pupil, client_for):
    for client in (Client(REMOTE_ADDR="10.0.0.5"), client_for(pupil)):
        for value in GARBAGE:
            for url in ("/internet/sign-in/", "/internet/", "/internet/aup/"):
                response = client.get(url, {"school": value, "next": value})
                assert response.status_code in (200, 302, 404), (url, value[:20])
