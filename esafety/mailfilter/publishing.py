"""Publishing the snapshot the mail filter reads: DATA_DIR/mailfilter/<school>/snapshot.json.

The school's mail domains, who is who by address, each pupil's approved recipients (the
list staff keep at Check a message > Approved recipients, 004 §3.2.3), the outside
correspondents it knows, its choices and the words that mark mail private (those of mail
monitoring), written to a temporary file and renamed, so the filter never reads half a
file. The filter reloads it when it changes; the scheduled job republishes it every few
minutes (with the defaults while the school has saved no settings), and a change of the
mail filter's settings at once.
"""

from __future__ import annotations

import datetime
import json
from pathlib import Path

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from esafety.checks.directory_view import build_directory
from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.mailfilter import engine
from esafety.mailfilter.models import GroupApproval, MailFilterSettings
from esafety.mailfilter.server import _write_private, school_folder
from esafety.mailmonitor.actions import settings_for as monitor_settings_for


def folder(school: School) -> Path:
    return school_folder(Path(settings.DATA_DIR), school.slug)


def mail_settings(school: School) -> MailFilterSettings:
    config, _ = MailFilterSettings.objects.get_or_create(school=school)
    return config


def settings_for(school: School) -> MailFilterSettings:
    """The school's settings, or the defaults (unsaved) before anyone has saved them: a new
    install's filter gets a snapshot without a settings row being made as a side effect."""
    found = MailFilterSettings.objects.filter(school=school).first()
    return found if found is not None else MailFilterSettings(school=school)


def snapshot_document(school: School) -> dict:
    """The snapshot as the filter reads it, from the database (a read)."""
    config = settings_for(school)
    directory = build_directory(school)
    approved = {k: set(v) for k, v in directory.approved.items()}
    groups = list(GroupApproval.objects.filter(school=school)
                  .values_list("year_group", "form", "address"))
    if groups:
        pupils = (Person.objects.filter(school=school, role=roles.PUPIL).current()
                  .exclude(email="").values_list("email", "year_group", "form"))
        for email, year, form in pupils:
            for g_year, g_form, address in groups:
                if (g_form and g_form.lower() == (form or "").lower()) or \
                        (not g_form and g_year == year):
                    approved.setdefault(email.lower(), set()).add(address.lower())
    return engine.snapshot_document(
        school=school.slug, school_name=school.name, version=str(config.version + 1),
        domains=list(directory.domains),
        members=[(m.address, m.name, m.role) for m in directory.members.values()],
        approved={k: sorted(v) for k, v in approved.items()},
        correspondents=list(directory.correspondents),
        staff_fail_open=config.staff_fail_open,
        trusted_authserv=[a.strip() for a in config.trusted_authserv.split(",") if a.strip()],
        who_can_approve=config.who_can_approve, postmaster=config.postmaster,
        unknown_internal_sender=config.unknown_internal_sender,
        # The words the school set for mail monitoring (Mail monitoring > Settings): one
        # list of what marks mail private, which the filter reads as tags ("[Private]").
        private_markers=monitor_settings_for(school).markers)


def publish(school: School) -> Path:
    """Write the snapshot now (with the defaults when the school has not saved settings
    yet); returns its path."""
    document = snapshot_document(school)
    path = folder(school) / engine.SNAPSHOT_FILE
    _write_private(path, json.dumps(document).encode())
    MailFilterSettings.objects.filter(school=school).update(
        version=F("version") + 1, published_at=timezone.now())
    return path


# The scheduled job publishes every minute: a snapshot this old means it has stopped, and
# new pupils, leavers and approved addresses are not reaching the filter.
STALE_AFTER = datetime.timedelta(minutes=15)


def snapshot_age(school: School) -> datetime.timedelta | None:
    """How old the snapshot the filter reads is (None when there is none)."""
    try:
        mtime = (folder(school) / engine.SNAPSHOT_FILE).stat().st_mtime
    except OSError:
        return None
    return timezone.now() - datetime.datetime.fromtimestamp(mtime, tz=datetime.UTC)

