"""A subject-access bundle: everything esafety holds about one person (003 §5.2: a subject
access request includes emails, so every record that names them), with other people's names
found and removed for a reviewer to check before anything leaves the school.

Sections are registered like the retention types, so the apps built later (held and captured
mail, consent, devices, training) add theirs:

    from esafety.retention.subject import register_section
    register_section("held_mail", "Mail held by the filter", rows_for_person)

`rows(person)` returns a list of plain dicts (strings, numbers, dates as text). A field that
names another person should hold their name as text: the redaction pass finds it there.
"""

from __future__ import annotations

import datetime
import io
import json
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone

from esafety.web import csvsafe

if TYPE_CHECKING:
    from esafety.directory.models import Person

Rows = Callable[["Person"], list[dict[str, Any]]]
REMOVED = "[name removed]"
# A sane ceiling for one section (a pupil's years of filtering log); the bundle says so.
MAX_ROWS = 20000


@dataclass(frozen=True)
class SectionType:
    name: str
    title: str
    rows: Rows
    order: int = 100


_SECTIONS: dict[str, SectionType] = {}


def register_section(name: str, title: str, rows: Rows, *, order: int = 100) -> None:
    _SECTIONS[name] = SectionType(name, title, rows, order)


def sections() -> list[SectionType]:
    return sorted(_SECTIONS.values(), key=lambda s: (s.order, s.title))


def plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).isoformat() if timezone.is_aware(value) \
            else value.isoformat()
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, models.Model):
        return getattr(value, "display_name", None) or str(value)
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return str(value)


def row(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    return {name: plain(getattr(instance, name)) for name in fields}


# --- the sections esafety already holds --------------------------------------------------------

def _directory(person: Person) -> list[dict]:
    data = row(person, ["username", "first_name", "last_name", "email", "role", "year_group",
                        "form", "date_of_birth", "external_id", "date_joined", "left_on",
                        "access_expires_at", "is_active"])
    data["school"] = person.school.name if person.school else ""
    data["children"] = ", ".join(c.display_name for c in person.children.all())
    return [data]


def _agreements(person: Person) -> list[dict]:
    from esafety.policies.models import Acceptance

    return [{**row(a, ["decision", "decided_at", "method", "recorded_by", "cosigned_by",
                       "cosigned_at", "school_year_start"]), "policy": str(a.version)}
            for a in Acceptance.objects.filter(person=person).select_related(
                "version", "recorded_by", "cosigned_by")]


_INCIDENT_FIELDS = ["reference", "kind", "status", "summary", "description", "occurred_at",
                    "location", "reported_at", "reported_via", "outcome", "closed_at"]


def _reports(person: Person) -> list[dict]:
    from esafety.incidents.models import Incident

    return [row(i, _INCIDENT_FIELDS) for i in Incident.objects.filter(reported_by=person)]


def _incidents(person: Person) -> list[dict]:
    from esafety.incidents.models import Involvement

    found = []
    for part in (Involvement.objects.filter(person=person).select_related("incident")
                 .order_by("incident__reported_at")):
        found.append({**row(part.incident, _INCIDENT_FIELDS),
                      **row(part, ["part", "added_at", "removed_at"])})
    return found


def _concerns(person: Person) -> list[dict]:
    from esafety.concerns.models import Concern

    return [row(c, ["raised_at", "source", "topic", "severity", "excerpt", "url", "state",
                    "state_reason", "state_changed_at"])
            for c in Concern.objects.filter(person=person)]


def _notices(person: Person) -> list[dict]:
    from esafety.notices.models import Notice

    return [row(n, ["created_at", "title", "body", "read_at", "acknowledged_at"])
            for n in Notice.objects.filter(recipient=person)]


def _suspensions(person: Person) -> list[dict]:
    from esafety.filtering.models import InternetSuspension

    return [row(s, ["starts_at", "ends_at", "reason", "created_by", "incident_reference",
                    "lifted_at", "lifted_by", "lift_reason"])
            for s in InternetSuspension.objects.filter(pupil=person).select_related(
                "created_by", "lifted_by")]


def _filter_log(person: Person) -> list[dict]:
    from esafety.filtering.models import BlockedAttempt

    return [row(b, ["at", "url", "category", "action", "client", "term"])
            for b in BlockedAttempt.objects.filter(person=person).order_by("at")[:MAX_ROWS]]


def _unblocks(person: Person) -> list[dict]:
    from esafety.filtering.models import UnblockRequest

    return [row(u, ["created_at", "site", "path", "reason", "starts_at", "ends_at", "status",
                    "decided_by", "decided_at", "decision_note"])
            for u in UnblockRequest.objects.filter(requested_by=person).select_related(
                "decided_by")]


def _alerts(person: Person) -> list[dict]:
    from esafety.filtering.models import FilteringAlert

    return [row(a, ["created_at", "category", "attempts", "first_at", "last_at",
                    "acknowledged_at"])
            for a in FilteringAlert.objects.filter(person=person)]


def _audit(person: Person) -> list[dict]:
    from esafety.audit.models import AuditEvent

    about = AuditEvent.objects.filter(
        models.Q(object_type="person", object_id=str(person.pk)) | models.Q(actor=person))
    return [{**row(e, ["at", "actor_label", "event_type", "object_type", "object_label",
                       "before", "after"]), "what": e.label}
            for e in about.order_by("seq")[:MAX_ROWS]]


for _args in [("directory", "Their record in esafety", _directory, 10),
              ("agreements", "Acceptable use agreements", _agreements, 20),
              ("reports", "Reports they made", _reports, 30),
              ("incidents", "Incidents they were part of", _incidents, 40),
              ("concerns", "Safeguarding concerns about them", _concerns, 50),
              ("notices", "Notices sent to them", _notices, 60),
              ("suspensions", "Internet suspensions", _suspensions, 70),
              ("unblocks", "Unblock requests they made", _unblocks, 72),
              ("filtering_alerts", "Filtering alerts about them", _alerts, 74),
              ("filter_log", "Filtering log (blocked or flagged requests, searches)",
               _filter_log, 80),
              ("audit", "Audit trail entries about them or by them", _audit, 90)]:
    register_section(_args[0], _args[1], _args[2], order=_args[3])


# --- redaction -------------------------------------------------------------------------------

def other_names(person: Person) -> list[str]:
    """Other people's names as they may appear in the records: the whole name, the first and
    last names (three letters or more), usernames and email addresses; never the subject's
    own."""
    from esafety.directory.models import Person as PersonModel

    own = {person.first_name, person.last_name, person.display_name, person.username,
           person.email} - {""}
    found: set[str] = set()
    people = PersonModel.objects.exclude(pk=person.pk)
    if person.school_id is not None:
        people = people.filter(school_id=person.school_id)
    for first, last, username, email in people.values_list("first_name", "last_name",
                                                           "username", "email"):
        for name in (f"{first} {last}".strip(), first, last, username, email):
            if name and len(name) >= 3 and name not in own:
                found.add(name)
    return sorted(found, key=lambda n: (-len(n), n))


@dataclass
class Section:
    name: str
    title: str
    rows: list[dict[str, Any]]


@dataclass
class Bundle:
    person: Person
    sections: list[Section]
    made_at: datetime.datetime
    redactions: Counter = field(default_factory=Counter)  # name -> times removed

    @property
    def counts(self) -> dict[str, int]:
        return {s.name: len(s.rows) for s in self.sections}


class _Redactor:
    def __init__(self, names: list[str]):
        self.pattern = (re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in names)
                                   + r")(?!\w)") if names else None)
        self.found: Counter = Counter()

    def _swap(self, match: re.Match) -> str:
        self.found[match.group(0)] += 1
        return REMOVED

    def __call__(self, value: Any) -> Any:
        if self.pattern is None:
            return value
        if isinstance(value, str):
            return self.pattern.sub(self._swap, value)
        if isinstance(value, list):
            return [self(v) for v in value]
        if isinstance(value, dict):
            return {k: self(v) for k, v in value.items()}
        return value


