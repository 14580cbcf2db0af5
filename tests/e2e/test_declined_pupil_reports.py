"""Nobody is shut out of telling us, and no page scrolls sideways on a phone
, in a real Chromium."""

import datetime
import importlib

import pytest
from django.db import connection
from django.utils import timezone
from playwright.sync_api import expect

from esafety.directory import roles
from esafety.incidents import actions as incident_actions
from esafety.incidents.models import Incident
from esafety.policies import actions
from esafety.policies.models import Acceptance
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in
from tests.incidents.conftest import EML

PHONE = {"width": 390, "height": 844}
LONG_URL = ("https://www.example-social-network.invalid/groups/year10-form-chat/posts/"
            "2026-11-09T08-14-02Z/comments?thread=abcdefghijklmnopqrstuvwxyz0123456789"
            "abcdefghijklmnopqrstuvwxyz0123456789&share=true")
LONG_WORD = "Unbelievablyoffensivemessagesaboutateacherpostedinagroupchatwithoutspaces"


@pytest.fixture(autouse=True)
def _incident_guards_off_for_the_flush(transactional_db):
    """The live-server database is emptied after each test; the log's guards refuse deletes."""
    yield
    try:  # the guards' home since the keyed history
        guards = importlib.import_module("esafety.audit.guards")
    except ImportError:
        guards = importlib.import_module("esafety.incidents.migrations.0002_append_only_guards")
    guards.remove(connection)


def publish(headteacher, audience, title, text):
    document = actions.policy_document_create(actor=headteacher, school=headteacher.school,
                                              title=title, audience=audience)
    return actions.policy_publish(actor=headteacher, document=document, number="1.0", text=text,
                                  approved_by="Full governing body",
                                  approved_on=timezone.localdate() - datetime.timedelta(days=1),
                                  review_due=timezone.localdate() + datetime.timedelta(days=365))


def test_a_pupil_who_declined_the_aup_reports_a_concern_and_sees_its_status(page, headteacher,
                                                                            pupil, dsl):
    publish(headteacher, roles.AUDIENCE_KS3, "ICT contract", "I will keep my password secret.")

    # The pupil signs in and says no to the rules.
    sign_in(page, "pupil", PASSWORD)
    follow(page.get_by_role("button", name="I do not accept"))
    expect(page.get_by_text("You said you do not accept these rules")).to_be_visible()
    assert Acceptance.objects.get(person=pupil).decision == "declined"

    # Signing in again, they are still at the gate, and the way to tell us is right there.
    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "pupil", PASSWORD)
    assert "/policies/acceptable-use/" in page.url
    expect(page.get_by_role("link", name="Tell someone about a worry")).to_be_visible()
    follow(page.get_by_role("link", name="Tell us what happened"))

    assert "/incidents/report/" in page.url
    page.get_by_label("Someone is bullying me or someone else online").check()
    page.get_by_label("Tell us what happened").fill("People in my form keep posting mean "
                                                    "comments about me in the class group chat.")
    follow(page.get_by_role("button", name="Send"))

    incident = Incident.objects.get(reported_by=pupil)
    assert page.get_by_role("heading", level=1).inner_text() == f"Your report {incident.reference}"
    expect(page.get_by_text("Thank you for telling us.")).to_be_visible()
    expect(page.locator("dl.facts").get_by_text("Reported")).to_be_visible()

    # Later: their reports are one click from the gate page.
    page.goto("/")
    assert "/policies/acceptable-use/" in page.url  # the rest of the school's systems stay closed
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Your reports"))
    follow(page.get_by_role("link", name=incident.reference))
    assert page.get_by_role("heading", level=1).inner_text() == f"Your report {incident.reference}"
    expect(page.get_by_text("Your report has been passed on.")).to_be_visible()
    assert Acceptance.objects.get(person=pupil).decision == "declined"  # nothing accepted for them


