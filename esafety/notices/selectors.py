"""Reads for the notices pages; never writes."""

from __future__ import annotations

from django.db.models import QuerySet

from esafety.audit.models import AuditEvent
from esafety.directory.models import Person, School
from esafety.notices.models import Notice, UrgentContacts

# Every app's "an email could not be sent" events: one list for whoever runs the mail.
EMAIL_FAILURE_EVENTS = ("notice_email_failed", "concern_email_failed",
                        "filtering_email_failed", "network_email_failed")


def notices_for(person: Person, limit: int = 200) -> list[Notice]:
    return list(Notice.objects.filter(recipient=person).order_by("-created_at", "-pk")[:limit])


def unread_count(person: Person) -> int:
    return Notice.objects.filter(recipient=person, read_at__isnull=True).count()


def about(about_type: str, about_id: int) -> list[Notice]:
    """Who was told about this (a case, suspension, concern), when, and who acknowledged."""
    return list(Notice.objects.filter(about_type=about_type, about_id=about_id)
                .select_related("recipient").order_by("created_at", "pk"))


def about_each(about_type: str, ids: list[int]) -> dict[int, list[Notice]]:
    """Who was told about each of several things of one type (a list page's rows)."""
    found: dict[int, list[Notice]] = {pk: [] for pk in ids}
    for notice in (Notice.objects.filter(about_type=about_type, about_id__in=ids)
                   .select_related("recipient").order_by("created_at", "pk")):
        if notice.about_id is not None:
            found.setdefault(notice.about_id, []).append(notice)
    return found


def urgent_contacts(school: School) -> list[Person]:
    found = UrgentContacts.objects.filter(school=school).first()
    if found is None:
        return []
    return [p for p in found.people.order_by("last_name", "first_name", "pk")
            if p.can_use_systems()]


def email_failures(school: School, limit: int = 200) -> list[dict]:
    """Emails that could not be sent, newest first (who for, when, why; never content)."""
    events: QuerySet[AuditEvent] = (
        AuditEvent.objects.filter(school=school, event_type__in=EMAIL_FAILURE_EVENTS)
        .order_by("-at", "-pk")[:limit])
    rows = []
    for event in events:
        details = event.details or {}
        rows.append({
            "at": event.at,
            "email": str(details.get("email") or details.get("subject") or event.object_label),
            "to": ", ".join(str(p) for p in (details.get("to") or details.get("recipients")
                                             or [])) or "Nobody",
            "error": str(details.get("error") or ""),
        })
    return rows
