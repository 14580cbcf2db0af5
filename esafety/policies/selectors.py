"""Reads for the policies pages: the queries the views make, in one place.

Nothing here writes. Where each person stands with their Acceptable Use Policy, and who has
answered which version, is status.py's (the gate and the home page use it too); these are
the pages' other reads. The `..._for_user` lookups give the same 404 for "missing" and "not
yours".
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from esafety.directory.models import Person, School
from esafety.policies import status
from esafety.policies.models import Acceptance, PolicyDocument, PolicyVersion


def get_document_for_user(user: Person, pk: int | str) -> PolicyDocument:
    try:
        return PolicyDocument.objects.get(pk=pk, school=user.school)
    except (PolicyDocument.DoesNotExist, ValueError):
        raise Http404("no such policy") from None


def get_published_version_for_user(user: Person, pk: int | str) -> PolicyVersion:
    try:
        return PolicyVersion.objects.select_related("document").get(
            pk=pk, document__school=user.school, published_at__isnull=False)
    except (PolicyVersion.DoesNotExist, ValueError):
        raise Http404 from None


def get_acceptance_for_user(user: Person, pk: int | str) -> Acceptance:
    """An answer by someone in the user's school (for its scanned form)."""
    try:
        return Acceptance.objects.get(pk=pk, person__school=user.school)
    except (Acceptance.DoesNotExist, ValueError):
        raise Http404 from None


def get_child_acceptance(parent: Person, pk: int | str) -> Acceptance:
    """An answer by one of the parent's children (to co-sign)."""
    try:
        return Acceptance.objects.select_related("person").get(
            pk=pk, person__in=parent.children.all())
    except (Acceptance.DoesNotExist, ValueError):
        raise Http404 from None


def answers_of(person: Person, limit: int = 10) -> QuerySet[Acceptance]:
    """The person's latest answers to any AUP, newest first."""
    return (Acceptance.objects.filter(person=person).select_related("version__document")
            .order_by("-decided_at")[:limit])


def children_standing(parent: Person) -> list[dict[str, Any]]:
    """Each of the parent's active children with their agreement this year."""
    return [{"child": child, "standing": status.standing(child)}
            for child in parent.children.filter(is_active=True).order_by("first_name")]


def documents_with_current_version(school: School | None) -> list[dict[str, Any]]:
    """The school's policies, each with its current version (None before the first)."""
    documents = PolicyDocument.objects.filter(school=school).select_related("responsible_person")
    return [{"document": d, "version": d.current_version()} for d in documents]


def published_versions(document: PolicyDocument) -> QuerySet[PolicyVersion]:
    return document.versions.filter(published_at__isnull=False).select_related("published_by")


def published_versions_for_audience(school: School | None, audience: str
                                    ) -> QuerySet[PolicyVersion]:
    """The audience's published AUP versions, newest first."""
    return PolicyVersion.objects.filter(document__school=school, document__audience=audience,
                                        published_at__isnull=False).order_by("-published_at", "-id")


def chosen_version(versions: QuerySet[PolicyVersion], pk: int | str | None
                   ) -> PolicyVersion | None:
    """The version picked, if it is one of `versions` (the audience's). After the audience is
    changed, the version picked for the previous audience is left behind: None."""
    return versions.filter(pk=pk).first() if pk else None


def compliance_rows(version: PolicyVersion, data: dict[str, Any],
                    pupil_audience: bool) -> list[status.ComplianceRow]:
    """Who has answered `version`, narrowed by the compliance page's filters in `data`."""
    rows = status.compliance(version)
    if data.get("status"):
        rows = [r for r in rows if r.status == data["status"]]
    # Year group and form only mean something for pupils; a value left over from a pupil
    # audience must not empty another audience's list.
    if pupil_audience and data.get("year_group"):
        rows = [r for r in rows if r.person.year_group == int(data["year_group"])]
    if pupil_audience and data.get("form"):
        wanted = data["form"].strip().lower()
        rows = [r for r in rows if r.person.form.lower() == wanted]
    if data.get("q"):
        needle = data["q"].strip().lower()
        rows = [r for r in rows if needle in r.person.display_name.lower()
                or needle in r.person.username.lower()]
    return rows
