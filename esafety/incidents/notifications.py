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

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from esafety import mail
from esafety.directory import roles
from esafety.directory.models import Person
from esafety.incidents import access, history, rules
from esafety.incidents.models import STATUS_CLOSED, Incident
from esafety.notices import kinds
from esafety.notices import notifications as notices
from esafety.notices.plain import plain

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


NOTIFICATION_SENT = "notification_sent"
NOTIFICATION_FAILED = "notification_failed"
PARENTS_TOLD = "parents_told"


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
    urgent = incident.kind in rules.URGENT_TYPES
    what = ("an allegation about a member of staff" if incident.is_allegation
            else "a new online safety report")
    title = f"{what[0].upper()}{what[1:]} waits for you ({incident.reference})"
    lines = [f"In the online safety incident log at {incident.school}.",
             f"Reference: {incident.reference}",
             f"Reported: {timezone.localtime(incident.reported_at):%d %B %Y %H:%M}",
             f"Kind: {'Allegation about a member of staff' if incident.is_allegation else incident.kind_label}"]
    if incident.kind in rules.NO_IMAGE_TYPES:
        lines += ["", "This report concerns nude or sexual images of a child. It is marked for "
                  "police referral. The seeds' steps:"] + [f"- {s}" for s in rules.IMAGE_STEPS]
    lines += ["", f"Sign in to esafety and open Incidents, reference {incident.reference}."]
    subject = (f"{'URGENT: ' if urgent else ''}New online safety report {incident.reference}: "
               f"{'allegation about a member of staff' if incident.is_allegation else incident.kind_label}")
    sent: list[Person] = []
    if people:
        told = notices.tell(people, kind=kinds.ALLEGATION if incident.is_allegation
                            else kinds.NEW_REPORT, school=incident.school, title=title,
                            lines=lines, path=reverse("incidents:detail", args=[incident.pk]),
                            urgent=urgent, about=("incident", incident.pk), subject=subject)
        sent, failures = told.emailed, failures + told.failures
    with transaction.atomic():
        incident = history.lock(incident)
        # Failures first: when some were told, the latest entry says someone was.
        if failures:
            history.append(incident, actor=None, kind=NOTIFICATION_FAILED,
                           data={"to": [p.pk for p in people if p not in sent],
                                 "reason": "; ".join(failures)})
            mail.log_failures(log, f"incident {incident.reference}: alert not sent", failures)
        if sent:
            history.append(incident, actor=None, kind=NOTIFICATION_SENT,
                           data={"to": [p.pk for p in sent],
                                 "name": ", ".join(p.display_name for p in sent)})
    return len(sent)



def _case_path(incident: Incident) -> str:
    return reverse("incidents:detail", args=[incident.pk])


@notices.never_raises
def investigator_added(incident_pk: int, person_pk: int) -> int:
    """Tell someone they are now an investigator on a case (after commit); how many emailed."""
    incident = Incident.objects.select_related("school").get(pk=incident_pk)
    person = Person.objects.get(pk=person_pk)
    told = notices.tell([person], kind=kinds.INVESTIGATOR_ADDED, school=incident.school,
                        title=f"You are an investigator on case {incident.reference}",
                        lines=[f"At {incident.school}: you have been named an investigator "
                               f"on case {incident.reference}."],
                        path=_case_path(incident), about=("incident", incident.pk))
    return len(told.emailed)


@notices.never_raises
def signoff_needed(incident_pk: int, evidence_pk: int, actor_pk: int | None) -> int:
    """A screenshot was added: the investigators sign it off (002 'printed, signed and
    attached'); each is told, except whoever added it."""
    incident = Incident.objects.select_related("school").get(pk=incident_pk)
    people = [row.person for row in incident.investigators.select_related("person")
              .filter(stood_down_at__isnull=True) if row.person_id != actor_pk]
    told = notices.tell(people, kind=kinds.SIGNOFF_NEEDED, school=incident.school,
                        title=f"A screenshot on case {incident.reference} waits for your "
                              "signature",
                        lines=[f"At {incident.school}: a screenshot was added to case "
                               f"{incident.reference}; the investigators sign it off."],
                        path=_case_path(incident), about=("incident", incident.pk),
                        key=f"signoff:{evidence_pk}")
    return len(told.emailed)


