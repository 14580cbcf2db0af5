"""Reads of the audit trail for the screens that show it (no writes, ever)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db.models import Q, QuerySet

from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person

# Views that record the incidents they showed (details["incidents"]).
LISTS = ("incident_list_viewed", "person_chronology_viewed", "incident_log_exported")
PERSON_VIEWS = ("person_viewed", "person_chronology_viewed")


def trail_for(user: Person) -> QuerySet[AuditEvent]:
    """The school's trail as `user` may read it.

    The person an allegation is about never sees it (incidents/access.py), and the trail
    must not tell them about it either: it would name who reported them. For every
    allegation about `user`, left out:

    1. every row about the allegation itself (who reported it, who looks into it, what
       they did), and every view that listed it (the incident log, someone's history);
    2. views of `user`'s own incident history, by anyone (they show who is looking);
    3. while it is open (from its report until it is closed; rows made then stay hidden):
       views of the records of the people in it (its reporter, everyone with a part in
       it, and `user`) by the people handling it: its owner (the chair of governors when
       the head is accused, otherwise the headteacher), its investigators (past ones too)
       and those given access. "The chair viewed the incident log" (1), or the DSL looking
       at the record of the pupil who witnessed it (3), right after a report would say
       there is an allegation, and who is in it.

    Everything else stays: the head still sees the rest of the trail, including the
    views of the incident log that did not show the allegation and what the same people
    did elsewhere. The rows stay in the trail for everyone else, and for
    `esafety evidence verify`. Nothing on the page says rows were left out.
    """
    found = AuditEvent.objects.filter(school=user.school)
    allegations = _allegations_about(user)
    if not allegations:
        return found
    hidden = (Q(object_type="incident", object_id__in=[str(a.pk) for a in allegations])
              | Q(event_type="person_chronology_viewed", object_type="person",
                  object_id=str(user.pk))
              | Q(pk__in=_lists_showing(user, allegations)))
    for allegation in allegations:
        hidden |= _handled_while_open(user, allegation)
    return found.exclude(hidden)


def event_types_in(found: QuerySet[AuditEvent]) -> list[str]:
    """The kinds of event among `found`, for the trail's "What happened" filter."""
    return sorted(set(found.values_list("event_type", flat=True).distinct()))


def filtered(found: QuerySet[AuditEvent], data: dict[str, Any]) -> QuerySet[AuditEvent]:
    """`found` narrowed by the trail page's filters (`data`: its form's cleaned data)."""
    if data.get("event_type"):
        found = found.filter(event_type=data["event_type"])
    if data.get("q"):
        found = found.filter(Q(object_label__icontains=data["q"])
                             | Q(actor_label__icontains=data["q"]))
    if data.get("since"):
        found = found.filter(at__date__gte=data["since"])
    if data.get("until"):
        found = found.filter(at__date__lte=data["until"])
    return found


def _allegations_about(user) -> list:
    from esafety.incidents.models import Incident

    return list(Incident.objects.filter(school_id=user.school_id, subject_staff_id=user.pk)
                .order_by("pk"))


def _lists_showing(user, allegations) -> list[int]:
    """Views that showed an allegation (each row lists the cases it showed)."""
    ids = {a.pk for a in allegations}
    since = min(a.reported_at for a in allegations)
    rows = (AuditEvent.objects.filter(school_id=user.school_id, event_type__in=LISTS,
                                      at__gte=since).values_list("pk", "details"))
    return [pk for pk, details in rows.iterator()
            if ids & set((details or {}).get("incidents") or [])]


def _handled_while_open(user, allegation) -> Q:
    from esafety.directory import roles
    from esafety.incidents import access
    from esafety.incidents.models import AllegationViewer, Investigator

    handlers = set(Investigator.every.filter(incident=allegation)
                   .values_list("person_id", flat=True))
    handlers |= set(AllegationViewer.objects.filter(incident=allegation)
                    .values_list("person_id", flat=True))
    if user.role == roles.HEADTEACHER:
        chair = access.settings_for(allegation.school).chair_of_governors_id
        handlers |= {chair} if chair else set()
    else:
        from esafety.directory.models import Person

        handlers |= set(Person.objects.filter(school_id=user.school_id,
                                              role=roles.HEADTEACHER)
                        .values_list("pk", flat=True))
    handlers.discard(user.pk)
    if not handlers:
        return Q(pk__in=[])
    people = {allegation.reported_by_id, user.pk}
    people |= set(allegation.involvements.values_list("person_id", flat=True))
    during = Q(at__gte=allegation.reported_at)
    if allegation.is_closed and allegation.closed_at:
        during &= Q(at__lte=allegation.closed_at)
    what = Q(event_type__in=PERSON_VIEWS, object_type="person",
             object_id__in=[str(pk) for pk in people])
    return Q(actor_id__in=handlers) & during & what
