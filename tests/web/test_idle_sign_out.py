"""Idle sign-out: staff after 30 minutes without using esafety, pupils and parents after 60."""

import time

from esafety.directory import roles
from esafety.incidents.models import Incident
from esafety.web.middleware import LAST_SEEN


def idle_for(client, minutes):
    session = client.session
    session[LAST_SEEN] = time.time() - minutes * 60
    session.save()


def test_staff_are_signed_out_after_thirty_idle_minutes(dsl, client_for):
    client = client_for(dsl)
    assert client.get("/").status_code == 200
    idle_for(client, 31)
    answer = client.get("/incidents/")
    assert answer.status_code == 302
    assert answer["Location"] == "/sign-in/?next=/incidents/&signed-out=idle"
    assert "_auth_user_id" not in client.session
    page = client.get(answer["Location"]).content.decode()
    assert "You were signed out because the page was not used for a while" in page


def test_staff_who_keep_working_stay_signed_in(dsl, client_for):
    client = client_for(dsl)
    idle_for(client, 29)
    assert client.get("/incidents/").status_code == 200
    # Using it counts as activity: another 29 minutes later they are still in.
    idle_for(client, 29)
    assert client.get("/incidents/").status_code == 200


def test_pupils_get_longer_before_they_are_signed_out(pupil, client_for):
    client = client_for(pupil)
    idle_for(client, 45)
    assert client.get("/incidents/report/").status_code == 200
    idle_for(client, 61)
    assert client.get("/incidents/report/").status_code == 302


def test_the_limits_come_from_settings(make_person, client_for, settings):
    settings.STAFF_IDLE_MINUTES = 5
    client = client_for(make_person(roles.TEACHER))
    idle_for(client, 6)
    assert client.get("/").status_code == 302


def test_a_report_sent_after_the_limit_is_shown_back_not_lost(pupil, client_for):
    client = client_for(pupil)
    idle_for(client, 61)
    words = "Someone in my class keeps sending me horrible messages at night."
    answer = client.post("/incidents/report/", {"kind": "cyberbullying", "description": words})
    assert answer.status_code == 401
    page = answer.content.decode()
    assert "You were signed out because the page was not used for 60 minutes" in page
    assert "What you were sending was not saved" in page
    assert words in page
    assert 'name="next" value="/incidents/report/"' in page
    # Not acted on: the person at the keyboard may not be the one who signed in.
    assert Incident.objects.count() == 0
    assert "_auth_user_id" not in client.session
