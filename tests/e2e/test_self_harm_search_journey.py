"""A pupil's search for self-harm, through a real Squid and the esafety helper, reaches the
designated safeguarding lead: the filter's log is loaded by the scheduled job (as on a
school's server), the search becomes an urgent concern, the DSL signs in (a real Chromium)
and sees it first on their home page, escalates it to an incident, and the pupil's
chronology shows both."""

import datetime
import os

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from esafety.concerns import rules as concern_rules
from esafety.concerns.actions import concern_raise
from esafety.concerns.models import Concern
from esafety.incidents.models import Incident
from esafety.web import jobs
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in
from tests.filtering.test_squid import (  # noqa: F401  (the real Squid and its helper)
    NCSA,
    SQUID,
    fetch,
    squid,
    squid_stop_and_flush,
    world,
)

pytestmark = [
    pytest.mark.squid,
    pytest.mark.skipif(not (os.path.exists(SQUID) and os.path.exists(NCSA)),
                       reason="Debian squid package not installed"),
]

SEARCH = "http://www.google.com/search?q=how+to+kill+myself+tonight"


def load_the_filter_logs_as_the_worker_does() -> list[str]:
    """The scheduled job that loads the helpers' logs, in cron's way (`esafety jobs --once`):
    its task (esafety/tasks.py ingest_filter_logs) runs `esafety filter ingest`."""
    job = next(j for j in jobs.JOBS if j.name == "load the filter helpers' logs")
    scheduler = jobs.Scheduler((job,))
    ran = scheduler.run_due(now=0)
    assert scheduler.failures == {}
    return ran


def test_a_pupils_self_harm_search_reaches_the_dsl_first_and_becomes_an_incident(
        squid, page, settings, dsl):  # noqa: F811  (the fixture imported above)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    school, kai, kit = squid["school"], squid["people"]["kai"], squid["people"]["kit"]
    # Something older, and not urgent, already waiting in the DSL's inbox.
    earlier, _ = concern_raise(
        actor=None, school=school, source=concern_rules.FILTERING_ALERT,
        rule="filtering.repeated-attempts", rule_title="Repeated attempts at blocked sites",
        topic=concern_rules.MISUSE, severity=concern_rules.MEDIUM, person=kit,
        excerpt="5 blocked attempts at Games",
        at=timezone.now() - datetime.timedelta(hours=2))

    # The pupil searches, through the school's proxy.
    status, _ = fetch(squid, "kai", SEARCH)
    assert status in (200, 302)
    squid_stop_and_flush(squid)  # the helper closes its log file
    assert load_the_filter_logs_as_the_worker_does() == ["load the filter helpers' logs"]

    concern = Concern.objects.exclude(pk=earlier.pk).get()
    assert (concern.source, concern.person, concern.urgent) == (
        concern_rules.SEARCH_TERM, kai, True)
    assert concern.excerpt == "how to kill myself tonight"
    assert concern.topic in (concern_rules.SELF_HARM, concern_rules.SUICIDE)
    # The DSL was told at once, by an email that says where to look and not what was found.
    urgent_mail = [m for m in mail.outbox if concern.reference in m.subject]
    assert [m.to for m in urgent_mail] == [[dsl.email]]
    assert "kill" not in urgent_mail[0].body

    # The DSL signs in: the urgent concern is the first thing on their home page.
    sign_in(page, "dsl", PASSWORD)
    work = page.locator("section.my-work")
    assert work.locator("section.card").first.get_attribute("id") == "urgent-concerns"
    first = work.locator("#urgent-concerns li").first
    assert concern.reference in first.inner_text() and "urgent" in first.inner_text()
    assert earlier.reference in work.locator("#new-concerns").inner_text()
    assert earlier.reference not in work.locator("#urgent-concerns").inner_text()

    # They open it, and escalate it to an incident.
    follow(first.get_by_role("link"))
    assert page.get_by_role("heading", level=1).inner_text() == f"Concern {concern.reference}"
    assert "how to kill myself tonight" in page.locator("#what").inner_text()
    # Who was told, when and how, on the concern itself.
    told = page.locator("#who-was-told").inner_text()
    assert "Dev Safeguard" in told and "In esafety and by email" in told
    page.get_by_label("Summary (optional)").fill("Search for self-harm on the school network")
    follow(page.get_by_role("button", name="Escalate to an incident"))
    incident = Incident.objects.get()
    expect(page.get_by_text(f"{concern.reference} is now incident {incident.reference}"
                            )).to_be_visible()
    concern.refresh_from_db()
    assert (concern.state, concern.incident) == (concern_rules.ESCALATED, incident)
    assert kai in [i.person for i in incident.involvements.all()]

    # The pupil's chronology, from their page in the directory, shows both.
    page.goto(f"/people/{kai.pk}/")
    follow(page.get_by_role("link", name="Incident chronology"))
    chronology = page.locator("table").inner_text()
    assert concern.reference in chronology and incident.reference in chronology
    # Home no longer lists it as waiting: someone has acted.
    page.goto("/")
    assert concern.reference not in page.locator("#urgent-concerns").inner_text()
