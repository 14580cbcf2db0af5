""""My work" tells the headteacher and their nominee what waits for their decision: requests
for access and private held mail, each as one line with its count, linking to the register
where both are listed; nobody else sees them, and counting them writes nothing."""

import datetime
import html
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.authorisations import actions
from esafety.authorisations.models import ACCOUNT, MAILBOX
from esafety.directory import roles
from esafety.mailfilter.models import HeldMessage

REASON = "Parents are still writing to the leaver about coursework"
REGISTER = "/authorisations/"


@pytest.fixture(autouse=True)
def _mail_and_data(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path / "data"


@pytest.fixture
def leaver(make_person):
    return make_person(roles.TEACHER, first_name="Lee", last_name="Leaver",
                       left_on=timezone.localdate() - datetime.timedelta(days=3))


def home(client_for, person) -> str:
    response = client_for(person).get("/")
    assert response.status_code == 200
    return response.content.decode()


def decisions(page: str) -> str:
    """The text of the "Waiting for your decision" list ('' when the page has none)."""
    found = re.search(r'<section class="card" id="decisions".*?</section>', page, re.S)
    return html.unescape(found.group(0)) if found else ""


def nav_links(client_for, person) -> list[str]:
    response = client_for(person).get("/")
    return [item["url"] for item in response.context["nav_items"]]


def ask(school, asker, subject, kind=MAILBOX):
    return actions.access_request(actor=asker, school=school, kind=kind, subject=subject,
                                  reason=REASON, days=14)


def hold_private(school, key, **fields):
    """A private message the mail filter holds, waiting for someone to authorise reading it."""
    fields.setdefault("private", True)
    return HeldMessage.objects.create(
        school=school, key=key, audience="staff",
        sender="tom@hollinspark.sch.uk", recipients=["someone@gmail.com"], recipient_count=1,
        reason="Threats or violence", findings=[{"title": "Threats or violence"}], **fields)


def name_nominee(school, headteacher, person):
    actions.nominee_set(actor=headteacher, school=school, nominee=person)


def test_the_headteacher_sees_how_many_requests_and_private_messages_wait(
        school, headteacher, it_manager, leaver, make_person, client_for):
    ask(school, it_manager, leaver)
    ask(school, it_manager, leaver, kind=ACCOUNT)
    hold_private(school, "p1")
    listed = decisions(home(client_for, headteacher))
    assert "Waiting for your decision" in listed
    assert ("2 requests to read someone's mail or records wait for your decision"
            in listed)
    assert "1 private message held by the mail filter waits for your authorisation" in listed
    assert f'href="{REGISTER}#waiting"' in listed
    assert f'href="{REGISTER}#private-mail-waiting"' in listed
    assert listed.count("<li>") == 2


def test_the_words_follow_the_count(school, headteacher, it_manager, leaver, client_for):
    ask(school, it_manager, leaver)
    for n in range(3):
        hold_private(school, f"p{n}")
    listed = decisions(home(client_for, headteacher))
    assert "1 request to read someone's mail or records waits for your decision" in listed
    assert "3 private messages held by the mail filter wait for your authorisation" in listed


def test_nothing_waiting_shows_nothing(school, headteacher, it_manager, leaver, client_for):
    assert 'id="decisions"' not in home(client_for, headteacher)
    # Only what still waits: a decided request and authorised or released mail are done.
    auth = ask(school, it_manager, leaver)
    actions.access_decide(actor=headteacher, auth=auth, approve=False, note="Not needed")
    hold_private(school, "read", authorised_at=timezone.now(), authorised_by=headteacher,
                 authorisation_reasons="Threats: the DSL reads them today.")
    hold_private(school, "gone", status=HeldMessage.RELEASED)
    hold_private(school, "plain", private=False)  # held, but anyone reviewing may read it
    assert 'id="decisions"' not in home(client_for, headteacher)


def test_only_one_kind_waiting_shows_only_its_line(school, headteacher, client_for):
    hold_private(school, "p1")
    listed = decisions(home(client_for, headteacher))
    assert "private message" in listed and "request" not in listed
    assert listed.count("<li>") == 1


def test_a_nominee_who_is_a_teacher_sees_them_and_the_register_link(
        school, headteacher, teacher, it_manager, leaver, client_for):
    ask(school, it_manager, leaver)
    hold_private(school, "p1")
    assert 'id="decisions"' not in home(client_for, teacher)
    assert REGISTER not in nav_links(client_for, teacher)
    name_nominee(school, headteacher, teacher)
    listed = decisions(home(client_for, teacher))
    assert "1 request to read someone's mail or records waits for your decision" in listed
    assert "1 private message held by the mail filter waits for your authorisation" in listed
    assert REGISTER in nav_links(client_for, teacher)
    assert client_for(teacher).get(REGISTER).status_code == 200  # the link goes somewhere
    # No longer the nominee: no list, no link.
    name_nominee(school, headteacher, None)
    assert 'id="decisions"' not in home(client_for, teacher)
    assert REGISTER not in nav_links(client_for, teacher)


def test_requests_by_or_about_the_decider_are_not_theirs_to_decide(
        school, headteacher, teacher, it_manager, client_for):
    name_nominee(school, headteacher, teacher)
    ask(school, headteacher, it_manager)  # the headteacher's own: the nominee decides it
    ask(school, it_manager, teacher)  # about the nominee: the headteacher decides it
    for person in (headteacher, teacher):
        assert ("1 request to read someone's mail or records waits for your decision"
                in decisions(home(client_for, person)))


@pytest.mark.parametrize("role", [roles.DSL, roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                  roles.ASSISTANT_HEAD, roles.TEACHER, roles.PUPIL,
                                  roles.PARENT])
def test_nobody_else_sees_what_waits(school, headteacher, it_manager, leaver, make_person,
                                     client_for, role):
    ask(school, it_manager, leaver)
    hold_private(school, "p1")
    page = home(client_for, make_person(role))
    assert 'id="decisions"' not in page
    assert "wait for your decision" not in page and "waits for your" not in page


def test_another_schools_head_sees_nothing_of_ours(
        school, other_school, headteacher, it_manager, leaver, make_person, client_for):
    ask(school, it_manager, leaver)
    hold_private(school, "p1")
    their_head = make_person(roles.HEADTEACHER, school=other_school)
    assert 'id="decisions"' not in home(client_for, their_head)


def test_the_navigation_shows_the_register_exactly_to_those_it_opens_for(
        school, headteacher, it_manager, teacher, pupil, client_for):
    for person, shown in ((headteacher, True), (it_manager, True), (teacher, False),
                          (pupil, False)):
        assert (REGISTER in nav_links(client_for, person)) == shown, person.role
        opens = client_for(person).get(REGISTER).status_code == 200
        assert opens == shown, person.role


WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


def test_counting_writes_nothing_and_records_no_look(
        school, headteacher, teacher, it_manager, leaver, client_for):
    name_nominee(school, headteacher, teacher)
    ask(school, it_manager, leaver)
    hold_private(school, "p1")
    for person in (headteacher, teacher):
        client = client_for(person)
        client.get("/")  # the first request may save the signed-in session
        trail = AuditEvent.objects.count()
        with CaptureQueriesContext(connection) as queries:
            page = client.get(reverse("home")).content.decode()
        assert "waits for your decision" in decisions(page)
        assert [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])] == []
        assert AuditEvent.objects.count() == trail
