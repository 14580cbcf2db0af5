"""Signals from the rest of esafety, turned into concerns.

- message checks (the web page, `esafety check`, `esafety scan`): checks/concerns.py calls
  `from_message_check` with the checker's findings;
- reports in the incident log: `from_report` (the incident log calls it for each new
  report; an allegation about a member of staff never comes here, it is the
  headteacher's alone);
- filtering: every blocked request in a safeguarding category (self-harm, suicide,
  extremism...), the words of a search that match the self-harm or extremism lexicon, and
  alerts for repeated blocked attempts (003 §4.4), from the filter's logs as they are
  loaded (filtering/actions/attempts.py).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from esafety.concerns import rules
from esafety.concerns.actions import concern_raise
from esafety.concerns.models import Concern
from esafety.directory.models import Person, School

if TYPE_CHECKING:
    from esafety.engine.messages.checker import Finding
    from esafety.filtering.models import BlockedAttempt, FilteringAlert
    from esafety.incidents.models import Incident

MAX_EXCERPTS = 3
MAX_TERM = 200


@dataclass
class MessageFacts:
    """What a concern from a message keeps about the message: never the message itself."""

    checked_by: str
    read_as: str = ""
    sender: str = ""
    recipients: str = ""
    subject: str = ""


def from_message_check(*, actor: Person | None, school: School, findings: Sequence[Finding],
                       person: Person | None, person_label: str, facts: MessageFacts,
                       source: str = rules.MESSAGE_CHECK) -> list[Concern]:
    """One concern per rule found (self-harm, a child's disclosure of harm, extremism,
    violence), about `person` (or the address in `person_label` when nobody in the school is
    known), carrying the rule's clauses and advice and the short excerpts the checker
    quoted."""
    raised = []
    for finding in findings:
        topic = rules.CHECKER_RULE_TOPICS.get(finding.rule.id)
        if topic is None:
            continue
        excerpts = [e.excerpt for e in finding.evidence[:MAX_EXCERPTS]]
        concern, _ = concern_raise(
            actor=actor, school=school, source=source, rule=finding.rule.id,
            rule_title=finding.rule.title, topic=topic, severity=finding.rule.severity
            if finding.rule.severity in rules.SEVERITY_LABELS else rules.HIGH,
            person=person, person_label=person_label, excerpt=" \u2026 ".join(excerpts),
            clauses=[str(c) for c in finding.rule.clauses], advice=finding.rule.advice,
            details={"checked_by": facts.checked_by, "read_as": facts.read_as,
                     "from": facts.sender, "to": facts.recipients, "subject": facts.subject,
                     "findings": [{"rule": finding.rule.id, "title": finding.rule.title,
                                   "excerpts": excerpts}]})
        raised.append(concern)
    # Most urgent first: the caller tells the user about the first.
    return sorted(raised, key=lambda c: (not c.urgent, c.pk))


def _headings(school: School, categories: Iterable[str]) -> dict[str, str]:
    from esafety.filtering.models import Category

    return dict(Category.objects.filter(school=school, name__in=set(categories))
                .values_list("name", "uk_sic"))


def search_term(url: str) -> str:
    """The words of a search in a requested address ("" when it is not a search)."""
    if "?" not in url:  # most logged requests: no query to read
        return ""
    try:
        query = urlsplit(url).query
    except ValueError:
        return ""
    for name, value in parse_qsl(query, keep_blank_values=False):
        if name.lower() in rules.SEARCH_PARAMETERS and value.strip():
            return " ".join(value.split())[:MAX_TERM]
    return ""


def _term_findings(term: str) -> list[Finding]:
    """The self-harm and extremism findings the message checker makes of a search's words,
    read as a pupil's own words (the same lexicon as the messages)."""
    from esafety.engine.messages.checker import check_parsed
    from esafety.engine.messages.message import message_from_text

    verdict = check_parsed(message_from_text(term, subject="", audience=""), directory=None,
                           sender_role="pupil")
    return [f for f in verdict.findings
            if rules.CHECKER_RULE_TOPICS.get(f.rule.id) in rules.SEARCH_TERM_TOPICS]


def _who(row: BlockedAttempt) -> tuple[Person | None, str]:
    return row.person, "" if row.person_id else (row.username or row.client or "")[:200]


