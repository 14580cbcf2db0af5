"""A pupil's report goes through the DSL's investigation to a recorded outcome, in a real browser."""

import importlib
import re

import pytest
from django.db import connection
from playwright.sync_api import expect

from esafety.incidents.chain import verify_all
from esafety.incidents.models import Incident
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in


@pytest.fixture(autouse=True)
def _incident_guards_off_for_the_flush(transactional_db):
    """The live-server database is emptied after each test; the log's guards refuse deletes."""
    yield
    guards = importlib.import_module("esafety.incidents.migrations.0002_append_only_guards")
    guards.remove(connection)


def test_a_pupils_report_is_investigated_by_two_seniors_and_closed(page, pupil, dsl,
                                                                   online_safety_lead):
    # The pupil tells us what happened through the short form.
    sign_in(page, "pupil", PASSWORD)
    page.goto("/incidents/report/")
    page.get_by_label("Someone is bullying me or someone else online").check()
    page.get_by_label("Tell us what happened").fill(
        "People in my form keep posting mean comments about me in the class group chat.")
    page.get_by_label("Who was involved? (if you know)").fill("Two people in 8C")
    follow(page.get_by_role("button", name="Send"))
    assert page.get_by_role("heading", level=1).inner_text().startswith("Your report INC-")
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    incident = Incident.objects.get()
    follow(page.get_by_role("button", name="Sign out"))

    # The DSL signs in, finds the case and names two investigators.
    sign_in(page, "dsl", PASSWORD)
    page.goto("/incidents/")
    follow(page.get_by_role("link", name=incident.reference))
    follow(page.get_by_role("button", name="Acknowledge: I am looking into this"))
    for person in (dsl, online_safety_lead):
        page.get_by_label("Name an investigator (senior staff)").select_option(
            label=f"{person.display_name} ({person.role_label})")
        follow(page.get_by_role("button", name="Name investigator"))
        expect(page.get_by_text(f"{person.display_name} is now an investigator.")).to_be_visible()

    # The judgement, with reasons, and the case is closed.
    page.get_by_label("Internal response or discipline procedures").check()
    page.get_by_label(re.compile(r"^Reasons:?$")).fill("Messages confirmed; dealt with under the anti-bullying "
                                      "policy and both families spoken to.")
    follow(page.get_by_role("button", name="Record judgement"))
    expect(page.get_by_text("Judgement recorded.")).to_be_visible()
    page.get_by_label("I confirm the investigation is complete").check()
    follow(page.get_by_role("button", name="Close the case"))
    expect(page.get_by_text(f"{incident.reference} is closed.")).to_be_visible()

    incident.refresh_from_db()
    assert incident.status == "closed" and incident.outcome == "internal"
    assert incident.investigators.count() == 2
    assert all(check.ok for check in verify_all())

    # The pupil sees that their report was looked into and closed.
    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "pupil", PASSWORD)
    page.goto(f"/incidents/{incident.pk}/")
    expect(page.get_by_text("This has been looked into and closed.")).to_be_visible()
    assert page.get_by_text("Investigators").count() == 0
