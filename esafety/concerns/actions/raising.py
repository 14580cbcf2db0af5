"""Raising a concern, or counting a repeat of one already waiting."""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from esafety.concerns import events, rules
from esafety.concerns.models import Concern
from esafety.directory.models import Person, School
from esafety.errors import InvalidInput
from esafety.incidents.models import Incident


def repeat_key(rule: str, person: Person | None, person_label: str, repeat_on: str) -> str:
    """The same rule, the same person (or the same unknown name) and the same excerpt."""
    who = f"person:{person.pk}" if person is not None else f"label:{person_label.lower()}"
    return hashlib.sha256("\x00".join([rule, who, repeat_on.strip().lower()])
                          .encode("utf-8")).hexdigest()


def _next_reference(school: School, when: datetime.datetime) -> str:
    prefix = f"CON-{when.year}-"
    count = Concern.objects.filter(school=school, reference__startswith=prefix).count()
    return f"{prefix}{count + 1:04d}"


def concern_raise(*, actor: Person | None, school: School, source: str, rule: str,
                  rule_title: str, topic: str, severity: str = rules.HIGH,
                  person: Person | None = None, person_label: str = "", excerpt: str = "",
                  url: str = "", clauses: Iterable[str] = (), advice: str = "",
                  details: dict | None = None, at: datetime.datetime | None = None,
                  count: int = 1, repeat_on: str | None = None,
                  last_at: datetime.datetime | None = None, incident: Incident | None = None,
                  notify: bool = True) -> tuple[Concern, bool]:
    """Put a signal in the school's concerns inbox; returns (concern, whether it is new).

    The same rule, person and excerpt (or `repeat_on`: a site's host) within
    rules.REPEAT_WINDOW of the last time, while the concern is still open, adds `count` to
    that concern instead of making another row. A new urgent concern (self-harm, suicide,
    abuse) is emailed to the safeguarding leads after commit; the others wait for the
    daily summary (notifications.send_daily_digest).

    `at` is when it first happened, `last_at` the last of the `count` times (a batch of
    the filter's log); the concern keeps the latest address. `incident`: a report already
    in the incident log (which has told its designated person: `notify=False`).
    """
    if source not in rules.SOURCE_LABELS:
        raise InvalidInput(f"unknown source of concern {source!r}", code="unknown-source")
    if topic not in rules.TOPIC_LABELS:
        raise InvalidInput(f"unknown topic of concern {topic!r}", code="unknown-topic")
    if person is not None and person.school_id != school.pk:
        raise InvalidInput("a concern can only be about someone in the school",
                           code="other-school")
    at = at or timezone.now()
    last_at = max(last_at or at, at)
    count = max(1, int(count))
    excerpt, url = (excerpt or "")[:2000], (url or "")[:2000]
    key = repeat_key(rule, person, person_label, excerpt or url if repeat_on is None
                     else repeat_on)
    with transaction.atomic():
        # Lock the school's row: two raises at once never share a reference or both
        # miss the other's repeat.
        School.objects.select_for_update().filter(pk=school.pk).first()
        existing = (Concern.objects.select_for_update()
                    .filter(school=school, repeat_key=key, state__in=rules.OPEN_STATES,
                            last_seen_at__gte=at - rules.REPEAT_WINDOW)
                    .order_by("-last_seen_at").first())
        if existing is not None:
            existing.occurrences += count
            if last_at >= existing.last_seen_at:
                existing.last_seen_at = last_at
                existing.url = url or existing.url
            existing.save(update_fields=["occurrences", "last_seen_at", "url"])
            return existing, False
        concern = Concern.objects.create(
            school=school, reference=_next_reference(school, timezone.now()), source=source,
            person=person, person_label=person_label[:200], raised_at=at, last_seen_at=last_at,
            occurrences=count, rule=rule[:80], rule_title=rule_title[:200], topic=topic,
            severity=severity, urgent=rules.is_urgent(topic, source), excerpt=excerpt, url=url,
            clauses=[str(c) for c in clauses], advice=advice, details=details or {},
            repeat_key=key, incident=incident)
        events.concern_raised(actor=actor, concern=concern)
        if concern.urgent and notify:
            from esafety.concerns import notifications

            pk = concern.pk
            transaction.on_commit(lambda: notifications.notify_urgent(pk))
    return concern, True