# What each sanction means, in words for parents and carers (no codes, no references).
PARENT_SANCTION_WORDS = {
    rules.INTERNET_SUSPENSION: "your child will not be able to use the internet at school "
                               "for a period",
    "further_restrictions": "your child will not be able to use the school's computers and "
                            "devices for a period",
    rules.LETTER_TO_PARENTS: "the school is writing to you to explain what happened",
    "anti_bullying": "the school is dealing with it under its anti-bullying policy",
}


def parent_message(*, child: Person, sanction_words: str, reasons: str,
                   starts_at=None, ends_at=None) -> list[str]:
    """What parents and carers are told: plain words, no policy codes or references."""
    lines = [f"We are writing to let you know that {sanction_words}.",
             "", "The reason, in the school's words:", plain(reasons) or "(not given)"]
    if starts_at and ends_at:
        lines += ["", f"From {timezone.localtime(starts_at):%A %d %B %Y at %H:%M} "
                      f"until {timezone.localtime(ends_at):%A %d %B %Y at %H:%M}."]
    lines += ["", f"This is about {child.first_name or child.display_name}. If you have any "
                  "questions, please contact the school."]
    return lines


@notices.never_raises
def parents_of_sanction(sanction_pk: int) -> int:
    """002 "In the Event of Inappropriate Use": parents/carers "will be contacted to explain
    the reason". Each linked parent gets an email and a notice in plain words; the message
    and who it reached are kept in the case's history ("parents_told")."""
    from esafety.incidents.models import Sanction

    sanction = Sanction.objects.select_related("incident__school", "person").get(pk=sanction_pk)
    child = sanction.person
    incident = sanction.incident
    if not child.is_pupil or sanction.kind == rules.NO_SANCTION:
        return 0
    parents = list(child.parents.filter(is_active=True).order_by("pk"))
    words = PARENT_SANCTION_WORDS.get(sanction.kind, "the school has recorded a consequence "
                                                     "for your child")
    lines = parent_message(child=child, sanction_words=words, reasons=sanction.reasons,
                           starts_at=sanction.starts_at, ends_at=sanction.ends_at)
    told = notices.tell(parents, kind=kinds.PARENT_TOLD, school=incident.school,
                        title="A message from the school about your child", lines=lines,
                        path=reverse("notices:list"), about=("incident", incident.pk),
                        safe_line=False)
    failures = told.failures or ([] if parents else
                                 ["no parent or carer is linked to this pupil in esafety"])
    with transaction.atomic():
        locked = history.lock(incident)
        history.append(locked, actor=None, kind=PARENTS_TOLD, data={
            "sanction": sanction.pk, "message": "\n".join(lines),
            "to": [p.pk for p in told.emailed],
            "name": ", ".join(p.display_name for p in told.emailed),
            "not_reached": [p.display_name for p in parents if p not in told.emailed],
            "reason": "; ".join(failures)})
    return len(told.emailed)


@notices.never_raises
def reviews_due(school_pk: int) -> int:
    """The daily check: each open case whose next action is due today or overdue is passed
    to its owner (or whoever a new report goes to); each once a day. How many were told."""
    from esafety.directory.models import School

    school = School.objects.get(pk=school_pk)
    today = timezone.localdate()
    due = (Incident.objects.filter(school=school, next_action_due__lte=today)
           .exclude(status=STATUS_CLOSED).select_related("owner"))
    count = 0
    for incident in due:
        # Its owner; without one, whoever a new report would go to (the designated person
        # or the safeguarding lead; an allegation's owner).
        people = [incident.owner] if incident.owner else recipients_for(incident)
        told = notices.tell(people, kind=kinds.REVIEW_DUE, school=school,
                            title=f"Case {incident.reference}: the next action is due",
                            lines=[f"At {school}: the next action on case "
                                   f"{incident.reference} was due "
                                   f"{incident.next_action_due:%d %B %Y}."],
                            path=_case_path(incident), about=("incident", incident.pk),
                            key=f"review:{incident.pk}:{today.isoformat()}")
        count += len(told.notices)
    return count
