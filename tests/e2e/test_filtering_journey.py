"""A real browser: a teacher meets a block page, asks for an unblock, the IT manager approves."""

import datetime

from django.utils import timezone

from esafety.engine.urls.normalise import parse_target
from esafety.filtering import actions, publish
from esafety.filtering.models import UnblockRequest
from esafety.filtering.rules import SAMPLE_LISTS
from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in


def test_a_teacher_asks_from_the_block_page_and_the_it_manager_approves(
        page, settings, tmp_path, school, teacher, it_manager, pupil):
    settings.DATA_DIR = tmp_path
    actions.lists_import(actor=it_manager, school=school, source=SAMPLE_LISTS)

    # Where Squid sends a Key Stage 3 pupil's colleague who tried a gambling site.
    sign_in(page, "teacher", PASSWORD)
    page.goto("/filtering/blocked/?school=hollins-park&url=http%3A//www.bet365.com/"
              "&category=gambling&rule=group-policy&group=staff&user=teacher")
    assert page.get_by_role("heading", level=1).inner_text() == "This page is blocked"
    assert page.get_by_text("Gambling", exact=False).first.is_visible()
    page.get_by_role("link", name="ask for an unblock").click()

    assert page.get_by_label("Category").input_value() != ""
    page.get_by_label("Key Stage 3").check()
    page.get_by_label("Reason").fill("Year 8 PSHE: how gambling adverts target young people.")
    page.get_by_role("button", name="Send request").click()
    assert page.get_by_text("Your request has been sent for a decision.").is_visible()
    request = UnblockRequest.objects.get()
    assert request.status == "pending"

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, "itm", PASSWORD)
    page.goto("/filtering/")
    page.get_by_role("link", name=str(request)).click()
    page.get_by_label("Note").fill("Fine for the PSHE unit.")
    page.get_by_role("button", name="Approve").click()
    assert page.get_by_text("Approved. The unblock starts and ends by itself.").is_visible()

    request.refresh_from_db()
    assert (request.status, request.decided_by) == ("approved", it_manager)
    moment = (timezone.now() + datetime.timedelta(minutes=5)).timestamp()
    decision = publish.current_policy(school).decide(parse_target("http://www.bet365.com/"),
                                                     "pupil", moment)
    assert (decision.action, decision.rule) == ("allow", "unblock")
