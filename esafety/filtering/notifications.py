"""Emails web filtering sends: repeated-attempt alerts and wrong-block reports.

Run after the change commits (transaction.on_commit), never inside it: a mail server that
is down must not undo the alert or the report. A failure is never swallowed: it becomes a
`filtering_email_failed` audit event, which the filtering home and alerts pages list, so
someone passes the word on another way.
"""

from __future__ import annotations

from django.utils import timezone

from esafety import mail
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.filtering import events, selectors
from esafety.filtering.models import FilteringAlert, WrongBlockReport
from esafety.filtering.rules import category_label, school_labels


def _send(school: School, subject: str, body: str, recipients: list[str], nobody: str) -> bool:
    error = mail.send(subject, body, recipients) if recipients else nobody
    if error is None:
        return True
    events.email_failed(school=school, subject=subject, recipients=recipients, error=error)
    return False


def wrong_block_reported(report: WrongBlockReport) -> bool:
    """Tell the people who decide unblock requests that someone says a block is wrong."""
    school = report.school
    recipients = [p.email for p in Person.objects.filter(
        school=school, role__in=selectors.approver_roles(school), is_active=True) if p.email]
    label = category_label(report.category, school_labels(school)) or "-"
    body = (f"{report.reported_by.display_name} says this block is wrong:\n\n"
            f"{report.url}\nCategory: {label}\n\n{report.comment}\n")
    return _send(school, f"Wrong block reported: {report.host}", body, recipients,
                 "nobody who decides unblock requests has an email address")


def repeated_attempts(school: School, alerts: list[FilteringAlert]) -> bool:
    """Tell the people 002 names about repeated attempts to reach blocked sites (003 §4.4):
    the online safety lead, the assistant headteacher and the headteacher."""
    leads = [p.email for p in Person.objects.filter(
        school=school, role__in=permissions.roles_with("receive_filtering_alerts"),
        is_active=True).order_by("pk") if p.email]
    labels = school_labels(school)
    lines = [f"- {a.person.display_name}: {a.attempts} blocked attempts at "
             f"{category_label(a.category, labels)} "
             f"between {timezone.localtime(a.first_at):%H:%M} and "
             f"{timezone.localtime(a.last_at):%H:%M}" for a in alerts]
    body = ("003 \u00a74.4: prolonged or regular access to such sites is considered as "
            "intentional misuse.\n\n" + "\n".join(lines) + "\n")
    return _send(school, "Repeated attempts to reach blocked sites", body, leads,
                 "nobody who receives filtering alerts (online safety lead, assistant "
                 "headteacher, headteacher) has an email address")
