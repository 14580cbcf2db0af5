"""Repeated attempts to reach blocked sites are emailed to the people 002 names: the online
safety lead, the assistant headteacher and the headteacher; nobody else."""

import time

from django.core import mail

from esafety.directory import roles
from esafety.filtering import actions


def _attempts(user, count=5):
    now = time.time()
    return [{"t": now - 60 * i, "user": user, "url": "http://proxysite.com/", "action": "block",
             "category": "redirector", "group": "ks3", "rule": "group-policy",
             "client": "10.0.0.9", "policy": "3"} for i in range(count)]


def test_the_alert_goes_to_the_online_safety_lead_the_aht_and_the_head(
        imported, school, pupil, online_safety_lead, headteacher, dsl, teacher, it_manager,
        make_person, django_capture_on_commit_callbacks):
    aht = make_person(roles.ASSISTANT_HEAD, username="aht")
    with django_capture_on_commit_callbacks(execute=True):
        _, alerts = actions.decisions_ingest(school=school, records=_attempts("pupil"))
    assert len(alerts) == 1
    assert len(mail.outbox) == 1
    assert sorted(mail.outbox[0].to) == sorted([online_safety_lead.email, aht.email,
                                                headteacher.email])


def test_a_leaver_and_another_schools_staff_are_not_emailed(
        imported, school, pupil, online_safety_lead, headteacher, outsider,
        django_capture_on_commit_callbacks):
    from esafety.directory import actions as directory

    directory.person_leave(actor=headteacher, person=online_safety_lead)
    with django_capture_on_commit_callbacks(execute=True):
        actions.decisions_ingest(school=school, records=_attempts("pupil"))
    assert mail.outbox[0].to == [headteacher.email]
