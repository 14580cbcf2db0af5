"""Pupil and parent pages speak plainly: no policy codes or internal names, a child-sized
monitoring notice for KS1 and KS2, and help (not the staff protocol) after a report of nude
images."""

import re
from html.parser import HTMLParser

import pytest

from esafety.directory import roles
from esafety.incidents import rules
from esafety.incidents.models import Incident
from esafety.policies import actions
from esafety.policies.plain import without_policy_codes

AUP_PAGE = "/policies/acceptable-use/"
REPORT = "/incidents/report/"
# What a school's text and the staff protocol really contain (the demo AUPs, 000 §2, 002).
CODED_TEXT = ("Before you can use the school's computers you must accept this agreement. We "
              "discuss it with you each year (004 §3.1).\nPhones on the school site (004 §4)\n"
              "Misuse is rated (004 Appendix I) as the police advise (002 'Other Incidents').")
POLICY_CODE = re.compile(r"§|\b0\d\d\s+(?:App|Appendix)\b|\b0\d\d\s+'")
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b")
CHILD_NOTICE = "Grown-ups at school can see what you do on school computers"


class _VisibleText(HTMLParser):
    def __init__(self):
        super().__init__()
        self.parts, self._hidden = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._hidden += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden:
            self.parts.append(data)


def visible_text(response) -> str:
    parser = _VisibleText()
    parser.feed(response.content.decode())
    return " ".join(parser.parts)


def assert_plain(response, where):
    assert response.status_code == 200, where
    text = visible_text(response)
    assert not POLICY_CODE.findall(text), (where, POLICY_CODE.findall(text))
    assert not SNAKE_CASE.findall(text), (where, SNAKE_CASE.findall(text))


@pytest.mark.parametrize("text, plain", [
    ("We discuss it with you each year (004 §3.1).", "We discuss it with you each year."),
    ("Photographs on the school site (004 §4)", "Photographs on the school site"),
    ("It is illegal (000 §2). Refer (002 'Other Incidents').", "It is illegal. Refer."),
    ("Rated (004 Appendix I) and (004 App. II).", "Rated and."),
    ("Not allowed (004 §3.2.2 to §3.2.4, 002 App. 1).", "Not allowed."),
    ("Call Childline on 0800 1111.", "Call Childline on 0800 1111."),
    ("004 \u00a73.2.2: \u201cIn KS1, pupils access only sites approved by an adult.\u201d",
     "\u201cIn KS1, pupils access only sites approved by an adult.\u201d"),
    ("002 \u201cIn the Event of Inappropriate Use\u201d: use can be suspended.",
     "use can be suspended."),
])
def test_clause_references_are_left_out_of_plain_words(text, plain):
    assert without_policy_codes(text) == plain


@pytest.mark.parametrize("state", ["unanswered", "declined", "accepted"])
def test_a_pupils_aup_page_has_no_codes(state, pupil, publish, client_for):
    version = publish(roles.AUDIENCE_KS3, text=CODED_TEXT)
    client = client_for(pupil)
    if state != "unanswered":
        actions.acceptance_record(actor=pupil, person=pupil, version=version, decision=state)
    assert_plain(client.get(AUP_PAGE), state)


def test_staff_still_read_the_policy_with_its_clauses(teacher, publish, client_for):
    publish(roles.AUDIENCE_STAFF, text=CODED_TEXT)
    assert "(004 §3.1)" in client_for(teacher).get(AUP_PAGE).content.decode()


def test_a_parents_pages_have_no_codes(parent, pupil, publish, client_for):
    own = publish(roles.AUDIENCE_PARENTS, text=CODED_TEXT)
    child_version = publish(roles.AUDIENCE_KS3, text=CODED_TEXT)
    actions.acceptance_record(actor=pupil, person=pupil, version=child_version, decision="accepted")
    client = client_for(parent)
    assert_plain(client.get(AUP_PAGE), "parent AUP, not answered")
    actions.acceptance_record(actor=parent, person=parent, version=own, decision="accepted")
    for url in (AUP_PAGE, "/", "/policies/acceptable-use/children/", REPORT, "/incidents/"):
        assert_plain(client.get(url), url)


