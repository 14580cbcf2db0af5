"""Email about concerns, and what became of it.

An urgent concern (self-harm, suicide, abuse) is emailed to the safeguarding leads at once,
after it has committed; the others go into a daily summary (`send_daily_digest(school)`,
run once a day by esafety's scheduled work). The email says where to look, never what was
found, with a link; it is sent through esafety/mail.py. Every outcome is recorded: on the
concern (who it reached, or why it did not) and in the audit trail ("concern_email_sent",
"concern_email_failed"), which the email problems page shows the IT manager.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from esafety import mail
from esafety.concerns import access, events, rules
from esafety.concerns.models import Concern
from esafety.directory.models import Person, School
from esafety.notices import kinds
from esafety.notices import notifications as notices
from esafety.notices import selectors as notice_selectors

log = logging.getLogger(__name__)

URGENT, DIGEST = "urgent", "daily summary"


def link(path: str) -> str:
    """An address people can open from their email, on the address they type (the first of
    CSRF_TRUSTED_ORIGINS, README "Behind a reverse proxy"); the path alone without one
    (it still says where to look)."""
    return notices.link(path)


def _deliver(people: list[Person], subject: str, body: str) -> tuple[list[Person], list[str]]:
    """One email to each person (esafety/mail.py); (who it reached, what went wrong)."""
    if not people:
        return [], ["nobody to tell: the school has no safeguarding lead or headteacher in "
                    "esafety (name a designated person under Incidents > Incident settings)"]
    return mail.send_each(people, subject, body)


def notify_urgent(concern_pk: int) -> int:
    """Email the safeguarding leads about a new urgent concern (after commit). Never raises:
    the concern is already saved; the outcome is recorded on it and in the trail."""
    try:
        return _notify_urgent(concern_pk)
    except Exception:  # noqa: BLE001 - after commit: the concern stands, the failure is logged
        log.exception("concern %s: the urgent email could not be sent or recorded", concern_pk)
        return 0


def _notify_urgent(concern_pk: int) -> int:
    concern = Concern.objects.select_related("school").get(pk=concern_pk)
    # The leads, then the deputies and out-of-hours contacts the school lists (notices).
    leads = access.leads(concern.school)
    people = leads + [p for p in notice_selectors.urgent_contacts(concern.school)
                      if p not in leads]
    subject = f"URGENT: a safeguarding concern is waiting for you ({concern.reference})"
    lines = [
        f"An urgent safeguarding concern has been raised at {concern.school}.",
        "",
        f"Reference: {concern.reference}",
        f"Raised: {timezone.localtime(concern.raised_at):%d %B %Y %H:%M}",
        f"From: {concern.source_label}",
        "",
        "Press \"I have seen this\" on your Notices page in esafety, so the others know.",
    ]
    if not people:
        sent, failures = _deliver(people, subject, "")
    else:
        # A notice each (with "I have seen this") and an email each, always (never turned off).
        told = notices.tell(people, kind=kinds.URGENT_CONCERN, school=concern.school,
                            title=f"A safeguarding concern is waiting for you "
                                  f"({concern.reference})", lines=lines,
                            path=reverse("concerns:detail", args=[concern.pk]), urgent=True,
                            about=("concern", concern.pk), subject=subject,
                            record_failures=False)
        sent, failures = told.emailed, told.failures
    with transaction.atomic():
        concern = Concern.objects.select_for_update().get(pk=concern_pk)
        concern.emailed_to = [p.display_name for p in sent]
        concern.email_failure = "; ".join(failures)
        concern.emailed_at = timezone.now()
        concern.save(update_fields=["emailed_to", "email_failure", "emailed_at"])
        if sent:
            events.concern_email_sent(concern=concern, school=concern.school, kind=URGENT,
                                      to=[p.display_name for p in sent])
        if failures:
            mail.log_failures(log, f"concern {concern.reference}: urgent email problems",
                              failures)
            events.concern_email_failed(concern=concern, school=concern.school, kind=URGENT,
                                        to=[p.display_name for p in people if p not in sent],
                                        error="; ".join(failures))
    return len(sent)


def send_daily_digest(school: School) -> int:
    """The daily summary: how many concerns arrived since the last one, from where, and how
    many urgent ones still wait for someone to act; never what they say. Concerns counted
    are marked so tomorrow's summary does not count them again. Sends nothing when there
    is nothing new and nothing urgent waiting. Returns how many people it reached; every
    failure is recorded (concern_email_failed) and the concerns stay for the next summary."""
    fresh = list(Concern.objects.filter(school=school, digested_at__isnull=True,
                                        urgent=False).order_by("raised_at"))
    waiting = Concern.objects.filter(school=school, urgent=True, state=rules.NEW).count()
    if not fresh and not waiting:
        return 0
    by_source: dict[str, int] = {}
    for concern in fresh:
        by_source[concern.source_label] = by_source.get(concern.source_label, 0) + 1
    lines = [f"Concerns at {school}, {timezone.localtime():%A %d %B %Y}.", ""]
    if fresh:
        lines.append(f"{len(fresh)} new concern{'s' if len(fresh) != 1 else ''} since the "
                     "last summary:")
        lines += [f"- {label}: {n}" for label, n in sorted(by_source.items())]
    else:
        lines.append("No new concerns since the last summary.")
    if waiting:
        lines += ["", f"{waiting} urgent concern{'s' if waiting != 1 else ''} still "
                      f"wait{'s' if waiting == 1 else ''} for someone to act."]
    lines += ["", f"Open the inbox here: {link(reverse('concerns:inbox'))}",
              "Details are not included in this email to keep them safe."]
    people = access.leads(school)
    subject = f"Concerns: your daily summary for {school}"
    sent, failures = _deliver(people, subject, "\n".join(lines))
    with transaction.atomic():
        if sent:
            Concern.objects.filter(pk__in=[c.pk for c in fresh]).update(
                digested_at=timezone.now())
            events.concern_email_sent(concern=None, school=school, kind=DIGEST,
                                      to=[p.display_name for p in sent])
        if failures:
            mail.log_failures(log, f"{school}: daily concerns summary problems", failures)
            events.concern_email_failed(concern=None, school=school, kind=DIGEST,
                                        to=[p.display_name for p in people if p not in sent],
                                        error="; ".join(failures))
    return len(sent)
