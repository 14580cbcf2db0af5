"""What the safeguarding lead does with a concern: seen, closed with a reason, or escalated
to an incident (one action: the excerpt and address go over as hashed evidence)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from esafety.concerns import access, events, rules
from esafety.concerns.models import Concern
from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import actions as incident_actions
from esafety.incidents import rules as incident_rules
from esafety.incidents.models import Incident

# Incident.reported_via of an incident made from a concern.
ESCALATED_VIA = "concerns inbox"
MAX_REASON = 2000


def _require_actor(actor: Person, concern: Concern, what: str) -> None:
    if not access.may_act(actor, concern.school):
        raise NotAllowed(f"you cannot {what}")


def _lock_open(concern: Concern) -> Concern:
    # of=("self",): PostgreSQL cannot lock the outer join to a concern's unknown person.
    locked = (Concern.objects.select_for_update(of=("self",))
              .select_related("school", "person").get(pk=concern.pk))
    if not locked.is_open:
        raise Conflict(f"{locked.reference} is already {locked.state_label.lower()}",
                       code="concern-closed")
    return locked


def _change(concern: Concern, actor: Person, state: str, reason: str = "") -> str:
    before = concern.state
    concern.state = state
    concern.state_reason = reason
    concern.state_changed_by = actor
    concern.state_changed_at = timezone.now()
    concern.save(update_fields=["state", "state_reason", "state_changed_by",
                                "state_changed_at"])
    return before


def concern_mark_seen(*, actor: Person, concern: Concern) -> Concern:
    """Someone who may act has read it: it stops being listed first."""
    _require_actor(actor, concern, "act on concerns")
    with transaction.atomic():
        concern = _lock_open(concern)
        if concern.state != rules.NEW:
            raise Conflict(f"{concern.reference} has already been seen", code="already-seen")
        before = _change(concern, actor, rules.SEEN)
        events.concern_seen(actor=actor, concern=concern, before=before)
    return concern


def concern_close(*, actor: Person, concern: Concern, state: str, reason: str) -> Concern:
    """No further action, or a false positive (counted per rule), each with a reason."""
    _require_actor(actor, concern, "act on concerns")
    if state not in rules.CLOSING_STATES:
        raise InvalidInput("choose no further action or false positive", code="unknown-state")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why (the reason is kept with the concern)",
                           code="missing-reason")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"keep the reason under {MAX_REASON} characters",
                           code="reason-too-long")
    with transaction.atomic():
        concern = _lock_open(concern)
        before = _change(concern, actor, state, reason)
        if state == rules.FALSE_POSITIVE:
            events.concern_false_positive(actor=actor, concern=concern, before=before,
                                          reason=reason)
        else:
            events.concern_no_further_action(actor=actor, concern=concern, before=before,
                                             reason=reason)
    return concern


def evidence_text(concern: Concern) -> str:
    """What goes over to the incident as one item of evidence (hashed there)."""
    lines = [f"Carried over from concern {concern.reference} ({concern.source_label}).",
             f"Rule: {concern.rule_title} ({concern.rule})",
             f"About: {concern.who}",
             f"First seen: {timezone.localtime(concern.raised_at):%d %B %Y %H:%M}",
             f"Last seen: {timezone.localtime(concern.last_seen_at):%d %B %Y %H:%M}"
             f" ({concern.occurrences} time{'s' if concern.occurrences != 1 else ''})"]
    if concern.excerpt:
        lines.append(f"Excerpt: \u201c{concern.excerpt}\u201d")
    if concern.url:
        lines.append(f"Address: {concern.url}")
    for finding in concern.details.get("findings", []):
        for excerpt in finding.get("excerpts", []):
            lines.append(f"{finding.get('title', '')}: \u201c{excerpt}\u201d")
    for clause in concern.clauses:
        lines.append(f"Policy: {clause}")
    return "\n".join(lines)


def concern_escalate(*, actor: Person, concern: Concern, kind: str = "",
                     summary: str = "") -> Incident:
    """Open an incident from the concern in one step: the person concerned is in the case,
    the excerpt and address are its first evidence with their SHA-256 (recorded on the
    concern too), and each links to the other. The incident log then tells its
    designated person as for any new report."""
    _require_actor(actor, concern, "act on concerns")
    kind = kind or rules.INCIDENT_KIND_BY_TOPIC.get(concern.topic, incident_rules.OTHER)
    if kind not in incident_rules.TYPE_LABELS:
        raise InvalidInput("choose what kind of incident it is", code="unknown-kind")
    summary = (summary or "").strip()[:200]
    with transaction.atomic():
        concern = _lock_open(concern)
        if concern.incident_id is not None:
            raise Conflict(f"{concern.reference} is already in the incident log as "
                           f"{concern.incident.reference if concern.incident else ''}",
                           code="already-an-incident")
        people = [concern.person] if concern.person is not None else []
        incident = incident_actions.incident_report(
            actor=actor, kind=kind,
            summary=summary or f"From concern {concern.reference}: {concern.rule_title}"[:200],
            description=(f"Escalated from concern {concern.reference} in the concerns inbox "
                         f"({concern.source_label}: {concern.rule_title}). The excerpt and "
                         f"address are kept as evidence below, with their SHA-256."),
            occurred_at=min(concern.raised_at, timezone.now()),
            people=people, parts={p.pk: incident_rules.PART_OTHER for p in people},
            via=ESCALATED_VIA)
        item = incident_actions.evidence_add(actor=actor, incident=incident,
                                             kind=incident_rules.EVIDENCE_NOTE,
                                             text=evidence_text(concern))
        before = _change(concern, actor, rules.ESCALATED,
                         f"Escalated to incident {incident.reference}")
        concern.incident = incident
        concern.evidence_sha256 = item.sha256
        concern.save(update_fields=["incident", "evidence_sha256"])
        events.concern_escalated(actor=actor, concern=concern, before=before,
                                 incident_reference=incident.reference, sha256=item.sha256)
    return incident
