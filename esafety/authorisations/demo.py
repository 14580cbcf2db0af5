"""Demo access authorisations a school would recognise: the IT manager asking for a leaver's
mailbox (approved, used), an investigation the DSL asked for (approved), one waiting for the
head, one refused and one that ended when its time ran out. Made through the actions."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.authorisations import actions
from esafety.authorisations.models import ACCOUNT, INVESTIGATION, MAILBOX, Authorisation
from esafety.directory import roles
from esafety.directory.models import Person, School


def _first(school: School, role: str) -> Person | None:
    return Person.objects.filter(school=school, role=role).order_by("pk").first()


def _backdate(auth: Authorisation, days: int) -> None:
    """Move a demo request (and its decision) `days` into the past, as if made then."""
    auth.refresh_from_db()
    shift = datetime.timedelta(days=days)
    fields = {"requested_at": auth.requested_at - shift}
    if auth.decided_at is not None:
        fields["decided_at"] = auth.decided_at - shift
    if auth.expires_at is not None:
        fields["expires_at"] = auth.expires_at - shift
    Authorisation.objects.filter(pk=auth.pk).update(**fields)
    auth.refresh_from_db()


def _ago(days: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def load_demo_authorisations(school: School) -> None:
    head = _first(school, roles.HEADTEACHER)
    itm = _first(school, roles.IT_MANAGER)
    dsl = _first(school, roles.DSL)
    bm = _first(school, roles.BUSINESS_MANAGER)
    assistant = _first(school, roles.ASSISTANT_HEAD)
    teachers = list(Person.objects.filter(school=school, role=roles.TEACHER).order_by("pk"))
    if None in (head, itm, dsl, bm, assistant) or len(teachers) < 3:
        return
    assert head and itm and dsl and bm and assistant
    leaver = next((t for t in reversed(teachers) if t.left_on is not None), teachers[-1])
    actions.nominee_set(actor=head, school=school, nominee=assistant)

    mailbox = actions.access_request(
        actor=itm, school=school, kind=MAILBOX, subject=leaver, days=30,
        reason=(f"{leaver.display_name} left last month. Parents are still emailing about "
                "Year 11 coursework deadlines; I will forward those to the head of department "
                "and set an out-of-office reply."))
    actions.access_decide(actor=head, auth=mailbox, approve=True, grounds_confirmed=True,
                          note="Forward coursework emails only; nothing personal.")
    _backdate(mailbox, 6)
    actions.access_use_record(actor=itm, auth=mailbox, used_at=_ago(5), what_was_done=(
        "Set an out-of-office naming the head of English; forwarded three parent emails "
        "about coursework to her."))

    investigation = actions.access_request(
        actor=dsl, school=school, kind=INVESTIGATION, subject=teachers[1], days=14,
        reason=("A parent reported messages from a staff email address to a pupil outside "
                "school hours. The investigation needs that account's sent mail for October."))
    actions.access_decide(actor=head, auth=investigation, approve=True, grounds_confirmed=True,
                          note="Reasonable grounds: the parent's screenshots.")
    _backdate(investigation, 2)

    actions.access_request(
        actor=bm, school=school, kind=ACCOUNT, subject=teachers[2], days=5,
        reason=("Off sick for two weeks; the trip consent forms for Year 8 are in their "
                "shared drive folder and the trip is on Friday."))

    refused = actions.access_request(
        actor=itm, school=school, kind=MAILBOX, subject=teachers[0], days=7,
        reason="Checking whether the mailbox quota warnings are real before the holidays.")
    actions.access_decide(actor=head, auth=refused, approve=False,
                          note="The quota can be checked in the admin console without reading mail.")
    _backdate(refused, 20)

    ended = actions.access_request(
        actor=itm, school=school, kind=MAILBOX, subject=leaver, days=7,
        reason="Export the leaver's calendar bookings of the ICT suite before the account closes.")
    actions.access_decide(actor=head, auth=ended, approve=True, grounds_confirmed=True)
    # Asked five weeks ago for a week: the scheduled job has marked it ended and told them.
    _backdate(ended, 35)
    actions.access_use_record(actor=itm, auth=ended, used_at=_ago(33), what_was_done=(
        "Exported 12 ICT suite bookings to the shared calendar."))
    actions.access_expire_due(school=school)
    Authorisation.objects.filter(pk=ended.pk).update(ended_at=ended.expires_at)