def from_filtering_requests(school: School, rows: Sequence[BlockedAttempt]) -> list[Concern]:
    """Concerns from a batch of the filter's logged decisions: requests in a safeguarding
    category (one concern per person and site: forty retries are one concern counted forty
    times) and searches whose words match the self-harm or extremism lexicon."""
    headings = _headings(school, {r.category for r in rows if r.category})
    requests: dict[tuple, list[BlockedAttempt]] = defaultdict(list)
    searches: dict[tuple, list[BlockedAttempt]] = defaultdict(list)
    terms: dict[str, list[Finding]] = {}
    for row in rows:
        topic = rules.safeguarding_topic(row.category, headings.get(row.category, "")) \
            if row.category else None
        if topic is not None:
            requests[(row.person_id, row.username, row.client, row.category, row.host,
                      topic)].append(row)
        term = search_term(row.url)
        if term:
            if term not in terms:
                terms[term] = _term_findings(term)
            if terms[term]:
                searches[(row.person_id, row.username, row.client, term)].append(row)
    raised = []
    for (_, _, _, category, host, topic), group in requests.items():
        person, label = _who(group[0])
        last = max(group, key=lambda r: r.at)
        concern, created = concern_raise(
            actor=None, school=school, source=rules.SAFEGUARDING_REQUEST,
            rule=f"filtering.{category}", rule_title=f"Web request: {category.replace('_', ' ')}",
            topic=topic, severity=rules.HIGH, person=person, person_label=label,
            excerpt=host, url=last.url, clauses=rules.SAFEGUARDING_REQUEST_CLAUSES,
            advice=rules.SAFEGUARDING_REQUEST_ADVICE,
            details={"category": category, "action": last.action, "group": last.group,
                     "client": last.client},
            at=min(r.at for r in group), last_at=last.at, count=len(group), repeat_on=host)
        if created:
            raised.append(concern)
    for (_, _, _, term), group in searches.items():
        person, label = _who(group[0])
        first = terms[term][0]
        last = max(group, key=lambda r: r.at)
        concern, created = concern_raise(
            actor=None, school=school, source=rules.SEARCH_TERM,
            rule=f"search.{first.rule.id}", rule_title=f"Search: {first.rule.title}",
            topic=rules.CHECKER_RULE_TOPICS[first.rule.id], severity=rules.HIGH,
            person=person, person_label=label, excerpt=term, url=last.url,
            clauses=[*rules.SEARCH_TERM_CLAUSES, *(str(c) for c in first.rule.clauses)],
            advice=first.rule.advice, details={"host": last.host, "client": last.client},
            at=min(r.at for r in group), last_at=last.at, count=len(group), repeat_on=term)
        if created:
            raised.append(concern)
    return raised


def from_filtering_alerts(school: School, alerts: Sequence[FilteringAlert]) -> list[Concern]:
    """A concern for each alert about repeated blocked attempts (003 §4.4). An alert in a
    safeguarding category adds nothing: its requests are already one concern, counted."""
    from esafety.filtering.rules import category_label

    headings = _headings(school, {a.category for a in alerts})
    raised = []
    for alert in alerts:
        if rules.safeguarding_topic(alert.category, headings.get(alert.category, "")):
            continue
        label = category_label(alert.category) or alert.category
        concern, created = concern_raise(
            actor=None, school=school, source=rules.FILTERING_ALERT,
            rule="filtering.repeated-attempts", rule_title="Repeated attempts at blocked sites",
            topic=rules.MISUSE, severity=rules.MEDIUM, person=alert.person,
            excerpt=f"{alert.attempts} blocked attempts at {label}",
            clauses=rules.REPEATED_ATTEMPTS_CLAUSES, advice=rules.REPEATED_ATTEMPTS_ADVICE,
            details={"alert": alert.pk, "category": alert.category},
            at=alert.first_at, last_at=alert.last_at, count=alert.attempts,
            repeat_on=alert.category)
        if created:
            raised.append(concern)
    return raised


def from_report(*, incident: Incident) -> Concern | None:
    """A new report in the incident log, in the same queue as everything else: already
    linked to its incident (so it is never escalated twice) and never emailed again (the
    incident log has told its designated person). Allegations about staff are left out:
    only the headteacher and whom they add may know of them. None when left out."""
    if incident.is_allegation:
        return None
    topic = rules.TOPIC_BY_INCIDENT_KIND.get(incident.kind, rules.OTHER)
    parts = list(incident.involvements.filter(removed_at__isnull=True)
                 .select_related("person").order_by("pk"))
    pupils = [i for i in parts if i.person.role == "pupil"]
    chosen = next((i for i in pupils if i.part == "target"), None) or \
        (pupils[0] if pupils else (parts[0] if parts else None))
    concern, _ = concern_raise(
        actor=incident.reported_by, school=incident.school, source=rules.REPORT,
        rule=f"report.{incident.kind}", rule_title=f"Report: {incident.kind_label}",
        topic=topic, severity=rules.HIGH if rules.is_urgent(topic) else rules.MEDIUM,
        person=chosen.person if chosen else None, excerpt=incident.reference,
        clauses=rules.REPORT_CLAUSES,
        advice="Read the report in the incident log and acknowledge it there.",
        details={"via": incident.reported_via}, at=incident.reported_at,
        incident=incident, notify=False)
    return concern
