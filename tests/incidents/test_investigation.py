import pytest
from django.urls import reverse

from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import actions
from esafety.incidents.models import IncidentEvent
from tests.incidents.conftest import PNG


def test_a_case_cannot_be_judged_until_two_senior_staff_are_named(reported, dsl):
    actions.investigator_add(actor=dsl, incident=reported, person=dsl)
    with pytest.raises(Conflict) as refused:
        actions.incident_judge(actor=dsl, incident=reported, outcome="internal",
                               reasons="Dealt with under the anti-bullying policy")
    assert refused.value.code == "needs-two-investigators"
    with pytest.raises(Conflict):
        actions.incident_close(actor=dsl, incident=reported)


def test_only_senior_staff_can_be_investigators(reported, dsl, teacher):
    with pytest.raises(InvalidInput) as refused:
        actions.investigator_add(actor=dsl, incident=reported, person=teacher)
    assert refused.value.code == "not-senior"


def test_a_teacher_cannot_name_investigators(reported, teacher, dsl):
    with pytest.raises(NotAllowed):
        actions.investigator_add(actor=teacher, incident=reported, person=dsl)


def test_investigators_from_another_school_are_refused(reported, dsl, outsider):
    with pytest.raises(InvalidInput) as refused:
        actions.investigator_add(actor=dsl, incident=reported, person=outsider)
    assert refused.value.code == "other-school"


def test_a_judged_case_with_two_investigators_closes(investigated, dsl):
    actions.incident_judge(actor=dsl, incident=investigated, outcome="internal",
                           reasons="Comments confirmed; dealt with under anti-bullying policy.")
    closed = actions.incident_close(actor=dsl, incident=investigated)
    assert closed.status == "closed" and closed.closed_by == dsl


def test_sites_visited_need_the_designated_computer_first(investigated, dsl):
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=investigated, kind="visit",
                             url="https://chat.example/group/123")
    assert refused.value.code == "no-designated-computer"
    actions.incident_edit(actor=dsl, incident=investigated,
                          expected_version=investigated.version,
                          designated_computer="Library PC 3 (asset 00412), not used by pupils")
    visit = actions.evidence_add(actor=dsl, incident=investigated, kind="visit",
                                 url="https://chat.example/group/123", text="Group chat page")
    assert visit.kind == "visit"


def test_screenshots_need_both_investigators_sign_off_before_closing(
        investigated, dsl, online_safety_lead):
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    actions.incident_judge(actor=dsl, incident=investigated, outcome="internal", reasons="r")
    actions.screenshot_sign(actor=dsl, evidence=shot)
    with pytest.raises(Conflict) as refused:
        actions.incident_close(actor=dsl, incident=investigated)
    assert "needs both investigators' sign-off" in str(refused.value)
    actions.screenshot_sign(actor=online_safety_lead, evidence=shot)
    assert actions.incident_close(actor=dsl, incident=investigated).status == "closed"


def test_only_investigators_sign_screenshots_off(investigated, dsl, headteacher):
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    with pytest.raises(NotAllowed):
        actions.screenshot_sign(actor=headteacher, evidence=shot)


def test_police_reportable_content_is_flagged_before_closing_another_way(investigated, dsl):
    actions.police_matters_set(actor=dsl, incident=investigated, matters=["racist"])
    with pytest.raises(Conflict) as refused:
        actions.incident_judge(actor=dsl, incident=investigated, outcome="internal",
                               reasons="Handled in school")
    assert refused.value.code == "police-reportable"
    assert "Criminally racist material" in str(refused.value)
    judged = actions.incident_judge(
        actor=dsl, incident=investigated, outcome="internal", reasons="Handled in school",
        police_override_reason="Police advised by phone (ref 4471) that school should handle it")
    assert judged.outcome == "internal"
    assert actions.incident_close(actor=dsl, incident=investigated).status == "closed"


def test_the_police_prompt_is_shown_on_the_page(investigated, dsl, client_for):
    actions.police_matters_set(actor=dsl, incident=investigated, matters=["grooming"])
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "Police-reportable content" in page
    response = client.post(reverse("incidents:judge", args=[investigated.pk]),
                           {"judgement-outcome": "no_substance", "judgement-reasons": "r"})
    assert response.status_code == 400
    assert "matches the list the policy says to report to the police" in (
        response.content.decode())


