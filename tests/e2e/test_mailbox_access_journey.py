"""A real browser: the IT manager asks for a leaver's mailbox, the head approves, the IT
manager records a use, the time runs out (the scheduled job) and the IT manager sees it has
ended."""

import datetime

from django.utils import timezone
from playwright.sync_api import expect

from esafety.audit.models import AuditEvent
from esafety.authorisations.models import Authorisation
from esafety.authorisations.selectors import mailbox_access_authorised
from esafety.authorisations.tasks import expire_authorisations_task
from esafety.directory import roles
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in


def test_a_leavers_mailbox_from_request_to_expiry(page, school, make_person, headteacher,
                                                  it_manager):
    leaver = make_person(roles.TEACHER, first_name="Lee", last_name="Leaver",
                         left_on=timezone.localdate() - datetime.timedelta(days=10),
                         is_active=False)

    sign_in(page, "itm", PASSWORD)
    follow(page.get_by_role("link", name="Access authorisations"))
    follow(page.get_by_role("link", name="Ask for access"))
    page.get_by_label("What do you need?").select_option(label="Access to someone's mailbox")
    page.get_by_label("Whose mailbox").select_option(label="Lee Leaver, teacher (left)")
    page.get_by_label("Why is the access needed?").fill(
        "Parents are still emailing Mr Leaver about Year 11 coursework; I will forward them.")
    page.get_by_label("For how many days?").fill("14")
    follow(page.get_by_role("button", name="Send the request"))
    expect(page.get_by_text("Your request is with the headteacher or their nominee.")).to_be_visible()
    auth = Authorisation.objects.get()
    assert (auth.status, auth.subject, auth.reader) == ("pending", leaver, it_manager)
    assert page.locator("#use").count() == 0  # nothing to use until it is approved

    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "head", PASSWORD)
    page.goto("/authorisations/")
    follow(page.locator("#waiting").get_by_role("link"))
    page.get_by_label("Approve").check()
    page.get_by_label("I am satisfied there are reasonable grounds for this").check()
    page.get_by_label("Note").fill("Coursework emails only.")
    follow(page.get_by_role("button", name="Save the decision"))
    expect(page.get_by_text("Approved: it ends on its own when its time runs out.")).to_be_visible()
    auth.refresh_from_db()
    assert (auth.status, auth.decided_by) == ("approved", headteacher)
    assert mailbox_access_authorised(school, leaver, it_manager) == auth

    follow(page.get_by_role("button", name="Sign out"))
    sign_in(page, "itm", PASSWORD)
    page.goto(f"/authorisations/{auth.pk}/")
    assert page.locator("#status").inner_text().startswith("In force until")
    page.get_by_label("What did you do with the access?").fill(
        "Forwarded three parent emails to the head of English.")
    follow(page.get_by_role("button", name="Record this use"))
    expect(page.locator("#uses").get_by_text("Forwarded three parent emails")).to_be_visible()

    # The time runs out: the end moved into the past, and the scheduled job's turn.
    Authorisation.objects.filter(pk=auth.pk).update(
        expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert expire_authorisations_task.call(school.pk) == 1

    page.goto(f"/authorisations/{auth.pk}/")
    assert page.locator("#status").inner_text().startswith("This access has ended")
    assert page.locator("#use").count() == 0
    page.goto("/notices/")
    expect(page.get_by_text("An access you were given has ended")).to_be_visible()
    assert mailbox_access_authorised(school, leaver, it_manager) is None
    assert list(AuditEvent.objects.filter(object_type="authorisation", object_id=str(auth.pk))
                .exclude(event_type="access_viewed").order_by("pk")
                .values_list("event_type", flat=True)) == [
        "access_requested", "access_approved", "access_used", "access_expired"]
