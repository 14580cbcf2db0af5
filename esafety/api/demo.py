"""Demo data for the check API: one token the IT manager made for the Outlook add-in (its
value is not kept anywhere, as with a real one)."""

from __future__ import annotations

from esafety.api import actions
from esafety.api.models import ApiToken
from esafety.directory import roles
from esafety.directory.models import Person


def load_demo_api(school) -> None:
    """Idempotent: nothing is added when the school already has a token."""
    if ApiToken.objects.filter(school=school).exists():
        return
    maker = (Person.objects.filter(school=school, role=roles.IT_MANAGER).order_by("pk").first()
             or Person.objects.filter(school=school, role=roles.HEADTEACHER).order_by("pk").first())
    if maker is not None:
        actions.token_create(actor=maker, school=school, name="Outlook add-in (demo)")
