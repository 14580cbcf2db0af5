"""Reads for sign-in pages and the sign-in flow; never writes."""

from __future__ import annotations

from django.db.models import QuerySet

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.identity.models import OPEN, SchoolSignIn, UnmatchedSignIn


def sign_in_for(school: School | int | None) -> SchoolSignIn | None:
    if school is None:
        return None
    school_id = school if isinstance(school, int) else school.pk
    return SchoolSignIn.objects.select_related("school").filter(school_id=school_id).first()


def sign_in_by_provider_id(provider_id: str) -> SchoolSignIn | None:
    if not provider_id.startswith("school-"):
        return None
    slug = provider_id.removeprefix("school-")
    return SchoolSignIn.objects.select_related("school").filter(school__slug=slug).first()


def providers_to_offer(school_slug: str | None = None) -> list[SchoolSignIn]:
    """The schools' providers switched on, for the sign-in page (one school's if named)."""
    rows = SchoolSignIn.objects.select_related("school").filter(enabled=True).exclude(
        client_id="").order_by("school__name")
    if school_slug:
        rows = rows.filter(school__slug=school_slug)
    return [row for row in rows if row.ready]


def open_unmatched(school: School) -> QuerySet[UnmatchedSignIn]:
    return UnmatchedSignIn.objects.filter(school=school, status=OPEN)


def recent_resolved(school: School, limit: int = 20) -> QuerySet[UnmatchedSignIn]:
    return UnmatchedSignIn.objects.filter(school=school).exclude(status=OPEN).select_related(
        "person", "resolved_by").order_by("-resolved_at")[:limit]


def two_factor_required(person: Person) -> bool:
    """Whether `person` must give a code: an authenticator app set up, or their role and
    their school's rule (on for the headteacher, DSL, online safety lead and IT manager)."""
    if has_authenticator(person):
        return True
    if not permissions.role_may(person.role, "sign_in_with_two_factor"):
        return False
    sign_in = sign_in_for(person.school_id)
    # No sign-in settings saved yet: the default, on.
    return sign_in is None or sign_in.two_factor_for_leaders


def has_authenticator(person: Person) -> bool:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user=person, type=Authenticator.Type.TOTP).exists()


def leaders_without_authenticator(school: School) -> QuerySet[Person]:
    from allauth.mfa.models import Authenticator

    with_app = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    return Person.objects.current().filter(
        school=school, role__in=permissions.roles_with("sign_in_with_two_factor")).exclude(
        pk__in=with_app)


def people_with_authenticator(school: School) -> QuerySet[Person]:
    from allauth.mfa.models import Authenticator

    with_app = Authenticator.objects.filter(type=Authenticator.Type.TOTP).values("user_id")
    return Person.objects.filter(school=school, pk__in=with_app)
