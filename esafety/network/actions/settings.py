"""The school's choices for signing in to the internet."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput
from esafety.network import events, publishing
from esafety.network.models import UNIDENTIFIED_CHOICES, NetworkSettings

SETTINGS_FIELDS = ["idle_minutes", "school_day_ends", "unidentified",
                   "snapshot_age_limit_minutes", "extra_web_hosts"]


def settings_change(*, actor: Person, school: School, **changes: Any) -> NetworkSettings:
    permissions.require(actor, "manage_filtering", school,
                        what="change the network sign-in settings")
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown setting(s): {', '.join(sorted(unknown))}")
    idle = changes.get("idle_minutes")
    if idle is not None and not 1 <= idle <= 24 * 60:
        raise InvalidInput("the idle limit must be between 1 minute and 24 hours")
    limit = changes.get("snapshot_age_limit_minutes")
    if limit is not None and not 1 <= limit <= 7 * 24 * 60:
        raise InvalidInput("the alert limit must be between 1 minute and a week")
    if "unidentified" in changes and changes["unidentified"] not in dict(UNIDENTIFIED_CHOICES):
        raise InvalidInput("choose what a computer gets before anyone signs in")
    if "school_day_ends" in changes and not isinstance(changes["school_day_ends"],
                                                       datetime.time):
        raise InvalidInput("the end of the school day must be a time, e.g. 17:00")
    with transaction.atomic():
        config, _ = NetworkSettings.objects.select_for_update().get_or_create(school=school)
        before = events.snapshot(config, SETTINGS_FIELDS)
        for name, value in changes.items():
            setattr(config, name, value)
        config.save()
        after = events.snapshot(config, SETTINGS_FIELDS)
        if after != before:
            events.settings_changed(actor=actor, config=config, before=before, after=after)
            publishing.policy_after_commit(school)
    return config
