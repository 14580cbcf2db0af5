"""Each form on the incident page works through the web, and a refusal never loses input."""

import datetime

from django.urls import reverse
from django.utils import timezone

from esafety.incidents import actions
from esafety.incidents.models import Evidence, IncidentSettings, Rating, Sanction, TakedownRequest
from tests.incidents.conftest import PNG


def test_the_dsl_works_a_case_through_every_form(investigated, dsl, pupil, bully, client_for):
    client = client_for(dsl)
    pk = investigated.pk
    today = timezone.localdate().isoformat()

    def post(name, data, *extra):
        response = client.post(reverse(f"incidents:{name}", args=[pk, *extra]), data)
        assert response.status_code == 302, (name, response.content.decode()[:2000])

    post("note", {"note-text": "Spoke to the pupil with their form tutor."})
    post("evidence_add", {"evidence-kind": "phone", "evidence-phone": "07700 900123",
                          "evidence-text": "Withheld calls"})
    item = Evidence.objects.get(incident=investigated, kind="phone")
    post("evidence_withdraw", {"withdraw-reason": "Wrong number"}, item.pk)
    post("police", {"police-matters": ["racist"]})
    post("involvement", {"part-person": pupil.pk, "part-part": "target"})
    post("involvement", {"part-person": bully.pk, "part-part": "alleged",
                         "part-reason": "Started the group chat"})
    post("judge", {"judgement-outcome": "internal", "judgement-reasons": "Handled in school",
                   "judgement-police_override_reason": "Not criminal on review with police"})
    post("rate", {"rating-person": bully.pk, "rating-rating": "serious",
                  "rating-dim_volume": "Dozens of messages", "rating-factor_instigator": "Yes"})
    post("sanction", {"sanction-person": bully.pk, "sanction-kind": "letter_to_parents",
                      "sanction-reasons": "Parents to be told"})
    post("takedown_add", {"takedown-target": "site", "takedown-target_name": "ChatApp",
                          "takedown-sent_on": today})
    takedown = TakedownRequest.objects.get()
    post("takedown_update", {"outcome-outcome": "removed", "outcome-outcome_on": today},
         takedown.pk)
    post("judge", {"judgement-outcome": "internal", "judgement-reasons": "Handled in school",
                   "judgement-police_override_reason": "Not criminal on review with police"})
    post("close", {"close-confirm": "on"})
    post("reopen", {"reopen-reason": "New evidence"})

    investigated.refresh_from_db()
    assert investigated.status == "open"
    assert Evidence.objects.get(pk=item.pk).is_withdrawn
    assert Rating.objects.get().dimensions["volume"] == "Dozens of messages"
    assert Sanction.objects.get().kind == "letter_to_parents"
    assert TakedownRequest.objects.get().outcome == "removed"
    page = client.get(reverse("incidents:detail", args=[pk]))
    assert page.status_code == 200
    assert "New evidence" in page.content.decode()


def test_closing_too_early_explains_what_is_missing(reported, dsl, client_for):
    response = client_for(dsl).post(reverse("incidents:close", args=[reported.pk]),
                                    {"close-confirm": "on"})
    assert response.status_code == 400
    assert "name 2 senior members of staff as investigators" in response.content.decode()


def test_an_investigator_signs_a_screenshot_on_the_page(investigated, dsl, client_for):
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Sign off this screenshot" in page
    client.post(reverse("incidents:screenshot_sign", args=[investigated.pk, shot.pk]))
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Sign off this screenshot" not in page
    assert shot.signoffs.count() == 1


def test_settings_are_saved_and_a_bad_template_keeps_the_input(headteacher, dsl, governor,
                                                               client_for):
    client = client_for(headteacher)
    response = client.post(reverse("incidents:settings"), {
        "designated_person": dsl.pk, "chair_of_governors": governor.pk,
        "letter_template": "Dear {parent_name}, about {pupil_name}"})
    assert response.status_code == 302
    conf = IncidentSettings.objects.get(school=headteacher.school)
    assert (conf.designated_person, conf.chair_of_governors) == (dsl, governor)
    response = client.post(reverse("incidents:settings"), {
        "designated_person": dsl.pk, "letter_template": "Dear {parnet_name}"})
    assert response.status_code == 400
    assert "unknown fields: {parnet_name}" in response.content.decode()
    assert "Dear {parnet_name}" in response.content.decode()
    conf.refresh_from_db()
    assert conf.letter_template == "Dear {parent_name}, about {pupil_name}"


