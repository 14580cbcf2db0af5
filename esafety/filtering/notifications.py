"""Emails web filtering sends: repeated-attempt alerts and wrong-block reports.

Run after the change commits (transaction.on_commit), never inside it: a mail server that
is down must not undo the alert or the report. A failure is never swallowed: it becomes a
`filtering_email_failed` audit event, which the filtering home and alerts pages list, so
someone passes the word on another way.
"""

from __future__ import annotations

import datetime

from django.urls import reverse
from django.utils import timezone

from esafety import mail
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.filtering import events, selectors
from esafety.filtering.models import (
    FilteringAlert,
    InternetSuspension,
    UnblockRequest,
    WrongBlockReport,
)
from esafety.filtering.rules import category_label, school_labels
from esafety.notices import kinds
from esafety.notices import notifications as notices


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


# Handoffs (esafety/notices): a notice in esafety and an email that says where to look.

def _unblock_path(request: UnblockRequest) -> str:
    return reverse("filtering:unblock", args=[request.pk])


def _approvers(school: School) -> list[Person]:
    return list(Person.objects.filter(school=school, role__in=selectors.approver_roles(school))
                .current().order_by("pk"))


@notices.never_raises
def unblock_requested(request_pk: int) -> int:
    """Tell the school's unblock approvers a request waits (not the person who asked)."""
    request = UnblockRequest.objects.select_related("school").get(pk=request_pk)
    people = [p for p in _approvers(request.school) if p.pk != request.requested_by_id]
    told = notices.tell(people, kind=kinds.UNBLOCK_REQUESTED, school=request.school,
                        title="An unblock request waits for a decision",
                        lines=[f"At {request.school}: a member of staff has asked for an "
                               "unblock."],
                        path=_unblock_path(request), about=("unblock", request.pk))
    if not people:
        events.email_failed(school=request.school, subject="An unblock request waits",
                            recipients=[], error="nobody may decide unblock requests: name "
                            "approvers in the filtering settings")
    return len(told.emailed)


@notices.never_raises
def unblock_decided(request_pk: int) -> int:
    """Tell whoever asked that their request was approved or refused."""
    request = UnblockRequest.objects.select_related("school", "requested_by").get(pk=request_pk)
    word = "approved" if request.status == UnblockRequest.APPROVED else "refused"
    told = notices.tell([request.requested_by], kind=kinds.UNBLOCK_DECIDED,
                        school=request.school, title=f"Your unblock request was {word}",
                        lines=[f"At {request.school}: your request to unblock "
                               f"{request.asked_for} was {word}."],
                        path=_unblock_path(request), about=("unblock", request.pk))
    return len(told.emailed)


@notices.never_raises
def unblocks_ending(school_pk: int) -> int:
    """The scheduled check: approved unblocks that end within a day are passed to whoever
    asked, once each. How many were told."""
    school = School.objects.get(pk=school_pk)
    now = timezone.now()
    ending = UnblockRequest.objects.filter(
        school=school, status=UnblockRequest.APPROVED, ends_at__gt=now,
        ends_at__lte=now + datetime.timedelta(days=1)).select_related("requested_by")
    count = 0
    for request in ending:
        told = notices.tell([request.requested_by], kind=kinds.UNBLOCK_ENDING, school=school,
                            title="An unblock you asked for ends within a day",
                            lines=[f"At {school}: the unblock of {request.asked_for} ends "
                                   f"{timezone.localtime(request.ends_at):%A %d %B at %H:%M}."
                                   " Ask again if it is still needed."],
                            path=_unblock_path(request), about=("unblock", request.pk),
                            key=f"unblock-ending:{request.pk}:{request.ends_at.isoformat()}")
        count += len(told.notices)
    return count


def _form_tutors(pupil: Person) -> list[Person]:
    """Staff registered to the pupil's form (their form tutor), if the school records one."""
    if not pupil.form or pupil.school_id is None:
        return []
    return [p for p in Person.objects.filter(school_id=pupil.school_id, form=pupil.form)
            .current().order_by("pk") if p.is_staff_member]


def _suspension_staff(suspension: InternetSuspension, actor_pk: int | None) -> list[Person]:
    leads = list(Person.objects.filter(
        school=suspension.school, role__in=permissions.roles_with("told_of_suspensions"))
        .current().order_by("pk"))
    return [p for p in _form_tutors(suspension.pupil) + leads if p.pk != actor_pk]


def _suspension_path() -> str:
    return reverse("filtering:suspensions")


@notices.never_raises
def suspension_made(suspension_pk: int) -> int:
    """Tell the pupil's form tutor and the safeguarding and online safety leads; and the
    pupil's parents and carers, with the reason in plain words (002 "In the Event of
    Inappropriate Use"). A suspension an incident's sanction made is explained to parents
    with the sanction (incidents/notifications.py), not twice."""
    suspension = InternetSuspension.objects.select_related("school", "pupil").get(
        pk=suspension_pk)
    staff = _suspension_staff(suspension, suspension.created_by_id)
    told = notices.tell(staff, kind=kinds.SUSPENSION_MADE, school=suspension.school,
                        title="A pupil's internet access was suspended",
                        lines=[f"At {suspension.school}: a pupil's internet access has been "
                               "suspended."],
                        path=_suspension_path(), about=("suspension", suspension.pk))
    if not suspension.incident_reference:
        _tell_parents(suspension, made=True)
    return len(told.emailed)


@notices.never_raises
def suspension_lifted(suspension_pk: int) -> int:
    suspension = InternetSuspension.objects.select_related("school", "pupil").get(
        pk=suspension_pk)
    staff = _suspension_staff(suspension, suspension.lifted_by_id)
    told = notices.tell(staff, kind=kinds.SUSPENSION_LIFTED, school=suspension.school,
                        title="A pupil's internet suspension was lifted early",
                        lines=[f"At {suspension.school}: a pupil's internet suspension has "
                               "been lifted."],
                        path=_suspension_path(), about=("suspension", suspension.pk))
    _tell_parents(suspension, made=False)
    return len(told.emailed)


def _tell_parents(suspension: InternetSuspension, *, made: bool) -> None:
    from esafety.incidents.notifications import parent_message

    child = suspension.pupil
    parents = list(child.parents.filter(is_active=True).order_by("pk"))
    if made:
        lines = parent_message(child=child, sanction_words="your child will not be able to "
                               "use the internet at school for a period",
                               reasons=suspension.reason, starts_at=suspension.starts_at,
                               ends_at=suspension.ends_at)
    else:
        lines = [f"We are writing to let you know that {child.first_name or child.display_name}"
                 " can use the internet at school again: the suspension we told you about "
                 "has ended early.", "", "If you have any questions, please contact the "
                 "school."]
    notices.tell(parents, kind=kinds.PARENT_TOLD, school=suspension.school,
                        title="A message from the school about your child", lines=lines,
                        path=reverse("notices:list"), about=("suspension", suspension.pk),
                        safe_line=False)
    if not parents:
        events.email_failed(school=suspension.school,
                            subject="A message to parents about an internet suspension",
                            recipients=[], error="no parent or carer is linked to this "
                            "pupil in esafety: contact them another way")
    # A failed email to them is recorded by notices.tell (notice_email_failed).
