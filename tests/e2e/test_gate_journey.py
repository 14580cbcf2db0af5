"""A real browser signs in, meets the Acceptable Use gate, and passes it."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from esafety.directory import roles
from esafety.policies import actions
from esafety.policies.models import Acceptance
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in


def test_a_teacher_signs_in_accepts_the_aup_and_reaches_the_home_page(page, headteacher, teacher):
    document = actions.policy_document_create(actor=headteacher, school=headteacher.school,
                                              title="Acceptable Use Policy for staff",
                                              audience=roles.AUDIENCE_STAFF)
    actions.policy_publish(actor=headteacher, document=document, number="2.0",
                           text="Use only your own account and password.",
                           approved_by="Full governing body",
                           approved_on=timezone.localdate() - datetime.timedelta(days=1),
                           review_due=timezone.localdate() + datetime.timedelta(days=365))

    sign_in(page, "teacher", PASSWORD)

    assert "/policies/acceptable-use/" in page.url
    assert page.get_by_role("heading", level=1).inner_text().startswith("Before you can use")
    expect(page.get_by_text("Use only your own account and password.")).to_be_visible()
    follow(page.get_by_role("button", name="I accept"))

    expect(page.get_by_role("heading", name="Hello, Tom")).to_be_visible()
    expect(page.get_by_text("Thank you. You have accepted")).to_be_visible()
    assert Acceptance.objects.get(person=teacher).decision == "accepted"


def test_a_pupil_who_declines_is_kept_at_the_gate(page, headteacher, pupil):
    document = actions.policy_document_create(actor=headteacher, school=headteacher.school,
                                              title="ICT contract", audience=roles.AUDIENCE_KS3)
    actions.policy_publish(actor=headteacher, document=document, number="1.0",
                           text="I will keep my password secret.", approved_by="GB",
                           approved_on=timezone.localdate() - datetime.timedelta(days=1),
                           review_due=timezone.localdate() + datetime.timedelta(days=365))

    sign_in(page, "pupil", PASSWORD)
    follow(page.get_by_role("button", name="I do not accept"))

    expect(page.get_by_text("You said you do not accept these rules")).to_be_visible()
    # Kept at the gate, but never kept from telling someone.
    expect(page.get_by_role("link", name="Tell us what happened")).to_be_visible()
    page.goto("/")
    assert "/policies/acceptable-use/" in page.url
    follow(page.get_by_role("button", name="Sign out"))
    assert "/sign-in/" in page.url