@pytest.mark.parametrize("kind", [code for code, _, _ in rules.INCIDENT_TYPES])
def test_a_pupils_report_and_its_status_have_no_codes(kind, pupil, dsl, client_for):
    client = client_for(pupil)
    assert_plain(client.get(REPORT), "report form")
    response = client.post(REPORT, {"kind": kind, "description": "Something happened online."})
    incident = Incident.objects.get()
    assert_plain(client.get(response["Location"]), f"status of {kind}")
    assert_plain(client.get("/incidents/"), "own reports")
    assert_plain(client.get("/"), "home")
    assert incident.kind == kind


@pytest.mark.parametrize("kind", [code for code, _, _ in rules.INCIDENT_TYPES])
def test_a_parents_report_and_its_status_have_no_codes(kind, parent, pupil, dsl, client_for):
    client = client_for(parent)
    response = client.post(REPORT, {"child": pupil.pk, "kind": kind,
                                    "description": "Something happened online."})
    assert response.status_code == 302
    assert_plain(client.get(response["Location"]), f"status of {kind}")


def test_a_pupil_who_reports_nude_images_gets_reassurance_and_help_not_the_staff_protocol(
        pupil, dsl, client_for):
    client = client_for(pupil)

    response = client.post(REPORT, {"kind": rules.SEXTING, "description": "Someone sent me a "
                                    "picture with no clothes on and wants one back."}, follow=True)

    text = visible_text(response)
    assert "You did the right thing by telling us" in text
    assert "You are not in trouble" in text
    assert "0800 1111" in text and "Report Remove" in text and "CEOP" in text
    html = response.content.decode()
    assert 'href="https://www.childline.org.uk/' in html
    assert 'href="https://www.ceop.police.uk/' in html
    for step in rules.IMAGE_STEPS:
        assert step[:40] not in text
    assert "Nude or sexual images of a child: what to do" not in text


def test_a_parent_who_reports_nude_images_gets_plain_steps_not_the_staff_protocol(
        parent, pupil, dsl, client_for):
    response = client_for(parent).post(REPORT, {
        "child": pupil.pk, "kind": rules.SEXTING,
        "description": "A photo of my daughter is going round."}, follow=True)

    text = visible_text(response)
    assert "Report Remove" in text and "CEOP" in text and "0800 1111" in text
    for step in rules.IMAGE_STEPS:
        assert step[:40] not in text


def test_staff_who_report_nude_images_still_get_the_protocol(teacher, dsl, client_for):
    response = client_for(teacher).post(REPORT, {
        "kind": rules.SEXTING, "summary": "Image shared",
        "description": "A pupil told me an image is being shared",
        "image_location": "On a pupil's phone"}, follow=True)
    assert rules.IMAGE_STEPS[0][:40] in visible_text(response)


@pytest.mark.parametrize("year", [0, 1, 2, 3, 6])
def test_ks1_and_ks2_pupils_get_a_child_sized_monitoring_notice(year, make_person, publish,
                                                                  client_for):
    young = make_person(roles.PUPIL, year_group=year)
    version = publish(young.audience)

    text = visible_text(client_for(young).get(AUP_PAGE))

    assert CHILD_NOTICE in text
    # The school's full notice stays for the grown-up reading along, folded away.
    assert "For the grown-up reading with you" in text
    assert version.monitoring_notice[:60] in text


@pytest.mark.parametrize("year", [7, 10, 12])
def test_older_pupils_keep_the_fuller_notice(year, make_person, publish, client_for):
    older = make_person(roles.PUPIL, year_group=year)
    version = publish(older.audience)

    text = visible_text(client_for(older).get(AUP_PAGE))

    assert CHILD_NOTICE not in text
    assert "Teachers can see the websites you visit" in text
    assert version.monitoring_notice[:60] in text
