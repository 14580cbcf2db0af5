"""Held mail (the mail filter) and captured mail (mail monitoring) on the schedule.

Both apps keep their period in their own settings; the schedule reads and changes those same
settings (so the page, the DPIA description and the apps never disagree). Old mail goes only
through the schedule (a dry run, the head's or DSL's confirmation, one audit entry per type):
a confirmed purge runs the apps' own removal, which deletes the 0600 files as well as the
rows (held mail keeps its row, saying when its content was removed). Neither app has a job
of its own that removes mail.
Registered only while the apps offer what is used here, and only if they did not register
the type themselves.
"""

from __future__ import annotations

import datetime
import importlib
from typing import TYPE_CHECKING

from esafety.retention.registry import RecordType, known, register

if TYPE_CHECKING:
    from esafety.directory.models import Person, School

# A week: a held or captured message can be reviewed after a weekend or a short absence,
# and a concern it raised followed up, before it goes.
MAIL_MINIMUM_DAYS = 7


def _offers(module: str, *names: str) -> bool:
    try:
        found = importlib.import_module(module)
    except Exception:  # an app not built (or broken) leaves its type off the schedule
        return False
    return all(hasattr(found, name) for name in names)


# --- held mail ---------------------------------------------------------------------------------

def _held(school: School, cutoff: datetime.datetime):
    from esafety.mailfilter.models import HeldMessage

    return HeldMessage.objects.filter(school=school, content_removed_at__isnull=True,
                                      held_at__lt=cutoff)


def _held_count(school: School, cutoff: datetime.datetime) -> int:
    from esafety.mailfilter.actions.review import unlisted_held_files

    # (With the copies the filter left that never became a held message: removed too.)
    return _held(school, cutoff).count() + len(unlisted_held_files(school, cutoff))


def _held_days(school: School) -> int:
    from esafety.mailfilter.publishing import mail_settings

    return mail_settings(school).held_retention_days


def _held_set(school: School, days: int) -> None:
    from esafety.mailfilter.actions.settings import mail_filter_settings_change

    mail_filter_settings_change(actor=None, school=school,  # type: ignore[arg-type]
                                held_retention_days=days)


def _held_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    from esafety.mailfilter.actions.review import held_mail_expire

    # Exactly what the dry run counted: its cutoff, not one measured from now.
    return held_mail_expire(school, cutoff=cutoff)


# --- captured mail -----------------------------------------------------------------------------

def _captured_days(school: School) -> int:
    from esafety.mailmonitor.actions import settings_for

    return settings_for(school).retention_days


def _captured_set(school: School, days: int) -> None:
    from esafety.mailmonitor.actions import monitor_settings_change, settings_for

    current = settings_for(school)
    monitor_settings_change(actor=None, school=school,  # type: ignore[arg-type]
                            evidence_capture=current.evidence_capture, retention_days=days,
                            private_markers=current.private_markers)


def _captured_count(school: School, cutoff: datetime.datetime) -> int:
    from esafety.mailmonitor.models import CapturedMessage

    return CapturedMessage.objects.filter(school=school, received_at__lt=cutoff).count()


def _captured_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    from esafety.mailmonitor.actions import captured_mail_expire

    done = captured_mail_expire(
        school=school, now=cutoff + datetime.timedelta(days=_captured_days(school)))
    return int(done.get("deleted", 0))


def register_mail_types() -> None:
    if not known("held_mail") and _offers("esafety.mailfilter.actions.review",
                                          "held_mail_expire", "unlisted_held_files") \
            and _offers("esafety.mailfilter.publishing", "mail_settings"):
        register(RecordType(
            name="held_mail", label="Mail held by the filter", order=50,
            minimum_days=MAIL_MINIMUM_DAYS, default_days=30,
            minimum_basis="A week, so a held message can be reviewed after a weekend or a "
                          "short absence.",
            purpose="To stop harmful or inappropriate mail reaching pupils and staff until "
                    "someone has looked at it (001, 003).",
            seen_by="review_held_mail", count=_held_count,
            purge=_held_purge, get_days=_held_days, set_days=_held_set,
            counted_from="when it was held"))
    if not known("captured_mail") and _offers("esafety.mailmonitor.actions",
                                              "captured_mail_expire", "settings_for",
                                              "monitor_settings_change"):
        register(RecordType(
            name="captured_mail", label="Mail captured by monitoring", order=60,
            minimum_days=MAIL_MINIMUM_DAYS, default_days=90,
            minimum_basis="A week, so a concern raised from a message can be followed up.",
            purpose="To keep the evidence behind a monitoring concern about school mail "
                    "(003 §2.7, DfE filtering and monitoring standards).",
            seen_by="review_captured_mail", count=_captured_count, purge=_captured_purge,
            get_days=_captured_days, set_days=_captured_set,
            counted_from="when it was received"))
