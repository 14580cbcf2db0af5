"""Telling people about held mail, after the change commits, through notices' `tell` (a
notice in esafety, counted in the navigation, and an email, as a request for access is told).

A private held message waits for the headteacher or their nominee to record why it may be
read (003 §2.6, §2.7), so they are told when one arrives. The notice and the email say when
it was held, for how many and where to look; never who sent it, why it was held, its
subject or what it says (those are on the authorisation page, behind sign-in, and opening
that page is recorded)."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from esafety.mailfilter import selectors
from esafety.mailfilter.models import HeldMessage
from esafety.notices import kinds
from esafety.notices.notifications import never_raises, tell

# The handoff is a request to authorise access to someone's mail, the kind the headteacher
# and nominee already get (and may choose to see in esafety only) for access requests.
PRIVATE_WAITING = kinds.ACCESS_REQUESTED


@never_raises
def private_held_waiting(held: HeldMessage) -> int:
    """Tell everyone who may authorise reading `held` that it waits for them (once each).
    How many were told."""
    if not held.private or held.authorised_at is not None:
        return 0
    count = held.recipient_count or len(held.recipients)
    when = timezone.localtime(held.held_at)
    told = tell(
        selectors.private_authorisers(held.school), kind=PRIVATE_WAITING, school=held.school,
        title="A private message held by the mail filter waits for your authorisation",
        lines=[f"Held on {when:%-d %b %Y} at {when:%H:%M}, for {count} "
               f"recipient{'s' if count != 1 else ''}. Its sender marked it private, so "
               "nobody may read it until the headteacher or their nominee records why reading "
               "it is necessary and proportionate."],
        path=reverse("mailfilter:held_authorise", args=[held.pk]),
        about=("heldmessage", held.pk), key=f"private-held-{held.pk}")
    return len(told.notices)
