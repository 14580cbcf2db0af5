"""Junk in every field of every retention and governors' pack page: a page, never a 500."""

import pytest

from esafety.directory import roles

JUNK = {"record_type": "\x00" * 3, "amount": "9" * 40, "unit": "fortnights", "q": "%" * 500,
        "confirm": "maybe", "start": "0000-00-00", "end": "32/13/2026", "format": "\x00",
        "page": "-1"}


@pytest.mark.parametrize("role", [roles.HEADTEACHER, roles.DSL, roles.GOVERNOR, roles.PUPIL,
                                  roles.PARENT])
def test_junk_never_causes_a_server_error(role, make_person, client_for, pupil):
    client = client_for(make_person(role, username=f"junk-{role}"))
    urls = ["/retention/", "/retention/period/", "/retention/dry-run/", "/retention/runs.csv",
            "/retention/runs/999999/confirm/", "/retention/runs/999999/cancel/",
            "/retention/subject-access/", f"/retention/subject-access/{pupil.pk}/",
            f"/retention/subject-access/{pupil.pk}/bundle/", "/retention/subject-access/0/",
            "/retention/dpia/", "/governors/", "/governors/pack.pdf"]
    for url in urls:
        for response in (client.get(url, JUNK), client.post(url, JUNK)):
            assert response.status_code in (200, 302, 400, 404, 405), (url, response.status_code)