def test_a_pupil_who_reports_nude_images_is_reassured_and_told_where_to_get_help(page, pupil,
                                                                                 dsl):
    sign_in(page, "pupil", PASSWORD)
    page.goto("/incidents/report/")
    page.get_by_label("Someone shared a nude or sexual picture, or asked me for one").check()
    page.get_by_label("Tell us what happened").fill("Someone in year 11 asked me for a photo.")
    follow(page.get_by_role("button", name="Send"))

    expect(page.get_by_role("heading", name="You did the right thing by telling us")).to_be_visible()
    expect(page.get_by_role("link", name="Childline's Report Remove tool")).to_be_visible()
    expect(page.get_by_role("link", name="0800 1111")).to_be_visible()
    expect(page.get_by_role("link", name="report to CEOP")).to_be_visible()
    assert page.get_by_text("Isolate the device").count() == 0


def _scroll_width(page, url):
    page.goto(url)
    return page.evaluate("document.documentElement.scrollWidth")


@pytest.fixture
def busy_school(headteacher, dsl, online_safety_lead, make_person):
    """A school with a staff AUP accepted, long names, long titles and long addresses."""
    staff = publish(headteacher, roles.AUDIENCE_STAFF, "Acceptable Use Policy for staff and "
                    "governors", "Use only your own account. " * 40)
    for person in (headteacher, dsl, online_safety_lead):
        actions.acceptance_record(actor=person, person=person, version=staff, decision="accepted")
    for n in range(12):
        make_person(roles.TEACHER, first_name=f"Maximiliana-Wilhelmina{n}",
                    last_name="Featherstonehaugh-Cholmondeley-Worthington",
                    username=f"maximiliana.featherstonehaugh.cholmondeley{n}")
    for n in range(6):
        pupil = make_person(roles.PUPIL, year_group=9, form="9-Butterfield-Longform",
                            first_name=f"Anastasia-Evangelina{n}",
                            last_name="Montgomery-Fitzwilliam-Abernathy")
        incident_actions.incident_report(
            actor=pupil, kind="cyberbullying", via="pupil", people=[pupil],
            description=f"{LONG_WORD} {LONG_URL} " * 3)
    case = incident_actions.incident_report(
        actor=dsl, kind="malicious_online",
        summary=(LONG_WORD + " on " + LONG_URL)[:200],
        description=("A parent sent this address: " + LONG_URL + "\n" + LONG_WORD + " ") * 4,
        location="The Sir Christopher Wren Memorial Learning Resource Centre, second floor",
        urls=[LONG_URL], upload=("threatening-message-from-an-unknown-sender.eml", EML))
    incident_actions.investigator_add(actor=dsl, incident=case, person=dsl)
    incident_actions.investigator_add(actor=dsl, incident=case, person=online_safety_lead)
    incident_actions.incident_note(actor=dsl, incident=case, text=f"Checked {LONG_URL} {LONG_WORD}")
    return case


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server, busy_school, headteacher, dsl):
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, "dsl", PASSWORD)
        pages = {
            "incident log": "/incidents/",
            "case page": f"/incidents/{busy_school.pk}/",
        }
        widths = {name: _scroll_width(page, url) for name, url in pages.items()}
        follow(page.get_by_role("button", name="Sign out"))
        sign_in(page, "head", PASSWORD)
        for audience in (roles.AUDIENCE_STAFF, roles.AUDIENCE_KS3):
            widths[f"agreements {audience}"] = _scroll_width(
                page, f"/policies/agreements/?audience={audience}")
        widths["home"] = _scroll_width(page, "/")
    finally:
        context.close()

    assert {name: w for name, w in widths.items() if w > PHONE["width"]} == {}


def test_a_pupils_pages_do_not_scroll_sideways_on_a_phone(browser, live_server, headteacher,
                                                          pupil, dsl):
    publish(headteacher, roles.AUDIENCE_KS3, "ICT contract",
            f"I will not visit {LONG_URL}.\n{LONG_WORD}")
    context = browser.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        sign_in(page, "pupil", PASSWORD)
        widths = {"aup": _scroll_width(page, "/policies/acceptable-use/"),
                  "report": _scroll_width(page, "/incidents/report/")}
        page.get_by_label("Someone is bullying me or someone else online").check()
        page.get_by_label("Tell us what happened").fill(f"{LONG_WORD} {LONG_URL}")
        follow(page.get_by_role("button", name="Send"))
        widths["status"] = page.evaluate("document.documentElement.scrollWidth")
        widths["own reports"] = _scroll_width(page, "/incidents/")
    finally:
        context.close()

    assert {name: w for name, w in widths.items() if w > PHONE["width"]} == {}
