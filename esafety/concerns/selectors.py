"""What the concerns pages read: the inbox in its order, the per-rule false positives, a
person's concerns for their chronology, and the emails that could not be sent."""

from __future__ import annotations

from django.db.models import Case, Count, IntegerField, QuerySet, Value, When

from esafety.audit.models import AuditEvent
from esafety.concerns import access, rules
from esafety.concerns.models import Concern
from esafety.directory.models import Person, School


def inbox(user: Person, *, state: str = "", severity: str = "", source: str = "",
          topic: str = "") -> QuerySet[Concern]:
    """The concerns `user` may see, urgent ones nobody has acted on first, then new, then
    seen, then the rest; newest first within each. Unknown filter values are ignored (the
    form says so)."""
    found = access.visible_concerns(user).select_related("person", "incident")
    if state == "open":
        found = found.filter(state__in=rules.OPEN_STATES)
    elif state in rules.STATE_LABELS:
        found = found.filter(state=state)
    if severity == "urgent":
        found = found.filter(urgent=True)
    elif severity in rules.SEVERITY_LABELS:
        found = found.filter(severity=severity)
    if source in rules.SOURCE_LABELS:
        found = found.filter(source=source)
    if topic in rules.TOPIC_LABELS:
        found = found.filter(topic=topic)
    return found.annotate(rank=Case(
        When(urgent=True, state=rules.NEW, then=Value(0)),
        When(state=rules.NEW, then=Value(1)),
        When(state=rules.SEEN, then=Value(2)),
        default=Value(3), output_field=IntegerField())).order_by("rank", "-last_seen_at", "-pk")


def urgent_waiting(user: Person) -> int:
    """Urgent concerns nobody has acted on yet, for the pages' warning."""
    return access.visible_concerns(user).filter(urgent=True, state=rules.NEW).count()


def false_positives_by_rule(school: School) -> list[dict]:
    """Per rule: how many concerns it raised and how many were false positives, most
    false positives first (a rule that keeps misfiring is worth changing)."""
    rows = (Concern.objects.filter(school=school).values("rule", "rule_title")
            .annotate(raised=Count("pk"),
                      false_positives=Count(Case(When(state=rules.FALSE_POSITIVE,
                                                      then=Value(1)))))
            .filter(false_positives__gt=0).order_by("-false_positives", "rule"))
    return [dict(row) for row in rows]


def concerns_for_person(person: Person, viewer: Person) -> list[Concern]:
    """The concerns about `person` that `viewer` may see (none for anyone outside the
    need-to-know), newest first: for the person's chronology."""
    if person.school_id is None or not access.may_view(viewer, person.school):
        return []
    return list(Concern.objects.filter(school_id=person.school_id, person=person)
                .select_related("incident").order_by("-last_seen_at", "-pk"))


def email_failures(school: School, limit: int = 100) -> QuerySet[AuditEvent]:
    """Emails about concerns that could not be sent, newest first (never their content)."""
    return (AuditEvent.objects.filter(school=school, event_type="concern_email_failed")
            .order_by("-at", "-pk")[:limit])
