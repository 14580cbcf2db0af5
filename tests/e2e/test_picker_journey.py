"""The person picker in a real browser: suggestions as you type, and the same form without
JavaScript ("a search-as-you-type field that also works without JavaScript")."""

import importlib

import pytest
from django.db import connection
from playwright.sync_api import expect

from esafety.directory import picker, roles
from esafety.incidents.models import Incident
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def _incident_guards_off_for_the_flush(transactional_db):
    yield
    guards = importlib.import_module("esafety.incidents.migrations.0002_append_only_guards")
    guards.remove(connection)


@pytest.fixture
def school_roll(make_person, teacher):
    lola = make_person(roles.PUPIL, username="lola.lopez", first_name="Lola", last_name="Lopez",
                       year_group=5, form="5A")
    for n in range(picker.SELECT_UP_TO + 2):
        make_person(roles.PUPIL, last_name=f"Crowd{n:02d}")
    return lola


def fill_report(page):
    page.goto("/incidents/report/")
    page.get_by_label("What kind of incident is it?").select_option("cyberbullying")
    page.get_by_label("What happened").fill("Unkind comments under a class video.")


def test_a_teacher_picks_a_pupil_from_suggestions(page, school_roll):
    sign_in(page, "teacher", PASSWORD)
    fill_report(page)
    box = page.get_by_label("People involved")
    box.press_sequentially("lop", delay=50)
    suggestion = page.locator("#id_people-suggestions option").first
    suggestion.wait_for(state="attached")
    assert suggestion.get_attribute("value") == "Lola Lopez (lola.lopez)"
    assert page.locator("#id_people-suggestions option").count() == 1
    box.fill(suggestion.get_attribute("value"))  # what choosing the suggestion puts in the box
    follow(page.get_by_role("button", name="Send report"))
    page.wait_for_url("**/incidents/*/")
    assert school_roll in Incident.objects.get().people.all()


def test_without_javascript_a_typed_name_is_found(browser, live_server, school_roll):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    try:
        sign_in(page, "teacher", PASSWORD)
        fill_report(page)
        page.get_by_label("People involved").fill("crowd0")
        follow(page.get_by_role("button", name="Send report"))
        expect(page.get_by_text("Several people match “crowd0”")).to_be_visible()
        page.get_by_label("People involved").fill("lola lopez")
        page.get_by_label("What happened").fill("Unkind comments under a class video.")
        follow(page.get_by_role("button", name="Send report"))
        page.wait_for_url("**/incidents/*/")
        assert school_roll in Incident.objects.get().people.all()
    finally:
        context.close()
