import pytest

from esafety.audit.models import AuditEvent
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.filtering import actions
from esafety.filtering.models import Category, UnblockRequest

from .conftest import soon


def category(school, name):
    return Category.objects.get(school=school, name=name)


def ask(teacher, school, **overrides):
    fields = {"category": category(school, "drogue"), "groups": ["ks4"],
              "reason": "Science: the effects of drugs on the body, for coursework.",
              "starts_at": soon(), "ends_at": soon(days=5)}
    fields.update(overrides)
    return actions.unblock_request(actor=teacher, **fields)


def test_a_teacher_asks_and_the_it_manager_approves_with_an_audit_trail(
        imported, school, teacher, it_manager, publishing):
    request = ask(teacher, school)
    assert request.state() == "pending"
    with publishing():
        actions.unblock_approve(actor=it_manager, request=request, note="For the unit only.")
    request.refresh_from_db()
    assert (request.status, request.decided_by, request.state()) == (
        "approved", it_manager, "active")
    assert list(AuditEvent.objects.filter(object_type="unblockrequest",
                                          object_id=str(request.pk))
                .order_by("id").values_list("event_type", flat=True)) == [
        "unblock_requested", "unblock_approved"]


def test_an_unblock_ends_by_itself(imported, school, teacher, it_manager):
    request = ask(teacher, school, starts_at=soon(hours=-2), ends_at=soon(minutes=1))
    actions.unblock_approve(actor=it_manager, request=request)
    request.refresh_from_db()
    assert request.state() == "active"
    assert request.state(soon(minutes=2)) == "expired"


def test_statutory_categories_cannot_be_requested(imported, school, teacher):
    with pytest.raises(NotAllowed, match="always blocked") as caught:
        ask(teacher, school, category=category(school, "adult"))
    assert caught.value.code == "statutory"
    assert not UnblockRequest.objects.exists()


def test_a_request_needs_a_reason_a_period_and_an_audience(imported, school, teacher):
    with pytest.raises(InvalidInput, match="reason"):
        ask(teacher, school, reason="pls")
    with pytest.raises(InvalidInput, match="end after it starts"):
        ask(teacher, school, ends_at=soon(hours=-1))
    with pytest.raises(InvalidInput, match="which group or class"):
        ask(teacher, school, groups=[], form="")
    with pytest.raises(InvalidInput, match="not a web site"):
        ask(teacher, school, category=None, site="not a site")
    assert not UnblockRequest.objects.exists()


def test_a_site_request_keeps_only_the_host(imported, school, teacher):
    request = ask(teacher, school, category=None,
                  site="https://www.Example.org/some/page?x=1")
    assert request.site == "example.org"


def test_only_a_named_approver_other_than_the_requester_decides(imported, school, teacher,
                                                              it_manager, dsl):
    request = ask(teacher, school)
    with pytest.raises(NotAllowed):
        actions.unblock_approve(actor=dsl, request=request)
    with pytest.raises(NotAllowed):
        actions.unblock_approve(actor=teacher, request=request)
    own = ask(it_manager, school)
    with pytest.raises(NotAllowed, match="someone else"):
        actions.unblock_approve(actor=it_manager, request=own)
    actions.settings_for(school).__class__.objects.filter(school=school).update(
        approver_roles=["it_manager", "dsl"])
    actions.unblock_approve(actor=dsl, request=request)


def test_refusing_needs_a_note_and_a_decided_request_cannot_be_decided_again(
        imported, school, teacher, it_manager):
    request = ask(teacher, school)
    with pytest.raises(InvalidInput, match="why"):
        actions.unblock_refuse(actor=it_manager, request=request, note=" ")
    actions.unblock_refuse(actor=it_manager, request=request, note="Use the BBC resources.")
    with pytest.raises(Conflict):
        actions.unblock_approve(actor=it_manager, request=request)


def test_the_requester_can_withdraw_a_waiting_request(imported, school, teacher):
    request = ask(teacher, school)
    actions.unblock_withdraw(actor=teacher, request=request)
    request.refresh_from_db()
    assert request.status == "withdrawn"
