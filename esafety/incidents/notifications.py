"""Email from the incident log, and what became of it.

A new report (or a report that becomes an allegation) is emailed to the people who must know,
after the report has committed. The email says where, not what. Every outcome is recorded in
the incident's history where the case team and the home page see it: "notification_sent"
naming who was emailed, or "notification_failed" with the reason (nobody to tell, no email
address, mail not set up, or the mail server's error). Mail is never sent with
fail_silently: a failure is recorded, never lost.
"""

from __future__ import annotations

import logging
import smtplib

from django.conf import settings
from django.core.mail import get_connection, send_mail
from django.db import transaction
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person
from esafety.incidents import access, history, rules
from esafety.incidents.models import Incident

log = logging.getLogger(__name__)


def recipients_for(incident: Incident) -> list[Person]:
    """Who is told of a new report: the designated person, or the allegation's owner."""
    conf = access.settings_for(incident.school)
    school_people = Person.objects.filter(school=incident.school, is_active=True)
    if incident.is_allegation:
        subject = incident.subject_staff
        if subject is not None and subject.role == roles.HEADTEACHER:
            found = [conf.chair_of_governors] if conf.chair_of_governors else []
        else:
            found = list(school_people.filter(role=roles.HEADTEACHER)
                         .exclude(pk=incident.subject_staff_id))
    elif conf.designated_person is not None:
        found = [conf.designated_person]
    else:
        found = (list(school_people.filter(role=roles.DSL))
                 or list(school_people.filter(role=roles.ONLINE_SAFETY_LEAD))
                 or list(school_people.filter(role=roles.HEADTEACHER)))
    return [p for p in found if p is not None and p.email]


# Mail settings that accept a message without sending it anywhere: with these, nobody
# has been told, and the history must say so.
NOT_SENDING_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend":
        "this install only prints emails on its console (EMAIL_BACKEND is not set up to send)",
    "django.core.mail.backends.dummy.EmailBackend": "this install throws emails away "
                                                     "(EMAIL_BACKEND is the dummy backend)",
    "django.core.mail.backends.filebased.EmailBackend":
        "this install writes emails to files instead of sending them",
}
NOTIFICATION_SENT = "notification_sent"
# Errors about one message (the next one may still go); any other error stops the round.
REFUSED_ONE_MESSAGE = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused,
                       smtplib.SMTPDataError)
NOTIFICATION_FAILED = "notification_failed"


def notify_report(incident_pk: int) -> int:
    """Email the people who must know (after commit). The email says where, not what.

    The outcome is recorded in the incident's history: "notification_sent" naming who was
    emailed, or "notification_failed" with the reason (nobody to tell, no email address,
    mail not set up, or the mail server's error). Never raises: the report is already saved.
    """
    try:
        return _notify_report(incident_pk)
    except Exception:  # noqa: BLE001 - after commit: the report stands, the failure is logged
        log.exception("incident %s: the alert could not be sent or recorded", incident_pk)
        return 0


def _notify_report(incident_pk: int) -> int:
    incident = Incident.objects.select_related("school", "subject_staff").get(pk=incident_pk)
    people = recipients_for(incident)
    failures = []
    if not people:
        failures.append("nobody to tell: name a designated person in incident settings, and "
                        "check the safeguarding lead has an email address")
    backend = getattr(settings, "EMAIL_BACKEND", "")
    if people and backend in NOT_SENDING_BACKENDS:
        failures.append(NOT_SENDING_BACKENDS[backend])
    urgent = incident.kind in rules.URGENT_TYPES
    subject = (f"{'URGENT: ' if urgent else ''}New online safety report {incident.reference}: "
               f"{'allegation about a member of staff' if incident.is_allegation else incident.kind_label}")
    lines = [f"A new report has been made in the online safety incident log at {incident.school}.",
             "", f"Reference: {incident.reference}",
             f"Reported: {timezone.localtime(incident.reported_at):%d %B %Y %H:%M}",
             f"Kind: {'Allegation about a member of staff' if incident.is_allegation else incident.kind_label}"]
    if incident.kind in rules.NO_IMAGE_TYPES:
        lines += ["", "This report concerns nude or sexual images of a child. It is marked for "
                  "police referral. The seeds' steps:"] + [f"- {s}" for s in rules.IMAGE_STEPS]
    lines += ["", f"Sign in to esafety and open Incidents, reference {incident.reference}.",
              "Details are not included in this email to keep them safe."]
    sent = []
    if people and not failures:
        # A mail server that never answers must not hold the reporter's page for ever.
        connection = get_connection(fail_silently=False,
                                    timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 15)
        for index, person in enumerate(people):
            try:
                if send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL,
                             [person.email], connection=connection):
                    sent.append(person)
                else:
                    failures.append(f"the mail server did not accept the email to "
                                    f"{person.display_name}")
            except Exception as exc:  # noqa: BLE001 - any mail failure is recorded, not raised
                log.warning("incident %s: email to %s failed: %s", incident.reference,
                            person.pk, exc)
                failures.append(f"the email to {person.display_name} failed "
                                f"({type(exc).__name__}: {str(exc)[:200]})")
                if not isinstance(exc, REFUSED_ONE_MESSAGE):
                    # The server is down or silent: the others would wait as long again.
                    failures += [f"the email to {p.display_name} was not tried (same problem)"
                                 for p in people[index + 1:]]
                    break
    with transaction.atomic():
        incident = history.lock(incident)
        # Failures first: when some were told, the latest entry says someone was.
        if failures:
            history.append(incident, actor=None, kind=NOTIFICATION_FAILED,
                           data={"to": [p.pk for p in people if p not in sent],
                                 "reason": "; ".join(failures)})
            log.warning("incident %s: alert not sent: %s", incident.reference, failures)
        if sent:
            history.append(incident, actor=None, kind=NOTIFICATION_SENT,
                           data={"to": [p.pk for p in sent],
                                 "name": ", ".join(p.display_name for p in sent)})
    return len(sent)

