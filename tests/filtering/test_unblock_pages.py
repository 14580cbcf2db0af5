"""Unblock requests for a page unblock that page (and the pages below it), not the whole
site, unless the approver widens it knowingly."""

import json

import pytest

from esafety.audit.models import AuditEvent
from esafety.engine.urls.normalise import parse_target
from esafety.errors import InvalidInput
from esafety.filtering import actions, publish
from esafety.filtering.models import Category, UnblockRequest

from .conftest import soon


def ask(teacher, site="www.facebook.com/groups/school-robotics", **extra):
    fields = {"site": site, "groups": ["ks3"], "starts_at": soon(hours=-1),
              "ends_at": soon(days=2), "reason": "Robotics club: pupils post their builds."}
    fields.update(extra)
    return actions.unblock_request(actor=teacher, **fields)


def answer(school, url, username="pupil"):
    return publish.current_policy(school).decide(parse_target(url), username,
                                                 soon(minutes=5).timestamp(), "GET", url)


@pytest.mark.parametrize("typed, site, path", [
    ("www.bbc.co.uk/bitesize", "bbc.co.uk", "/bitesize"),
    ("https://www.BBC.co.uk/bitesize/", "bbc.co.uk", "/bitesize"),
    ("http://www.youtube.com/watch?v=demo#t=30", "youtube.com", "/watch?v=demo"),
    ("www.bbc.co.uk", "bbc.co.uk", ""),
    ("bbc.co.uk/", "bbc.co.uk", ""),
])
def test_a_request_keeps_the_page_that_was_asked_for(imported, teacher, typed, site, path):
    request = ask(teacher, site=typed)
    assert (request.site, request.path) == (site, path)


def test_approving_a_page_unblocks_that_page_only(imported, school, teacher, it_manager, pupil,
                                                  publishing):
    request = ask(teacher)
    with publishing():
        actions.unblock_approve(actor=it_manager, request=request)
    policy = json.loads((publish.snapshot_dir(school) / "policy.json").read_text())
    [published] = policy["unblocks"]
    assert (published["sites"], published["urls"]) == ([], ["facebook.com/groups/school-robotics"])
    assert answer(school, "http://www.facebook.com/groups/school-robotics/photos").rule == (
        "unblock")
    assert answer(school, "http://www.facebook.com/").action == "block"
    assert answer(school, "http://www.facebook.com/groups/other").action == "block"


def test_the_approver_can_widen_to_the_whole_site_knowingly_and_it_is_audited(
        imported, school, teacher, it_manager, pupil, publishing):
    request = ask(teacher)
    with publishing():
        actions.unblock_approve(actor=it_manager, request=request, whole_site=True)
    request.refresh_from_db()
    assert (request.whole_site, request.what_label) == (True, "facebook.com")
    assert answer(school, "http://www.facebook.com/").rule == "unblock"
    event = AuditEvent.objects.get(event_type="unblock_approved")
    assert event.details == {"widened_to_whole_site": "facebook.com",
                             "asked_for": "facebook.com/groups/school-robotics"}


def test_only_a_page_request_can_be_widened(imported, school, teacher, it_manager):
    request = ask(teacher, site="", category=Category.objects.get(school=school, name="games"))
    with pytest.raises(InvalidInput, match="only a request for a page"):
        actions.unblock_approve(actor=it_manager, request=request, whole_site=True)
    request.refresh_from_db()
    assert request.status == UnblockRequest.PENDING


def test_the_approval_page_shows_the_page_and_an_explicit_whole_site_choice(
        imported, client_for, teacher, it_manager, school):
    request = ask(teacher)
    page = client_for(it_manager).get(f"/filtering/unblocks/{request.pk}/").content.decode()
    assert "The page facebook.com/groups/school-robotics and the pages below it" in page
    assert "Unblock the whole site <strong>facebook.com</strong> instead" in page
    client_for(it_manager).post(f"/filtering/unblocks/{request.pk}/approve/", {"note": "ok"})
    request.refresh_from_db()
    assert (request.status, request.whole_site) == ("approved", False)


def test_ticking_whole_site_on_the_approval_page_widens_it(imported, client_for, teacher,
                                                          it_manager):
    request = ask(teacher)
    client_for(it_manager).post(f"/filtering/unblocks/{request.pk}/approve/",
                                {"note": "Whole site is fine", "whole_site": "on"})
    request.refresh_from_db()
    assert (request.status, request.whole_site) == ("approved", True)
    page = client_for(teacher).get(f"/filtering/unblocks/{request.pk}/").content.decode()
    assert "The whole site facebook.com" in page and "widened by the approver" in page
    assert "approved for the whole site facebook.com" in page


def test_the_block_page_offers_staff_the_page_not_just_the_site(imported, client_for, teacher):
    page = client_for(teacher).get(
        "/filtering/blocked/?school=hollins-park&url=http%3A//www.youtube.com/watch%3Fv%3Dx"
        "&category=audio-video&rule=group-policy&group=staff").content.decode()
    assert "site=www.youtube.com%2Fwatch%3Fv%3Dx" in page


def test_an_overlong_page_address_gets_a_clear_message_not_an_error(imported, client_for,
                                                                   teacher):
    response = client_for(teacher).post("/filtering/unblocks/new/", {
        "site": "www.example.org/" + "a" * 700, "groups": ["ks3"],
        "starts_at": soon().strftime("%Y-%m-%dT%H:%M"),
        "ends_at": soon(days=1).strftime("%Y-%m-%dT%H:%M"),
        "reason": "A long address for a piece of homework."})
    assert response.status_code == 200
    assert "too long" in response.content.decode()
    assert not UnblockRequest.objects.exists()
