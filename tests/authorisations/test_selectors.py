"""The two questions other apps ask before someone reads another person's mail."""

import datetime

import pytest
from django.utils import timezone

from esafety.authorisations import actions
from esafety.authorisations.models import ACCOUNT, INVESTIGATION, MAILBOX
from esafety.authorisations.selectors import (
    account_access_authorised,
    investigation_authorised,
    mailbox_access_authorised,
)
from esafety.directory import roles


@pytest.fixture
def leaver(make_person):
    return make_person(roles.TEACHER, first_name="Lee", last_name="Leaver",
                       left_on=timezone.localdate() - datetime.timedelta(days=3))


def _approved(kind, *, asker, subject, head, reader=None, days=7):
    auth = actions.access_request(actor=asker, school=asker.school, kind=kind, subject=subject,
                                  reader=reader, reason="Parent emails to the leaver need answers",
                                  days=days)
    return actions.access_decide(actor=head, auth=auth, approve=True, grounds_confirmed=True)


def test_approved_mailbox_access_is_in_force_for_its_reader_only(
        school, it_manager, headteacher, leaver, dsl):
    auth = _approved(MAILBOX, asker=it_manager, subject=leaver, head=headteacher)
    assert mailbox_access_authorised(school, leaver, it_manager) == auth
    assert mailbox_access_authorised(school, leaver, dsl) is None
    assert investigation_authorised(school, leaver, it_manager) is None


def test_a_pending_or_refused_request_authorises_nothing(school, it_manager, headteacher, leaver):
    auth = actions.access_request(actor=it_manager, school=school, kind=MAILBOX, subject=leaver,
                                  reason="Parent emails to the leaver need answers", days=7)
    assert mailbox_access_authorised(school, leaver, it_manager) is None
    actions.access_decide(actor=headteacher, auth=auth, approve=False, note="Ask the office")
    assert mailbox_access_authorised(school, leaver, it_manager) is None


def test_access_ends_at_its_expiry_and_not_before(school, it_manager, headteacher, leaver):
    auth = _approved(MAILBOX, asker=it_manager, subject=leaver, head=headteacher, days=2)
    assert mailbox_access_authorised(school, leaver, it_manager,
                                     at=auth.expires_at - datetime.timedelta(minutes=1)) == auth
    assert mailbox_access_authorised(school, leaver, it_manager, at=auth.expires_at) is None
    assert mailbox_access_authorised(
        school, leaver, it_manager, at=auth.decided_at - datetime.timedelta(minutes=1)) is None


def test_revoked_access_authorises_nothing(school, it_manager, headteacher, leaver):
    auth = _approved(MAILBOX, asker=it_manager, subject=leaver, head=headteacher)
    actions.access_revoke(actor=headteacher, auth=auth, reason="Done with it")
    assert mailbox_access_authorised(school, leaver, it_manager) is None


def test_investigation_names_subject_and_reader(school, dsl, headteacher, teacher, it_manager):
    auth = _approved(INVESTIGATION, asker=dsl, subject=teacher, head=headteacher)
    assert investigation_authorised(school, teacher, dsl) == auth
    assert investigation_authorised(school, teacher, it_manager) is None
    assert investigation_authorised(school, it_manager, dsl) is None
    assert mailbox_access_authorised(school, teacher, dsl) is None


def test_another_schools_question_gets_none(school, other_school, dsl, headteacher, teacher):
    _approved(INVESTIGATION, asker=dsl, subject=teacher, head=headteacher)
    assert investigation_authorised(other_school, teacher, dsl) is None


def test_nobody_and_unsaved_people_get_none(school, dsl):
    assert investigation_authorised(school, None, dsl) is None
    assert mailbox_access_authorised(school, dsl, None) is None


def test_account_access_is_its_own_kind(school, it_manager, headteacher, leaver):
    auth = _approved(ACCOUNT, asker=it_manager, subject=leaver, head=headteacher)
    assert account_access_authorised(school, leaver, it_manager) == auth
    assert mailbox_access_authorised(school, leaver, it_manager) is None
