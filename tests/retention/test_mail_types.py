"""Held and captured mail are on the schedule, with the mail apps' own settings."""

import datetime

import pytest
from django.utils import timezone

from esafety.errors import InvalidInput
from esafety.retention import actions, registry


@pytest.mark.parametrize("name", ["held_mail", "captured_mail"])
def test_the_mail_types_are_registered(name):
    assert registry.known(name)


def test_the_held_mail_period_is_the_mail_filters_setting(headteacher, school):
    from esafety.mailfilter.publishing import mail_settings

    actions.retention_set(actor=headteacher, school=school, record_type="held_mail", days=14)
    assert mail_settings(school).held_retention_days == 14
    with pytest.raises(InvalidInput, match="at least 7 days"):
        actions.retention_set(actor=headteacher, school=school, record_type="held_mail",
                              days=2)


def test_the_captured_mail_period_is_the_monitors_setting(headteacher, school):
    from esafety.mailmonitor.actions import settings_for

    actions.retention_set(actor=headteacher, school=school, record_type="captured_mail",
                          days=45)
    assert settings_for(school).retention_days == 45


@pytest.mark.parametrize("name", ["held_mail", "captured_mail"])
def test_their_purge_runs_through_the_apps_own_removal(headteacher, school, name):
    kind = registry.get(name)
    cutoff = timezone.now() - datetime.timedelta(days=400)
    assert kind.count(school, cutoff) == 0
    assert kind.purge(school, cutoff, headteacher) == 0
