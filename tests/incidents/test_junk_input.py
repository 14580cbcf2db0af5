"""Every incident screen answers junk input with a page, never a server error, and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.incidents import actions
from esafety.incidents.models import Evidence, Rating, Sanction, TakedownRequest
from tests.incidents.conftest import EXE, PNG

FIELDS = ["kind", "summary", "description", "occurred_at", "location", "people", "subject_staff",
          "urls", "image_location", "who", "when", "child", "version", "text", "url", "phone",
          "reason", "person", "matters", "outcome", "reasons", "police_override_reason",
          "confirm", "rating", "kind", "starts_at", "ends_at", "target", "target_name",
          "sent_on", "outcome_on", "notes", "seen", "designated_person", "chair_of_governors",
          "letter_template", "start", "end", "format", "status"]
VALUES = ["'; drop table", "32/13/2026", "\x00", "x" * 3000, "-1", "99999999", "{", "0000-00-00"]
PREFIXES = ["", "edit-", "note-", "evidence-", "withdraw-", "police-", "judgement-", "close-",
            "reopen-", "rating-", "sanction-", "takedown-", "outcome-", "investigator-",
            "viewer-", "subject-", "part-", "remove-", "unrate-"]


def junk(index):
    data = {}
    for prefix in PREFIXES:
        for n, field in enumerate(FIELDS):
            data[f"{prefix}{field}"] = VALUES[(n + index) % len(VALUES)]
    return data


@pytest.mark.parametrize("who", ["dsl", "pupil", "teacher", "outsider"])
def test_junk_never_causes_a_server_error(who, request, substantiated, dsl, pupil, bully,
                                         client_for):
    investigated = substantiated
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    rating = actions.misuse_rate(actor=dsl, incident=investigated, person=bully, rating="mild")
    made = actions.sanction_record(actor=dsl, incident=investigated, person=bully,
                                   kind="letter_to_parents", reasons="r")
    import datetime

    takedown = actions.takedown_request(actor=dsl, incident=investigated, target="site",
                                        target_name="x", sent_on=datetime.date.today())
    before = (Evidence.objects.count(), Rating.objects.count(), Sanction.objects.count())
    client = client_for(request.getfixturevalue(who))
    pk = investigated.pk
    urls = [reverse("incidents:home"), reverse("incidents:report"),
            reverse("incidents:settings"), reverse("incidents:governors_report"),
            reverse("incidents:chronology", args=[pupil.pk])]
    urls += [reverse(f"incidents:{name}", args=[pk]) for name in (
        "detail", "edit", "acknowledge", "note", "evidence_add", "investigator_add", "viewer_add",
        "subject", "police", "judge", "close", "reopen", "rate", "sanction", "takedown_add",
        "involvement")]
    urls += [reverse("incidents:evidence_file", args=[pk, shot.pk]),
             reverse("incidents:evidence_withdraw", args=[pk, shot.pk]),
             reverse("incidents:screenshot_sign", args=[pk, shot.pk]),
             reverse("incidents:letter", args=[pk, made.pk]),
             reverse("incidents:takedown_update", args=[pk, takedown.pk]),
             reverse("incidents:involvement_remove", args=[pk, bully.pk]),
             reverse("incidents:rating_withdraw", args=[pk, rating.pk])]
    for index, url in enumerate(urls):
        data = junk(index)
        for response in (client.get(url, data), client.post(url, data)):
            assert response.status_code in (200, 302, 400, 404, 405, 409), (
                url, response.status_code)
        upload = {"evidence-kind": "screenshot",
                  "evidence-upload": SimpleUploadedFile("x.png", EXE),
                  "evidence_file": SimpleUploadedFile("x.png", EXE), **data}
        assert client.post(url, upload).status_code in (200, 302, 400, 404, 405, 409), url
    assert (Evidence.objects.count(), Rating.objects.count(), Sanction.objects.count()) == before
    assert TakedownRequest.objects.get().target_name == "x"


# --- letter templates are checked when saved; a bad one never makes a letter fail --------

BAD_TEMPLATES = {
    "a huge width": "Dear {parent_name:>999999999}",
    "a format the value cannot take": "On {date:d}",
    "an unknown conversion": "Dear {parent_name!z}",
    "an attribute": "Dear {pupil_name.__class__}",
    "an index": "Dear {pupil_name[0]}",
    "an unknown field": "Dear {parent}",
    "a positional field": "Dear {} and {0}",
    "a stray opening brace": "Dear {parent_name",
    "a stray closing brace": "Dear parent_name}",
    "too long": "x" * 20_001,
}


@pytest.mark.parametrize("name", sorted(BAD_TEMPLATES))
def test_a_letter_template_that_could_not_be_used_is_refused_when_saved(name, dsl, client_for):
    from esafety.incidents.access import settings_for
    from esafety.incidents.rules import DEFAULT_LETTER_TEMPLATE

    response = client_for(dsl).post(reverse("incidents:settings"),
                                    {"letter_template": BAD_TEMPLATES[name]})
    assert response.status_code == 400
    text = response.content.decode()
    assert "letter template" in text.lower() or "at most 20000 characters" in text
    assert settings_for(dsl.school).letter_template == DEFAULT_LETTER_TEMPLATE


def test_the_action_refuses_a_formatted_field_with_a_clear_message(dsl):
    from esafety.errors import InvalidInput

    with pytest.raises(InvalidInput, match=r"write each field plainly, like \{pupil_name\}"):
        actions.incident_settings_update(actor=dsl, school=dsl.school, designated_person=None,
                                         chair_of_governors=None,
                                         letter_template="Dear {parent_name:>999999999}")


def test_literal_braces_written_twice_are_fine(dsl, client_for):
    from esafety.incidents.access import settings_for

    response = client_for(dsl).post(reverse("incidents:settings"), {
        "letter_template": "Dear {parent_name}, about {{the club}}. {school_name}"})
    assert response.status_code == 302
    assert settings_for(dsl.school).letter_template.startswith("Dear {parent_name}, about {{")


@pytest.mark.parametrize("template", ["Dear {parent_name!z}", "Dear {parent}",
                                      "On {date:d}", "Dear {parent_name:>999999999}"])
def test_a_bad_template_saved_before_the_check_gives_a_message_not_a_server_error(
        template, investigated, dsl, pupil, client_for):
    from django.utils import timezone

    from esafety.incidents.models import IncidentSettings

    IncidentSettings.objects.get_or_create(school=dsl.school)
    IncidentSettings.objects.filter(school=dsl.school).update(letter_template=template)
    # A sanction row as an older release recorded it (the letter only needs the row).
    made = Sanction.objects.create(incident=investigated, person=pupil, kind="letter_to_parents",
                                   reasons="r", decided_by=dsl, decided_at=timezone.now())
    client = client_for(dsl)
    response = client.get(reverse("incidents:letter", args=[investigated.pk, made.pk]),
                          follow=True)
    assert response.status_code == 200
    assert "The school&#x27;s letter template cannot be used" in response.content.decode()
    assert "incident settings" in response.content.decode()


@pytest.mark.parametrize("who", ["teacher", "pupil", "parent", "outsider", "governor"])
def test_only_the_head_and_dsl_change_the_letter(who, request, dsl, client_for):
    from esafety.incidents.access import settings_for
    from esafety.incidents.rules import DEFAULT_LETTER_TEMPLATE

    client = client_for(request.getfixturevalue(who))
    response = client.post(reverse("incidents:settings"), {"letter_template": "Hello"})
    assert response.status_code in (302, 404)
    assert settings_for(dsl.school).letter_template == DEFAULT_LETTER_TEMPLATE


# --- numbers and dates at the edges of what a form accepts ------------------------------

EDGE_DATES = ["0001-01-01", "0001-01-01T00:00", "9999-12-31", "9999-12-31T23:59", "1900-02-29",
              "2026-02-29", "2026-03-29T01:30", "99999-01-01", "-1", "1e308", "NaN"]
EDGE_NUMBERS = ["-1", "0", "99999999999999999999999", "1e308", "NaN", "inf", "٣"]


@pytest.mark.parametrize("value", EDGE_DATES)
def test_dates_at_the_edges_never_cause_a_server_error(value, investigated, dsl, pupil, teacher,
                                                       parent, client_for):
    import datetime

    takedown = actions.takedown_request(actor=dsl, incident=investigated, target="site",
                                        target_name="x", sent_on=datetime.date.today())
    pk = investigated.pk
    posts = [
        (teacher, reverse("incidents:report"), {"kind": "other", "description": "d",
                                                "occurred_at": value}),
        (pupil, reverse("incidents:report"), {"kind": "other", "description": "d",
                                              "when": value}),
        (parent, reverse("incidents:report"), {"kind": "other", "description": "d",
                                               "child": pupil.pk, "when": value}),
        (dsl, reverse("incidents:edit", args=[pk]), {"edit-version": investigated.version,
                                                     "edit-kind": "other", "edit-summary": "s",
                                                     "edit-description": "d",
                                                     "edit-occurred_at": value}),
        (dsl, reverse("incidents:sanction", args=[pk]), {
            "sanction-person": pupil.pk, "sanction-kind": "internet_suspension",
            "sanction-reasons": "r", "sanction-starts_at": value, "sanction-ends_at": value}),
        (dsl, reverse("incidents:takedown_add", args=[pk]), {
            "takedown-target": "site", "takedown-target_name": "x", "takedown-sent_on": value}),
        (dsl, reverse("incidents:takedown_update", args=[pk, takedown.pk]), {
            "outcome-outcome": "removed", "outcome-outcome_on": value}),
    ]
    for person, url, data in posts:
        response = client_for(person).post(url, data)
        assert response.status_code in (200, 302, 400, 409), (url, response.status_code)
    for start, end in ((value, "2026-01-01"), ("2000-01-01", value), (value, value)):
        for fmt in ("", "csv", "pdf"):
            response = client_for(dsl).get(reverse("incidents:governors_report"),
                                           {"start": start, "end": end, "format": fmt})
            assert response.status_code in (200, 400), (start, end, fmt)


@pytest.mark.parametrize("value", EDGE_NUMBERS)
def test_numbers_at_the_edges_never_cause_a_server_error(value, investigated, dsl, client_for):
    response = client_for(dsl).post(reverse("incidents:edit", args=[investigated.pk]), {
        "edit-version": value, "edit-kind": "other", "edit-summary": "s",
        "edit-description": "d"})
    assert response.status_code in (302, 400, 409)
    response = client_for(dsl).get(reverse("incidents:home"), {"page": value, "status": value})
    assert response.status_code == 200
