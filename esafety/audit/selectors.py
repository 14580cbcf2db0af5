"""Reads of the audit trail for the screens that show it (no writes, ever)."""

from django.db.models import Q

from esafety.audit.models import AuditEvent


def trail_for(user):
    """The school's trail as `user` may read it.

    Rows about an allegation concerning `user` are left out altogether: they would name who
    reported it, who is looking into it and what they did (issue 10 §4: "the audit trail hides
    an allegation's reporter from the person it is about"; the person an allegation is about
    never sees it, incidents/access.py), and so are views of their own incident history,
    which would show who is looking into it. They stay in the trail for everyone else, and for
    `esafety evidence verify`. Nothing on the page says rows were left out.
    """
    found = AuditEvent.objects.filter(school_id=user.school_id)
    about_them = _allegations_about(user)
    if about_them:
        found = found.exclude(Q(object_type="incident") & Q(object_id__in=about_them))
        # Nor who has been reading their incident history (the allegation's investigators).
        found = found.exclude(event_type="person_chronology_viewed", object_type="person",
                              object_id=str(user.pk))
    return found


def _allegations_about(user) -> list[str]:
    from esafety.incidents.models import Incident

    return [str(pk) for pk in Incident.objects.filter(school_id=user.school_id,
                                                      subject_staff_id=user.pk)
            .values_list("pk", flat=True)]
