"""Loading what the mail filter left in events/: held messages become rows for the
reviewers, and findings that mean someone may be at risk become concerns (urgent ones
emailed to the safeguarding leads, as every concern source does). A new held message its
sender marked private is told to the headteacher and their nominee, who must authorise
reading it (notifications.private_held_waiting).

The filter writes one small file per event before it answers the mail server; this reads
them in a batch, one transaction each, and removes each file only after its transaction
committed. A file that cannot be loaded stays, and is tried again at the next turn.
"""

from __future__ import annotations

import datetime
import functools
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from esafety.concerns import rules as concern_rules
from esafety.directory.models import School
from esafety.engine.messages.checker import Evidence, Finding, Verdict
from esafety.engine.messages.message import ParsedMessage
from esafety.engine.messages.rulebook import Rule, rulebook_in_force
from esafety.mailfilter import engine, notifications
from esafety.mailfilter.models import FilteredMessage, HeldMessage
from esafety.mailfilter.publishing import folder
from esafety.mailfilter.server import EVENTS_DIR

log = logging.getLogger(__name__)

BATCH = 500


@dataclass
class IngestResult:
    loaded: int = 0
    held: int = 0
    concerns: int = 0
    failed: list[str] = field(default_factory=list)


def _rules_by_id() -> dict[str, Rule]:
    """The rules a filter's event may name: the rulebook's, with the filter's own (a sender
    the directory does not know, a message it could not check), which are not in the
    rulebook, so a message they held shows why on the held-mail pages."""
    return {**engine.FILTER_RULES, **{r.id: r for r in rulebook_in_force().rules}}


def _findings(event: dict, by_id: dict[str, Rule]) -> list[Finding]:
    out = []
    for item in event.get("findings", []):
        rule = by_id.get(item.get("rule"))
        if rule is None:
            continue
        out.append(Finding(rule=rule, rating=item.get("rating"),
                           evidence=[Evidence(e.get("part", ""), e.get("excerpt", ""))
                                     for e in item.get("evidence", [])]))
    return out


def _held_row(school: School, event: dict, findings: list[Finding]) -> HeldMessage | None:
    if event.get("outcome") != engine.HOLD:
        return None
    deciding = set(event.get("decided_by", []))
    row, created = HeldMessage.objects.get_or_create(
        school=school, key=event["key"], defaults={
            "held_at": datetime.datetime.fromisoformat(event["at"]) if event.get("at")
            else timezone.now(),
            "audience": event.get("audience", ""), "sender": event.get("sender", "")[:320],
            "recipients": event.get("recipients", [])[:200],
            "recipient_count": event.get("recipient_count", 0),
            "subject": event.get("subject", "")[:300], "private": bool(event.get("private")),
            "reason": event.get("reason", ""), "read_as": event.get("read_as", "")[:300],
            "findings": [f.as_dict() for f in findings if f.rule.id in deciding]})
    return row if created else None


def _filtered_row(school: School, event: dict, findings: list[Finding]) -> None:
    if event.get("outcome") not in (FilteredMessage.RETURNED, FilteredMessage.REFUSED):
        return
    deciding = set(event.get("decided_by", []))
    FilteredMessage.objects.get_or_create(school=school, key=event["key"], defaults={
        "at": datetime.datetime.fromisoformat(event["at"]) if event.get("at")
        else timezone.now(),
        "outcome": event["outcome"], "sender": event.get("sender", "")[:320],
        "recipients": event.get("recipients", [])[:200],
        "subject": event.get("subject", "")[:300],
        "rules": [{"rule": f.rule.id, "title": f.rule.title} for f in findings
                  if f.rule.id in deciding]})


def _concerns(school: School, event: dict, findings: list[Finding]) -> int:
    from esafety.checks import concerns

    verdict = Verdict(verdict=event.get("verdict", "allow"), rating=event.get("rating"),
                      findings=findings, audience=event.get("audience", "inbound"),
                      read_as=event.get("read_as", ""))
    if not concerns.concern_findings(verdict):
        return 0
    msg = ParsedMessage(sender=("", event.get("sender", "")),
                        to=[("", a) for a in event.get("recipients", [])],
                        subject=event.get("subject", ""))
    outcome = concerns.message_check_concern_record(
        actor=None, school=school, verdict=verdict, msg=msg,
        checked_by="automatically, by the school's mail filter as the message went through",
        source=concern_rules.MAIL_FLOW)
    return len(outcome.concerns)


def ingest_events(school: School, *, limit: int = BATCH) -> IngestResult:
    """Load up to `limit` of the filter's events for `school` (oldest first)."""
    result = IngestResult()
    events_dir = folder(school) / EVENTS_DIR
    if not events_dir.is_dir():
        return result
    files = sorted(p for p in events_dir.iterdir()
                   if p.suffix == ".json" and not p.name.startswith("."))[:limit]
    by_id = _rules_by_id()  # once a batch
    for path in files:
        try:
            event = json.loads(path.read_bytes())
            findings = _findings(event, by_id)
            with transaction.atomic():
                held = _held_row(school, event, findings)
                if held is not None and held.private:
                    # Nobody may read it until they record why, and nothing else tells
                    # them it is there. After commit: a rollback tells nobody.
                    transaction.on_commit(
                        functools.partial(notifications.private_held_waiting, held))
                _filtered_row(school, event, findings)
                concerns = _concerns(school, event, findings)
        except Exception as exc:  # noqa: BLE001 - leave the file for the next turn
            log.exception("mail filter event %s not loaded", path.name)
            result.failed.append(f"{path.name}: {exc}")
            continue
        # Counted once committed: an event whose load rolled back is only "failed".
        if held is not None:
            result.held += 1
        result.concerns += concerns
        _remove(path)
        result.loaded += 1
    return result


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass
