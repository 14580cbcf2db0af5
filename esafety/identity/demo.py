"""The demo school's sign-in: two-factor off (with the reason on the IT manager's page) so
the printed logins work for a newcomer without an authenticator app; and, in a checkout with
the test identity provider (devidp/), the demo school signs in with it."""

from __future__ import annotations

from esafety.directory.models import School
from esafety.identity import actions

TWO_FACTOR_NOTE = ("Demo school: off so the printed logins work without an authenticator app. "
                   "A real school keeps it on.")


def load_demo_sign_in(school: School) -> None:
    changes: dict = {"two_factor_for_leaders": False, "two_factor_note": TWO_FACTOR_NOTE}
    try:
        from devidp.demo import DEMO_SIGN_IN  # a checkout with the dev dependencies only
    except ImportError:
        pass
    else:
        changes.update(DEMO_SIGN_IN)
    actions.sign_in_configure(actor=None, school=school, changes=changes)
