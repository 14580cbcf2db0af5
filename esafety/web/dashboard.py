"""What each person sees first: the things that need them, by role."""

import datetime

from django.urls import reverse
from django.utils import timezone

from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.incidents import access as incident_access
from esafety.incidents.models import STATUS_CLOSED, STATUS_NEW
from esafety.policies import status


def dashboard_for(person: Person) -> dict:
    context = {"person": person, "standing": status.standing(person), "cards": []}
    school = person.school
    if school is None:
        return context
    context["school_year"] = school.school_year_label()
    if permissions.role_may(person.role, "view_compliance"):
        context["compliance"] = status.summary(school)
    context["my_reviews"] = status.reviews_due(school, person)
    if permissions.role_may(person.role, "manage_policies"):
        context["all_reviews"] = status.reviews_due(school)
    if person.is_parent:
        children = []
        for child in person.children.filter(is_active=True):
            standing = status.standing(child)
            children.append({"child": child, "standing": standing,
                             "needs_cosign": standing.status == "accepted"
                             and standing.answer is not None
                             and not standing.answer.cosigned_by_id})
        context["children"] = children
    if permissions.role_may(person.role, "manage_guests"):
        soon = timezone.now() + datetime.timedelta(days=7)
        context["guests_ending"] = Person.objects.filter(
            school=school, role__in=roles.GUEST_ROLES, is_active=True,
            access_expires_at__gt=timezone.now(), access_expires_at__lte=soon
        ).order_by("access_expires_at")
    context["report_url"] = reverse("incidents:report")
    if person.is_staff_member or person.role == roles.GOVERNOR:
        cases = incident_access.team_incidents(person)
        context["incidents_new"] = cases.filter(status=STATUS_NEW).count()
        context["incidents_open"] = cases.exclude(status=STATUS_CLOSED).count()
        if incident_access.is_leader(person):
            # New cases whose alert email reached nobody (the log lists them at #unalerted).
            from esafety.incidents.selectors import unalerted

            context["incidents_unalerted"] = unalerted(cases).count()
            context["unalerted_url"] = reverse("incidents:home") + "#unalerted"
    context["check_url"] = reverse("checks:check") if person.is_staff_member else None
    return context
