"""A pupil's report goes through the DSL's investigation to a recorded outcome, in a real browser."""

import importlib
import re

import pytest
from django.db import connection

from esafety.incidents.chain import verify_all
from esafety.incidents.models import Incident
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in


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
    page.get_by_role("button", name="Send").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Your report INC-")
    assert page.get_by_text("Thank you for telling us.").is_visible()
    incident = Incident.objects.get()
    page.get_by_role("button", name="Sign out").click()

    # The DSL signs in, finds the case and names two investigators.
    sign_in(page, "dsl", PASSWORD)
    page.goto("/incidents/")
    page.get_by_role("link", name=incident.reference).click()
    page.get_by_role("button", name="Acknowledge: I am looking into this").click()
    for person in (dsl, online_safety_lead):
        page.get_by_label("Name an investigator (senior staff)").select_option(
            label=f"{person.display_name} ({person.role_label})")
        page.get_by_role("button", name="Name investigator").click()
        assert page.get_by_text(f"{person.display_name} is now an investigator.").is_visible()

    # The judgement, with reasons, and the case is closed.
    page.get_by_label("Internal response or discipline procedures").check()
    page.get_by_label(re.compile(r"^Reasons:?$")).fill("Messages confirmed; dealt with under the anti-bullying "
                                      "policy and both families spoken to.")
    page.get_by_role("button", name="Record judgement").click()
    assert page.get_by_text("Judgement recorded.").is_visible()
    page.get_by_label("I confirm the investigation is complete").check()
    page.get_by_role("button", name="Close the case").click()
    assert page.get_by_text(f"{incident.reference} is closed.").is_visible()

    incident.refresh_from_db()
    assert incident.status == "closed" and incident.outcome == "internal"
    assert incident.investigators.count() == 2
    assert all(check.ok for check in verify_all())

    # The pupil sees that their report was looked into and closed.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "pupil", PASSWORD)
    page.goto(f"/incidents/{incident.pk}/")
    assert page.get_by_text("This has been looked into and closed.").is_visible()
    assert page.get_by_text("Investigators").count() == 0