def build(person: Person) -> Bundle:
    """Everything held about `person`, other people's names already removed (the bundle
    says which, for the reviewer)."""
    redact = _Redactor(other_names(person))
    found = [Section(s.name, s.title, [redact(r) for r in s.rows(person)]) for s in sections()]
    return Bundle(person=person, sections=found, made_at=timezone.now(),
                  redactions=redact.found)


def _csv(rows: list[dict]) -> str:
    out = io.StringIO()
    columns: list[str] = []
    for r in rows:
        columns.extend(k for k in r if k not in columns)
    writer = csvsafe.writer(out)
    writer.writerow(columns)
    for r in rows:
        writer.writerow([_cell(r.get(k)) for k in columns])
    return out.getvalue()


def _cell(value: Any) -> str:
    # Lists and dicts as JSON; csvsafe.writer then quotes anything a spreadsheet would run.
    return json.dumps(value, ensure_ascii=False) if isinstance(value, (list, dict)) else \
        ("" if value is None else str(value))


def as_zip(bundle: Bundle) -> bytes:
    """The bundle as a zip: summary.html, and each section as JSON and CSV."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("summary.html", render_to_string("retention/bundle/summary.html",
                                                          {"bundle": bundle}))
        for section in bundle.sections:
            archive.writestr(f"{section.name}.json",
                             json.dumps(section.rows, indent=2, ensure_ascii=False,
                                        default=str))
            archive.writestr(f"{section.name}.csv", _csv(section.rows))
    return buffer.getvalue()


def file_name(bundle: Bundle) -> str:
    return f"subject-access-{bundle.person.username}-{bundle.made_at:%Y%m%d}.zip"