def test_a_police_judgement_closes_without_an_override(investigated, dsl):
    actions.police_matters_set(actor=dsl, incident=investigated, matters=["grooming"])
    actions.incident_judge(actor=dsl, incident=investigated, outcome="police",
                           reasons="Referred to the police")
    assert actions.incident_close(actor=dsl, incident=investigated).police_referral


def test_two_investigators_editing_at_once_never_lose_work(investigated, dsl, online_safety_lead):
    version = investigated.version
    actions.incident_edit(actor=dsl, incident=investigated, expected_version=version,
                          location="IT suite 2")
    with pytest.raises(Conflict) as refused:
        actions.incident_edit(actor=online_safety_lead, incident=investigated,
                              expected_version=version, summary="Group chat bullying")
    assert refused.value.code == "edit-conflict"
    assert "Someone else changed" in str(refused.value)
    investigated.refresh_from_db()
    assert investigated.location == "IT suite 2"


def test_notes_written_at_the_same_time_are_both_kept(investigated, dsl, online_safety_lead):
    actions.incident_note(actor=dsl, incident=investigated, text="Called parents")
    actions.incident_note(actor=online_safety_lead, incident=investigated, text="Checked logs")
    notes = IncidentEvent.objects.filter(incident=investigated, kind="note").order_by("seq")
    assert [n.data["text"] for n in notes] == ["Called parents", "Checked logs"]


def test_the_edit_conflict_page_keeps_their_words_and_says_what_happened(
        investigated, dsl, online_safety_lead, client_for):
    page_version = investigated.version
    actions.incident_edit(actor=dsl, incident=investigated, expected_version=page_version,
                          summary="Changed by the DSL")
    response = client_for(online_safety_lead).post(
        reverse("incidents:edit", args=[investigated.pk]),
        {"edit-version": page_version, "edit-kind": "cyberbullying",
         "edit-summary": "My own summary", "edit-description": "My fuller description"})
    text = response.content.decode()
    assert response.status_code == 409
    assert "Someone else changed this while you were editing" in text
    assert "My own summary" in text and "Changed by the DSL" in text
    investigated.refresh_from_db()
    assert investigated.summary == "Changed by the DSL"


def test_the_first_response_time_is_recorded_once(reported, dsl):
    assert reported.first_response_at is None
    actions.incident_acknowledge(actor=dsl, incident=reported)
    reported.refresh_from_db()
    first = reported.first_response_at
    assert reported.status == "open" and first is not None
    actions.incident_note(actor=dsl, incident=reported, text="later")
    reported.refresh_from_db()
    assert reported.first_response_at == first


def test_a_closed_case_can_be_reopened_with_a_reason(investigated, dsl):
    actions.incident_judge(actor=dsl, incident=investigated, outcome="no_substance", reasons="r")
    actions.incident_close(actor=dsl, incident=investigated)
    with pytest.raises(InvalidInput):
        actions.incident_reopen(actor=dsl, incident=investigated, reason="")
    assert actions.incident_reopen(actor=dsl, incident=investigated,
                                   reason="New screenshots").status == "open"


def test_two_investigators_judging_at_once_never_overwrite_each_other(
        investigated, dsl, online_safety_lead, client_for):
    page = client_for(online_safety_lead).get(reverse("incidents:detail",
                                                      args=[investigated.pk]))
    seen = page.context["judgement_form"].initial["seen"]
    actions.incident_judge(actor=dsl, incident=investigated, outcome="internal",
                           reasons="DSL: handled in school", seen=seen)
    response = client_for(online_safety_lead).post(
        reverse("incidents:judge", args=[investigated.pk]),
        {"judgement-seen": seen, "judgement-outcome": "no_substance",
         "judgement-reasons": "OSL: nothing in it"})
    text = response.content.decode()
    assert response.status_code == 409
    assert "recorded a judgement while you were writing yours" in text
    assert "OSL: nothing in it" in text and "DSL: handled in school" in text
    investigated.refresh_from_db()
    assert investigated.outcome_reasons == "DSL: handled in school"


def test_a_made_up_seen_value_on_an_unjudged_case_is_refused_not_a_500(
        investigated, dsl, client_for):
    # Nobody has judged it, so there is no judge to name: the refusal must still be a page.
    response = client_for(dsl).post(
        reverse("incidents:judge", args=[investigated.pk]),
        {"judgement-seen": "not-a-seal", "judgement-outcome": "internal",
         "judgement-reasons": "Handled in school"})
    assert response.status_code == 409
    assert "Yours was not saved" in response.content.decode()
    investigated.refresh_from_db()
    assert investigated.outcome == ""
