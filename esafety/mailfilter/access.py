"""Access helpers: the same 404 for "missing" and "not yours"."""

from django.http import Http404

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.mailfilter.models import GroupApproval, HeldMessage


def require_reviewer(user: Person) -> School:
    """The school whose held mail `user` reviews; 404 for anyone else."""
    permissions.require(user, "review_held_mail", hide=True)
    if user.school is None:
        raise Http404("no such page")
    return user.school


def require_mail_manager(user: Person) -> School:
    permissions.require(user, "manage_mail_filter", hide=True)
    if user.school is None:
        raise Http404("no such page")
    return user.school


def get_held_for_user(user: Person, pk: int | str) -> HeldMessage:
    school = require_reviewer(user)
    try:
        return HeldMessage.objects.select_related("school", "decided_by",
                                                  "authorised_by").get(pk=pk, school=school)
    except (HeldMessage.DoesNotExist, ValueError):
        raise Http404("no such held message") from None


def may_authorise_private_mail(user: Person, school: School) -> bool:
    """Whether `user` may record that a private held message may be read: the headteacher
    (the permission table) or their nominee, the person the school's access authorisation
    settings name (003 §2.7 "the Principal or his/her nominee"). Asked of captured mail's
    own rule, so held and captured mail can never disagree about who authorises."""
    from esafety.mailmonitor.actions import may_authorise

    return may_authorise(user, school)


def get_held_to_authorise(user: Person, pk: int | str) -> HeldMessage:
    """A private held message `user` may authorise reading. The nominee need not review held
    mail, so this does not ask for that; 404 for anyone else and for mail not private."""
    school = user.school
    if school is None or not may_authorise_private_mail(user, school):
        raise Http404("no such held message")
    try:
        return HeldMessage.objects.select_related("school", "authorised_by").get(
            pk=pk, school=school, private=True)
    except (HeldMessage.DoesNotExist, ValueError):
        raise Http404("no such held message") from None


def require_approver(user: Person) -> School:
    """The school whose approved recipients `user` may change; 404 for anyone else."""
    permissions.require(user, "approve_pupil_recipients", hide=True)
    if user.school is None:
        raise Http404("no such page")
    return user.school


def get_group_approval_for_user(user: Person, pk: int | str) -> GroupApproval:
    school = require_approver(user)
    try:
        return GroupApproval.objects.get(pk=pk, school=school)
    except (GroupApproval.DoesNotExist, ValueError):
        raise Http404("no such approval") from None
