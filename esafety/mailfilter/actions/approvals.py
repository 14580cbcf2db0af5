"""Addresses a whole year group or form may email (004 §3.2.3); the snapshot is published
again after each change, so the filter knows at once."""

from __future__ import annotations

from django.db import IntegrityError, transaction

from esafety.checks.actions import clean_address
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput
from esafety.mailfilter import events
from esafety.mailfilter.models import GroupApproval


def _publish_after_commit(school: School) -> None:
    from esafety.mailfilter.actions.settings import _publish

    pk = school.pk
    transaction.on_commit(lambda: _publish(pk), robust=True)


def group_approval_add(*, actor: Person, school: School, address: str,
                       year_group: int | None = None, form: str = "",
                       note: str = "") -> GroupApproval:
    permissions.require(actor, "approve_pupil_recipients", school,
                        what="change approved recipients")
    form = (form or "").strip()
    if (year_group is None) == (not form):
        raise InvalidInput("choose a year group or a form (one of them)", code="one-group")
    address = clean_address(address)
    with transaction.atomic():
        try:
            with transaction.atomic():
                approval = GroupApproval.objects.create(
                    school=school, year_group=None if form else year_group, form=form,
                    address=address, note=(note or "")[:200],
                    added_by=actor if getattr(actor, "pk", None) else None)
        except IntegrityError:
            raise Conflict(f"{address} is already approved for that group") from None
        events.group_approval_added(actor=actor, approval=approval)
        _publish_after_commit(school)
    return approval


def group_approval_remove(*, actor: Person, approval: GroupApproval) -> None:
    permissions.require(actor, "approve_pupil_recipients", approval.school,
                        what="change approved recipients")
    with transaction.atomic():
        events.group_approval_removed(actor=actor, approval=approval)
        approval.delete()
        _publish_after_commit(approval.school)
