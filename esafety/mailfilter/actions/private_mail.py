"""Private held mail: who may read what its sender marked private, and the authorisation,
with reasons, by the headteacher or their nominee that lets reviewers read it (003 §2.6,
§2.7), the same rule as captured mail's (access.may_authorise_private_mail)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.mailfilter import events
from esafety.mailfilter.access import may_authorise_private_mail
from esafety.mailfilter.models import HeldMessage
from esafety.mailmonitor.actions import OWN_MAIL, authorising_own_mail


def content_shown_to(held: HeldMessage, reader: Person) -> bool:
    """Whether `reader` may see what the message says: always, unless its sender marked it
    private; then only after the authorisation of the headteacher or their nominee recorded
    on it, or an investigation about its sender, beyond day-to-day monitoring, authorised by
    the headteacher or nominee and naming `reader` (003 §2.6, §2.7; esafety/authorisations).
    A reading under such an investigation is recorded as a use of it, as captured mail's
    is: call this only when the message is shown, inside the view's transaction."""
    if held.content_authorised:
        return True
    from esafety.authorisations.actions import access_use_record
    from esafety.authorisations.selectors import investigation_about_sender

    investigation = investigation_about_sender(held.school, held.sender, reader)
    if investigation is None:
        return False
    access_use_record(actor=reader, auth=investigation,
                      what_was_done=f"Read held message {held.pk} (marked private by its "
                                    "sender) in Held mail")
    return True


def held_message_authorise_page_view(*, actor: Person, held: HeldMessage) -> None:
    """Record that the headteacher or their nominee opened a private message's authorisation
    page (who it is from and to, and why it was held; never what it says)."""
    if not may_authorise_private_mail(actor, held.school):
        raise NotAllowed("only the headteacher or their nominee can authorise reading "
                         "private mail")
    with transaction.atomic():
        events.held_message_viewed(actor=actor, held=held, content_shown=False)


def held_message_authorise(*, actor: Person, held: HeldMessage, reasons: str) -> HeldMessage:
    """003 §2.6, §2.7: the headteacher or their nominee records why a private message may be
    read."""
    if not may_authorise_private_mail(actor, held.school):
        raise NotAllowed("only the headteacher or their nominee can authorise reading "
                         "private mail")
    if authorising_own_mail(actor, held.sender):
        raise NotAllowed(OWN_MAIL)
    reasons = " ".join((reasons or "").split())
    if len(reasons) < 20:
        raise InvalidInput("give the reasons in a sentence or two (at least 20 characters): "
                           "why reading this message is necessary and proportionate",
                           code="reasons-required")
    with transaction.atomic():
        row = HeldMessage.objects.select_for_update().get(pk=held.pk)
        if not row.private or row.authorised_at is not None:
            raise Conflict("this message needs no further authorisation",
                           code="already-authorised")
        row.authorised_by, row.authorised_at = actor, timezone.now()
        row.authorisation_reasons = reasons[:2000]
        row.save(update_fields=["authorised_by", "authorised_at", "authorisation_reasons"])
        events.held_message_authorised(actor=actor, held=row)
    return row
