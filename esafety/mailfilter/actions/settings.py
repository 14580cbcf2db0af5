"""The school's choices for the mail filter; a change republishes the snapshot at once."""

from __future__ import annotations

from django.db import transaction

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput
from esafety.mailfilter import events
from esafety.mailfilter.models import MailFilterSettings
from esafety.mailfilter.publishing import mail_settings

FIELDS = ("staff_fail_open", "held_retention_days", "trusted_authserv", "who_can_approve",
          "postmaster", "unknown_internal_sender")


def mail_filter_settings_change(*, actor: Person, school: School, **changes) -> MailFilterSettings:
    permissions.require(actor, "manage_mail_filter", school, what="change the mail filter")
    unknown = set(changes) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown settings {sorted(unknown)}")
    choice = changes.get("unknown_internal_sender", MailFilterSettings.UNKNOWN_HOLD)
    if choice not in MailFilterSettings.UNKNOWN_SENDER_LABELS:
        raise InvalidInput("Choose what to do with mail from an address the directory does "
                           "not know: hold it, treat the sender as a pupil, or as staff.",
                           code="unknown-sender-choice")
    with transaction.atomic():
        config = mail_settings(school)
        config = MailFilterSettings.objects.select_for_update().get(pk=config.pk)
        before = {name: getattr(config, name) for name in FIELDS}
        for name, value in changes.items():
            setattr(config, name, value)
        config.save()
        after = {name: getattr(config, name) for name in FIELDS}
        events.mail_filter_settings_changed(actor=actor, config=config, before=before,
                                            after=after)
        transaction.on_commit(lambda: _publish(school.pk), robust=True)
    return config


def _publish(school_id: int) -> None:
    from esafety.mailfilter.publishing import publish

    publish(School.objects.get(pk=school_id))
