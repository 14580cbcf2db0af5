import json

import pytest

from esafety.audit.models import AuditEvent
from esafety.engine.urls.normalise import parse_target
from esafety.errors import InvalidInput, NotAllowed
from esafety.filtering import actions, publish

from .conftest import soon


def test_internet_suspend_blocks_the_pupil_until_it_ends(imported, school, dsl, pupil,
                                                       publishing):
    with publishing():
        suspension = actions.internet_suspend(actor=dsl, pupil=pupil, starts_at=soon(),
                                              ends_at=soon(hours=1),
                                              reason="Sanction for incident INC-2026-0003")
    policy = json.loads((publish.snapshot_dir(school) / "policy.json").read_text())
    assert [(s["user"], s["id"]) for s in policy["suspensions"]] == [("pupil", suspension.pk)]
    decision = publish.current_policy(school).decide(
        parse_target("http://bbc.co.uk/"), "pupil", soon(minutes=5).timestamp())
    assert decision.rule == "suspended"
    assert AuditEvent.objects.filter(event_type="internet_suspended").count() == 1


def test_only_pupils_of_the_same_school_can_be_suspended(imported, dsl, make_person,
                                                       other_school):
    from esafety.directory import roles

    elsewhere = make_person(roles.PUPIL, school=other_school, username="elsewhere")
    with pytest.raises(NotAllowed):
        actions.internet_suspend(actor=dsl, pupil=elsewhere, starts_at=soon(),
                                 ends_at=soon(hours=1), reason="x")
    with pytest.raises(InvalidInput, match="only be suspended for pupils"):
        actions.internet_suspend(actor=dsl, pupil=dsl, starts_at=soon(),
                                 ends_at=soon(hours=1), reason="x")


def test_a_pupil_cannot_suspend_anyone(imported, pupil, make_person):
    from esafety.directory import roles

    other = make_person(roles.PUPIL, username="other")
    with pytest.raises(NotAllowed):
        actions.internet_suspend(actor=pupil, pupil=other, starts_at=soon(),
                                 ends_at=soon(hours=1), reason="x")


def test_lifting_a_suspension_is_audited_and_republished(imported, school, dsl, pupil,
                                                       publishing):
    suspension = actions.internet_suspend(actor=dsl, pupil=pupil, starts_at=soon(),
                                          ends_at=soon(hours=1), reason="Lesson misuse")
    with publishing():
        actions.internet_suspension_lift(actor=dsl, suspension=suspension)
    policy = json.loads((publish.snapshot_dir(school) / "policy.json").read_text())
    assert policy["suspensions"] == []
