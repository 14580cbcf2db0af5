"""Sending email: one way for every app, so no failure is ever silent.

Callers send after their change commits (transaction.on_commit), never inside it: a mail
server that is down must not undo a report or an alert. These functions never raise; they
say what went wrong, and the caller records it through its app's events.py where an
administrator sees it.
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Sequence
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import get_connection, send_mail

if TYPE_CHECKING:
    from esafety.directory.models import Person

log = logging.getLogger(__name__)

# Backends that accept a message without sending it: the email did not reach anyone.
NOT_SENDING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend":
        "this install only prints emails on its console (EMAIL_BACKEND is not set up to send)",
    "django.core.mail.backends.dummy.EmailBackend": "this install throws emails away "
                                                     "(EMAIL_BACKEND is the dummy backend)",
    "django.core.mail.backends.filebased.EmailBackend":
        "this install writes emails to files instead of sending them",
}
# Errors about one message (the next one may still go); any other error stops the round.
REFUSED_ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                       smtplib.SMTPDataError)


_SAID_ONCE: set[str] = set()


def log_failures(logger: logging.Logger, what: str, failures: Sequence[str]) -> None:
    """Log a round of emails that did not all go. An install that sends no email at all
    (the demo's console backend) is said once per process, not once per notice: every
    notice and event still records it, but the console stays readable."""
    if failures and all(f in NOT_SENDING_BACKENDS.values() for f in failures):
        said = failures[0]
        if said in _SAID_ONCE:
            return
        _SAID_ONCE.add(said)
        logger.warning("%s: %s (said once; every notice and event records it)", what, said)
        return
    logger.warning("%s: %s", what, "; ".join(failures))


def connection():
    # A mail server that never answers must not hold a page or a job for ever.
    return get_connection(fail_silently=False,
                          timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 15)


def send(subject: str, body: str, recipients: Sequence[str]) -> str | None:
    """One email to these addresses. None when the mail server took it; otherwise what went
    wrong, in words for the page or the audit trail."""
    if not recipients:
        return "nobody to send it to"
    try:
        if send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, list(recipients),
                     connection=connection()):
            return None
        error = "the mail server did not accept the email"
    except Exception as exc:  # noqa: BLE001 - any mail failure is reported, not raised
        error = f"{type(exc).__name__}: {str(exc)[:300]}"
    log.warning("email %r to %s not sent: %s", subject, list(recipients), error)
    return error


def send_each(people: Sequence[Person], subject: str,
              body: str) -> tuple[list[Person], list[str]]:
    """One email to each person, so nobody sees who else was told: (who it reached, what
    went wrong). Someone with no address, a backend that does not send, a refused message
    and a server that is down are each said; after a server failure the rest are not tried
    (they would wait as long again) and are named as such."""
    failures = [f"{p.display_name} has no email address" for p in people if not p.email]
    with_address = [p for p in people if p.email]
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if with_address and backend in NOT_SENDING_BACKENDS:
        return [], failures + [NOT_SENDING_BACKENDS[backend]]
    sent: list[Person] = []
    if not with_address:
        return sent, failures
    link = connection()
    for index, person in enumerate(with_address):
        try:
            if send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [person.email],
                         connection=link):
                sent.append(person)
            else:
                failures.append(f"the mail server did not accept the email to "
                                f"{person.display_name}")
        except Exception as exc:  # noqa: BLE001 - any mail failure is reported, not raised
            log.warning("email %r to person %s failed: %s", subject, person.pk, exc)
            failures.append(f"the email to {person.display_name} failed "
                            f"({type(exc).__name__}: {str(exc)[:200]})")
            if not isinstance(exc, REFUSED_ONE_MESSAGE):
                failures += [f"the email to {p.display_name} was not tried (same problem)"
                             for p in with_address[index + 1:]]
                break
    return sent, failures
