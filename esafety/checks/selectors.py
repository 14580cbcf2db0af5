"""Reads for the checks app's pages: what the views show, in one place."""

from django.db.models import QuerySet

from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory.models import School


def approvals_for(school: School) -> QuerySet[ApprovedRecipient]:
    """Every address a pupil of `school` may email, by pupil, with who allowed it."""
    return (ApprovedRecipient.objects.filter(school=school)
            .select_related("pupil", "added_by").order_by("pupil__last_name", "address"))


def correspondents_for(school: School) -> QuerySet[Correspondent]:
    """The outside senders `school` knows."""
    return Correspondent.objects.filter(school=school)
