"""A real browser: a teacher meets a block page, asks for an unblock, the IT manager approves;
an unblock for a page opens that page only; suspensions are for the roles the policy names."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from esafety.engine.urls.normalise import parse_target
from esafety.filtering import actions, publish
from esafety.filtering.models import InternetSuspension, UnblockRequest
from esafety.filtering.rules import SAMPLE_LISTS
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in


def test_a_teacher_asks_from_the_block_page_and_the_it_manager_approves(
        page, settings, tmp_path, school, teacher, it_manager, pupil):
    settings.DATA_DIR = tmp_path
    actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)

    # Where Squid sends a Key Stage 3 pupil's colleague who tried a gambling site.
    sign_in(page, "teacher", PASSWORD)
    page.goto("/filtering/blocked/?school=hollins-park&url=http%3A//www.bet365.com/"
              "&category=gambling&rule=group-policy&group=staff&user=teacher")
    assert page.get_by_role("heading", level=1).inner_text() == "This page is blocked"
    expect(page.get_by_text("Gambling", exact=False).first).to_be_visible()
    follow(page.get_by_role("link", name="Ask to unblock all of Gambling"))

    assert page.get_by_label("Category").input_value() != ""
    page.get_by_label("Key Stage 3").check()
    page.get_by_label("Reason").fill("Year 8 PSHE: how gambling adverts target young people.")
    follow(page.get_by_role("button", name="Send request"))
    expect(page.get_by_text("Your request has been sent for a decision.")).to_be_visible()
    request = UnblockRequest.objects.get()
    assert request.status == "pending"

    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "itm", PASSWORD)
    page.goto("/filtering/")
    follow(page.get_by_role("link", name=str(request)))
    page.get_by_label("Note").fill("Fine for the PSHE unit.")
    follow(page.get_by_role("button", name="Approve"))
    expect(page.get_by_text("Approved. The unblock starts and ends by itself.")).to_be_visible()

    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", it_manager)
    moment = (timezone.now() + datetime.timedelta(minutes=5)).timestamp()
    decision = publish.current_policy(school).decide(parse_target("http://www.bet365.com/"),
                                                     "pupil", moment)
    assert (decision.action, decision.rule) == ("allow", "unblock")


def test_a_page_unblock_opens_that_page_and_the_approver_sees_the_whole_site_choice(
        page, settings, tmp_path, school, teacher, it_manager, pupil):
    settings.DATA_DIR = tmp_path
    actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)

    sign_in(page, "teacher", PASSWORD)
    page.goto("/filtering/blocked/?school=hollins-park&url=http%3A//www.facebook.com/groups/"
              "school-robotics&category=social_networks&rule=group-policy&group=staff"
              "&user=teacher")
    expect(page.get_by_text("Social networks", exact=False).first).to_be_visible()
    follow(page.get_by_role("link", name="Ask to unblock this page"))
    assert page.get_by_label("Or a site or a page").input_value() == (
        "www.facebook.com/groups/school-robotics")
    page.get_by_label("Key Stage 3").check()
    page.get_by_label("Reason").fill("Robotics club: pupils post photos of their builds.")
    follow(page.get_by_role("button", name="Send request"))
    request = UnblockRequest.objects.get()
    assert (request.site, request.path) == ("facebook.com", "/groups/school-robotics")

    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "itm", PASSWORD)
    page.goto(f"/filtering/unblocks/{request.pk}/")
    expect(page.get_by_text("The page facebook.com/groups/school-robotics and the pages "
                            "below it")).to_be_visible()
    whole_site = page.get_by_label("Unblock the whole site facebook.com instead")
    assert not whole_site.is_checked()
    follow(page.get_by_role("button", name="Approve"))
    expect(page.get_by_text("Approved. The unblock starts and ends by itself.")).to_be_visible()

    moment = (timezone.now() + datetime.timedelta(minutes=5)).timestamp()
    policy = publish.current_policy(school)

    def answer(url):
        return policy.decide(parse_target(url), "pupil", moment, "GET", url).action

    assert answer("http://www.facebook.com/groups/school-robotics/photos") == "allow"
    assert answer("http://www.facebook.com/") == "block"


def test_a_teacher_cannot_reach_suspensions_and_the_dsl_is_held_to_the_maximum(
        page, settings, tmp_path, school, teacher, dsl, it_manager, pupil):
    settings.DATA_DIR = tmp_path
    actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)

    sign_in(page, "teacher", PASSWORD)
    page.goto("/filtering/")
    assert page.get_by_role("heading", name="Suspensions").count() == 0
    assert page.goto("/filtering/suspensions/").status == 404
    page.goto("/")
    follow(page.get_by_role("button", name="Sign out"))

    sign_in(page, "dsl", PASSWORD)
    page.goto("/filtering/suspensions/")
    start = timezone.localtime() + datetime.timedelta(hours=1)
    # The person picker: a drop-down while the school has few pupils.
    page.get_by_label("Pupil", exact=True).select_option(f"{pupil.display_name} (pupil)")
    page.get_by_label("From").fill(start.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Until").fill((start + datetime.timedelta(days=3650))
                                    .strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label("Reason").fill("Games in ICT after two warnings.")
    follow(page.get_by_role("button", name="Suspend"))
    expect(page.get_by_text("A suspension can last at most 28 days")).to_be_visible()
    assert not InternetSuspension.objects.exists()
    page.get_by_label("Until").fill((start + datetime.timedelta(hours=1))
                                    .strftime("%Y-%m-%dT%H:%M"))
    follow(page.get_by_role("button", name="Suspend"))
    expect(page.get_by_text(f"Internet access of {pupil.display_name} suspended.")).to_be_visible()
    assert InternetSuspension.objects.get().created_by == dsl
