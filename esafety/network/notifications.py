"""Emails about the network: the stale-snapshot alert to the IT managers.

Run after commit, never inside the transaction. A failure is never swallowed: it becomes a
`network_email_failed` audit event, shown on the network sign-in status page.
"""

from __future__ import annotations

from esafety import mail
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.network import events


def _recipients(school: School) -> list[str]:
    people = Person.objects.filter(school=school).current().filter(
        role__in=permissions.roles_with("view_network_status")).exclude(email="")
    return sorted({p.email for p in people})


def snapshot_stale(school: School, text: str) -> bool:
    """Tell the people who watch the network that the filter's policy is out of date."""
    subject = "The web filter's policy is out of date"
    recipients = _recipients(school)
    if not recipients:
        events.email_failed(school=school, subject=subject, recipients=[],
                            error="nobody who watches the network sign-in has an email address")
        return False
    body = (f"{text}\n\nUntil it is fixed, changes to people, AUP answers and filtering rules "
            "do not reach the filter. Open the network sign-in status page in esafety to see "
            "the helpers and when the policy was last published.\n")
    error = mail.send(subject, body, recipients)
    if error is None:
        return True
    events.email_failed(school=school, subject=subject, recipients=recipients, error=error)
    return False
