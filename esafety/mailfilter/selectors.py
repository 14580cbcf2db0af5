"""Reads for the held-mail pages; never writes."""

from django.db.models import QuerySet

from esafety.directory.models import School
from esafety.mailfilter.models import FilteredMessage, GroupApproval, HeldMessage


def held_for(school: School, *, waiting_only: bool = True, limit: int = 200) -> QuerySet:
    rows = HeldMessage.objects.filter(school=school).select_related("decided_by")
    if waiting_only:
        rows = rows.filter(status=HeldMessage.HELD)
    return rows.order_by("-held_at")[:limit]


def waiting_count(school: School) -> int:
    return HeldMessage.objects.filter(school=school, status=HeldMessage.HELD).count()


def group_approvals_for(school: School) -> QuerySet:
    return GroupApproval.objects.filter(school=school).select_related("added_by")


def filtered_for(school: School, *, limit: int = 100) -> QuerySet:
    """Messages returned or refused, newest first."""
    return FilteredMessage.objects.filter(school=school).order_by("-at")[:limit]
