""""My work" on the home page: what waits for each role, as lists of links, need-to-know,
and a GET of the home page writes nothing."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from esafety.concerns import rules
from esafety.concerns.actions import concern_raise
from esafety.directory import roles
from esafety.filtering import actions as filtering_actions
from esafety.incidents import actions as incident_actions
from esafety.incidents import rules as incident_rules
from esafety.incidents.models import Incident


@pytest.fixture(autouse=True)
def _mail_and_data(settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.DATA_DIR = tmp_path / "data"  # the filter's files: this test's own


def home(client_for, person) -> str:
    response = client_for(person).get("/")
    assert response.status_code == 200
    return response.content.decode()


def section(page: str, key: str) -> str:
    """The HTML of one "my work" list ('' when the page has none)."""
    found = re.search(rf'<section class="card" id="{key}".*?</section>', page, re.S)
    return found.group(0) if found else ""


def concern(school, topic, person, *, source=rules.MESSAGE_CHECK, n=0):
    made, _ = concern_raise(actor=None, school=school, source=source, rule=f"content.{topic}",
                            rule_title=f"Rule about {topic}", topic=topic, person=person,
                            excerpt=f"words {n}", notify=False)
    return made


def report(actor, about, kind=incident_rules.CYBERBULLYING, **fields):
    fields.setdefault("via", "pupil" if actor.is_pupil else (
        "parent" if actor.is_parent else "staff"))
    return incident_actions.incident_report(actor=actor, kind=kind, people=[about],
                                            description="Mean comments in a group chat.",
                                            **fields)


# --- the designated safeguarding lead (and the headteacher as deputy) ----------------------

def test_the_dsl_sees_urgent_and_new_concerns_new_reports_and_cases_due(
        school, dsl, pupil, client_for):
    urgent = concern(school, rules.SELF_HARM, pupil)
    calm = concern(school, rules.BULLYING, pupil)
    fresh = report(pupil, pupil)
    incident = report(pupil, pupil, kind=incident_rules.OTHER)
    incident_actions.next_action_set(actor=dsl, incident=incident, action="Speak to Pip",
                                     due=timezone.localdate() + datetime.timedelta(days=1),
                                     reason="first step")
    page = home(client_for, dsl)
    assert page.index('id="urgent-concerns"') < page.index('id="aup-card"')  # first thing
    urgent_list = section(page, "urgent-concerns")
    assert f'href="/concerns/{urgent.pk}/"' in urgent_list and urgent.reference in urgent_list
    assert calm.reference not in urgent_list
    assert f'href="/concerns/{calm.pk}/"' in section(page, "new-concerns")
    new_reports = section(page, "new-reports")
    assert f'href="/incidents/{fresh.pk}/"' in new_reports
    assert f'href="/incidents/{incident.pk}/"' not in new_reports  # acknowledged
    due = section(page, "cases-due")
    assert incident.reference in due and "Next: Speak to Pip" in due and "overdue" not in due
    Incident.objects.filter(pk=incident.pk).update(
        next_action_due=timezone.localdate() - datetime.timedelta(days=2))
    assert "overdue" in section(home(client_for, dsl), "cases-due")


def test_a_report_is_listed_once_and_an_urgent_one_until_acknowledged(
        school, dsl, pupil, client_for):
    bullying = report(pupil, pupil)
    grooming = report(pupil, pupil, kind=incident_rules.GROOMING)
    from_grooming = grooming.concerns.get()
    page = home(client_for, dsl)
    from_bullying = bullying.concerns.get()
    assert f"/concerns/{from_bullying.pk}/" not in section(page, "new-concerns")  # a report
    assert f"/incidents/{bullying.pk}/" in section(page, "new-reports")
    assert f"/concerns/{from_grooming.pk}/" in section(page, "urgent-concerns")
    incident_actions.incident_acknowledge(actor=dsl, incident=grooming)
    assert f"/concerns/{from_grooming.pk}/" not in section(home(client_for, dsl),
                                                           "urgent-concerns")


def test_a_long_list_shows_five_and_see_all(school, dsl, pupil, client_for):
    made = [concern(school, rules.SELF_HARM, pupil, n=n) for n in range(7)]
    urgent = section(home(client_for, dsl), "urgent-concerns")
    assert urgent.count("<li>") == 5 and "See all" in urgent
    assert "/concerns/?state=new&amp;severity=urgent" in urgent
    assert made[-1].reference in urgent and made[0].reference not in urgent  # newest first


def test_the_headteacher_sees_the_concerns_as_deputy(school, headteacher, pupil, client_for):
    urgent = concern(school, rules.SUICIDE, pupil)
    assert urgent.reference in section(home(client_for, headteacher), "urgent-concerns")


def test_nothing_waiting_is_said_plainly(dsl, client_for):
    page = home(client_for, dsl)
    assert "No urgent concern is waiting." in section(page, "urgent-concerns")
    assert "No new reports." in section(page, "new-reports")


def test_no_concern_or_case_of_another_school_appears(school, other_school, dsl, pupil,
                                                      make_person, client_for):
    theirs_pupil = make_person(roles.PUPIL, school=other_school)
    their_dsl = make_person(roles.DSL, school=other_school)
    theirs = concern(other_school, rules.SELF_HARM, theirs_pupil)
    their_case = report(theirs_pupil, theirs_pupil)
    ours = concern(school, rules.SELF_HARM, pupil)
    our_case = report(pupil, pupil)
    page = home(client_for, dsl)
    assert ours.reference in page and f"/incidents/{our_case.pk}/" in page
    assert f"/concerns/{theirs.pk}/" not in page and f"/incidents/{their_case.pk}/" not in page
    other = home(client_for, their_dsl)
    assert f"/concerns/{ours.pk}/" not in other and f"/incidents/{our_case.pk}/" not in other
    assert f"/concerns/{theirs.pk}/" in other


@pytest.mark.parametrize("role", [roles.TEACHER, roles.ONLINE_SAFETY_LEAD, roles.IT_MANAGER,
                                  roles.ASSISTANT_HEAD])
def test_others_see_no_concerns(school, pupil, make_person, client_for, role):
    made = concern(school, rules.SELF_HARM, pupil)
    page = home(client_for, make_person(role))
    assert made.reference not in page and "/concerns/" not in page.split("<main", 1)[-1]
    assert 'id="urgent-concerns"' not in page


# --- investigators ---------------------------------------------------------------------------

def test_an_investigator_sees_their_cases_and_what_each_waits_for(
        dsl, online_safety_lead, teacher, pupil, client_for):
    mine = report(teacher, pupil)
    other = report(teacher, pupil, kind=incident_rules.OTHER)
    incident_actions.investigator_add(actor=dsl, incident=mine, person=online_safety_lead)
    incident_actions.next_action_set(actor=dsl, incident=mine, action="Meet the parents",
                                     due=timezone.localdate() + datetime.timedelta(days=3),
                                     reason="agreed")
    cases = section(home(client_for, online_safety_lead), "my-cases")
    assert f'href="/incidents/{mine.pk}/"' in cases and "Next: Meet the parents, due" in cases
    assert other.reference not in cases
    assert section(home(client_for, teacher), "my-cases") == ""


def test_an_investigator_sees_the_screenshots_waiting_for_their_sign_off(
        settings, tmp_path, dsl, headteacher, online_safety_lead, teacher, pupil, client_for):
    from tests.incidents.conftest import PNG

    settings.MEDIA_ROOT = tmp_path / "files"
    case = report(teacher, pupil)
    for person in (headteacher, online_safety_lead):
        incident_actions.investigator_add(actor=dsl, incident=case, person=person)
    shot = incident_actions.evidence_add(actor=dsl, incident=case, kind="screenshot",
                                         upload=("chat.png", PNG))
    waiting = section(home(client_for, online_safety_lead), "signoffs")
    assert "chat.png" in waiting and f'href="/incidents/{case.pk}/#evidence"' in waiting
    assert "Waiting for your sign-off" in waiting
    assert "Signed off by 0 of the 2 investigators" in section(home(client_for, dsl),
                                                               "signoffs")
    incident_actions.screenshot_sign(actor=online_safety_lead, evidence=shot)
    # Signed: the online safety lead (a leader) still sees it is one signature short.
    assert "Waiting for your sign-off" not in section(home(client_for, online_safety_lead),
                                                      "signoffs")
    assert "Waiting for your sign-off" in section(home(client_for, headteacher), "signoffs")
    assert "Signed off by 1 of the 2 investigators" in section(home(client_for, dsl),
                                                               "signoffs")
    incident_actions.screenshot_sign(actor=headteacher, evidence=shot)
    for person in (dsl, online_safety_lead, headteacher):
        assert section(home(client_for, person), "signoffs") == ""
    assert section(home(client_for, teacher), "signoffs") == ""


def test_a_case_owner_sees_it_and_what_it_waits_for(
        dsl, headteacher, teacher, pupil, client_for):
    case = report(teacher, pupil)
    incident_actions.case_owner_set(actor=dsl, incident=case, person=headteacher)
    cases = section(home(client_for, headteacher), "my-cases")
    assert case.reference in cases and "No next action recorded" in cases


# --- headteacher -------------------------------------------------------------------------------

def test_the_headteacher_alone_sees_the_allegations(dsl, headteacher, teacher, make_person,
                                                    client_for):
    allegation = incident_actions.incident_report(
        actor=make_person(roles.ASSISTANT_HEAD), kind=incident_rules.STAFF_MISUSE, description="misuse", subject_staff=teacher)
    assert f'href="/incidents/{allegation.pk}/"' in section(home(client_for, headteacher),
                                                           "allegations")
    for person in (dsl, teacher):
        page = home(client_for, person)
        assert f"/incidents/{allegation.pk}/" not in page and 'id="allegations"' not in page


def test_the_headteacher_sees_sanctions_outside_the_range(headteacher, dsl, pupil, client_for):
    from esafety.incidents.models import Sanction

    case = report(dsl, pupil)
    assert section(home(client_for, headteacher), "overrides").count("<li>") == 0
    Sanction.objects.create(incident=case, person=pupil, kind="exclusion", reasons="r",
                            override_reason="exceptional", decided_by=headteacher,
                            decided_at=timezone.now())
    assert case.reference in section(home(client_for, headteacher), "overrides")
    assert 'id="overrides"' not in home(client_for, dsl)


# --- the IT manager ----------------------------------------------------------------------------

def test_the_it_manager_sees_unblocks_wrong_blocks_and_health(
        school, it_manager, teacher, client_for):
    from esafety.concerns import events

    asked = filtering_actions.unblock_request(
        actor=teacher, site="www.example.org", groups=["ks3"], reason="Lesson on maps",
        starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(hours=2))
    wrong = filtering_actions.wrong_block_report(actor=teacher, url="https://maps.example.net/",
                                                 comment="needed for geography")
    events.concern_email_failed(concern=None, school=school, kind="digest", to=[],
                                error="refused")
    page = home(client_for, it_manager)
    pending = section(page, "unblocks-pending")
    assert f'href="/filtering/unblocks/{asked.pk}/"' in pending and "example.org" in pending
    assert wrong.host in section(page, "wrong-blocks")
    health = section(page, "health")
    assert "never been imported" in health
    assert "1 email could not be sent in the last 30 days." in health
    assert f'href="{reverse("notices:email_problems")}"' in health
    # A teacher sees none of it.
    teacher_page = home(client_for, teacher)
    for key in ("unblocks-pending", "wrong-blocks", "health"):
        assert f'id="{key}"' not in teacher_page


def test_an_unpublished_policy_and_a_stopped_helper_are_named(school, it_manager, client_for):
    import json
    import time

    from esafety.filtering import publish

    folder = publish.snapshot_dir(school)
    folder.mkdir(parents=True)
    (folder / "policy.json").write_text(json.dumps({"version": "1",
                                                   "published_at": time.time()}))
    assert "published" not in section(home(client_for, it_manager), "health")
    (folder / "policy.json").unlink()
    health = section(home(client_for, it_manager), "health")
    assert "The filter&#x27;s policy has not been published yet" in health
    assert f'href="{reverse("network:status")}"' in health
    beats = folder / "heartbeats"
    beats.mkdir(parents=True, exist_ok=True)
    (beats / "squid-1.json").write_text(json.dumps({"kind": "squid", "pid": 1,
                                                    "at": time.time() - 86400}))
    assert "1 filter helper stopped reporting." in section(home(client_for, it_manager),
                                                           "health")


def test_lists_out_of_date_are_named(school, it_manager, client_for):
    from esafety.filtering.models import ListImport

    ListImport.objects.create(school=school, source="lists.tar.gz",
                              at=timezone.now() - datetime.timedelta(days=45))
    assert "last imported on" in section(home(client_for, it_manager), "health")
    ListImport.objects.create(school=school, source="lists.tar.gz")
    assert "imported" not in section(home(client_for, it_manager), "health")


# --- teachers --------------------------------------------------------------------------------------

def test_a_teacher_sees_their_requests_and_reports(teacher, it_manager, pupil, make_person,
                                                  client_for):
    asked = filtering_actions.unblock_request(
        actor=teacher, site="www.example.org", groups=["ks3"], reason="Lesson on maps",
        starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(hours=2))
    theirs = report(teacher, pupil)
    colleague = make_person(roles.TEACHER)
    not_mine = report(colleague, pupil)
    page = home(client_for, teacher)
    requests = section(page, "my-unblocks")
    assert f'href="/filtering/unblocks/{asked.pk}/"' in requests
    assert "waiting for a decision" in requests
    reports = section(page, "my-reports")
    assert theirs.reference in reports and "Reported." in reports
    assert not_mine.reference not in page
    filtering_actions.unblock_refuse(actor=it_manager, request=asked, note="Use the atlas")
    assert "refused" in section(home(client_for, teacher), "my-unblocks")


# --- pupils and parents ---------------------------------------------------------------------------

def test_a_pupil_sees_their_reports_in_plain_words(pupil, dsl, client_for):
    case = report(pupil, pupil)
    page = home(client_for, pupil)
    mine = section(page, "my-reports")
    assert f'href="/incidents/{case.pk}/"' in mine
    assert "Someone is bullying me or someone else online" in mine
    assert "Your report has been passed on. Someone will look at it soon." in mine
    incident_actions.incident_acknowledge(actor=dsl, incident=case)
    page = home(client_for, pupil)
    assert "Staff are looking into what you told us." in section(page, "my-reports")
    assert case.reference not in page and "§" not in page and "INC-" not in page
    assert "cyberbullying" not in page.lower().replace("someone is bullying", "")


def test_a_parent_sees_their_reports_in_plain_words(parent, pupil, client_for):
    case = report(parent, pupil)
    page = home(client_for, parent)
    mine = section(page, "my-reports")
    assert f'href="/incidents/{case.pk}/"' in mine and ": Cyberbullying" in mine
    assert "Your report has been passed on." in mine
    assert case.reference not in page and "§" not in page and "INC-" not in page


def test_a_pupil_never_sees_someone_elses_report(pupil, make_person, client_for):
    friend = make_person(roles.PUPIL)
    case = report(friend, pupil)
    assert f"/incidents/{case.pk}/" not in home(client_for, pupil)


# --- a GET writes nothing ------------------------------------------------------------------------

WRITES = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.I)


@pytest.mark.parametrize("role", [roles.DSL, roles.HEADTEACHER, roles.ONLINE_SAFETY_LEAD,
                                  roles.IT_MANAGER, roles.TEACHER, roles.PUPIL])
def test_the_home_page_writes_nothing(school, make_person, pupil, teacher, dsl, client_for,
                                      role):
    concern(school, rules.SELF_HARM, pupil)
    report(pupil, pupil)
    filtering_actions.unblock_request(
        actor=teacher, site="www.example.org", groups=["ks3"], reason="Lesson on maps",
        starts_at=timezone.now(), ends_at=timezone.now() + datetime.timedelta(hours=2))
    person = {roles.DSL: dsl, roles.PUPIL: pupil, roles.TEACHER: teacher}.get(role) \
        or make_person(role)
    client = client_for(person)
    client.get("/")  # the first request may save the signed-in session
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    writes = [q["sql"] for q in queries.captured_queries if WRITES.match(q["sql"])]
    assert writes == []