def test_the_list_filters_by_status_and_kind(reported, dsl, teacher, client_for):
    other = actions.incident_report(actor=teacher, kind="device_loss", description="Lost laptop")
    client = client_for(dsl)
    page = client.get(reverse("incidents:home"), {"kind": "device_loss"}).content.decode()
    assert other.reference in page and reported.reference not in page
    page = client.get(reverse("incidents:home"), {"status": "closed"}).content.decode()
    assert "No cases match." in page


def test_a_future_takedown_date_is_refused_on_the_page(investigated, dsl, client_for):
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client_for(dsl).post(reverse("incidents:takedown_add", args=[investigated.pk]), {
        "takedown-target": "site", "takedown-target_name": "ChatApp",
        "takedown-sent_on": tomorrow})
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    assert not TakedownRequest.objects.exists()


def test_the_case_list_comes_in_pages_of_fifty(dsl, teacher, client_for):
    for n in range(51):
        actions.incident_report(actor=teacher, kind="other", description=f"Report {n}")
    client = client_for(dsl)
    first = client.get(reverse("incidents:home"))
    assert len(first.context["cases"]) == 50 and "Page 1 of 2" in first.content.decode()
    second = client.get(reverse("incidents:home"), {"page": 2, "kind": "other"})
    assert len(second.context["cases"]) == 1


# --- the log: long case titles are cut at a word, the whole title one click away ----------

def test_a_long_case_title_is_cut_at_a_word_with_the_full_text_a_click_away(dsl, teacher,
                                                                          client_for):
    from esafety.incidents import actions

    title = ("Year 9 group chat sharing edited photos of a classmate with cruel captions "
             "every evening since half term")
    actions.incident_report(actor=teacher, kind="cyberbullying", summary=title,
                            description="details")
    actions.incident_report(actor=teacher, kind="other", summary="Short title",
                            description="details")
    page = client_for(dsl).get(reverse("incidents:home")).content.decode()
    assert ('<details class="case-title"><summary>Year 9 group chat sharing edited photos of a '
            'classmate with…</summary>') in page
    assert f"<p>{title}</p>" in page
    assert '<td data-label="Summary">Short title</td>' in page


def test_cutting_at_a_word():
    from esafety.incidents.views.log import cut_at_word

    assert cut_at_word("short") == "short"
    assert cut_at_word("one two three four", limit=9) == "one two…"
    assert cut_at_word("one two, three", limit=8) == "one two…"
    assert cut_at_word("x" * 100, limit=10) == "x" * 10 + "…"


def test_the_log_is_not_shown_to_a_teacher_or_an_outsider(reported, teacher, outsider,
                                                          client_for):
    for person in (teacher, outsider):
        page = client_for(person).get(reverse("incidents:home")).content.decode()
        assert reported.summary[:20] not in page and reported.reference not in page


def _cells_without_a_label(html):
    import re

    return [cell for cell in re.findall(r"<td\b[^>]*>", html) if "data-label=" not in cell]


def test_on_a_phone_every_table_cell_of_the_log_says_its_column(with_bully, dsl, pupil, bully,
                                                                client_for):
    """Small screens show each table row as a card naming each cell's column (data-label)."""
    staff = client_for(dsl)
    pages = {
        "log": staff.get(reverse("incidents:home")),
        "own reports": client_for(pupil).get(reverse("incidents:home")),
        "case": staff.get(reverse("incidents:detail", args=[with_bully.pk])),
        "chronology": staff.get(reverse("incidents:chronology", args=[bully.pk])),
        "governors' report": client_for(dsl).get(reverse("incidents:governors_report")),
    }
    for name, page in pages.items():
        html = page.content.decode()
        assert "<td" in html, name
        assert _cells_without_a_label(html) == [], name
    log = pages["log"].content.decode()
    assert f'<td data-label="Reference"><a href="{reverse("incidents:detail", args=[with_bully.pk])}"' in log


def test_reading_the_incident_pages_saves_nothing(dsl, headteacher, governor, client_for):
    """GET never writes: a school's incident settings are saved when someone saves them, not
    when a page (or the leader check behind it) reads them."""
    assert not IncidentSettings.objects.exists()
    for person, name in ((dsl, "incidents:home"), (headteacher, "incidents:settings"),
                         (governor, "incidents:governors_report"),
                         (dsl, "incidents:report")):
        assert client_for(person).get(reverse(name)).status_code == 200, name
    assert not IncidentSettings.objects.exists()
