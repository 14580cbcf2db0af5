"""A teacher checks a message in a real browser before sending it."""

import pytest

from tests.conftest import PASSWORD
from tests.e2e.conftest import sign_in

pytestmark = pytest.mark.e2e


def test_teacher_checks_a_message_and_sees_what_to_do(page, teacher):
    sign_in(page, teacher.username, PASSWORD)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Check a message").click()
    page.get_by_label("Paste the message").fill(
        "Dear parents, PLEASE RETURN THE CONSENT FORMS BY FRIDAY. Text me on 07700 900123. "
        "Honestly this sh1t trip is a nightmare.")
    page.get_by_role("button", name="Check this message").click()
    verdict = page.locator("#verdict")
    assert "WARN" in verdict.get_by_role("heading", level=2).inner_text()
    assert verdict.get_by_role("heading", name="Swearing or obscene language").is_visible()
    assert verdict.get_by_role("heading", name="Continuous capital letters").is_visible()
    assert "004 §2.1.3" in verdict.inner_text()
    assert "sh1t" in verdict.inner_text()
    # The pasted text stays in the box, so the teacher can fix it and check again.
    assert "sh1t" in page.get_by_label("Paste the message").input_value()
