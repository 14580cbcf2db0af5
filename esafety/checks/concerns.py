"""When a message check shows someone may be at risk, the designated person is really told.

A check of a message written by a pupil, or of mail arriving from outside,
that finds self-harm, extremism or violence records a concern in the incident log (shown
there as reported via "message check"), and the incident log emails the school's
designated person; whether that email went, or why not, is kept in the incident's
history (incidents.notifications.notify_report) and said to whoever ran the check. A check of
a message staff are about to send gives advice only: nobody is told and nothing is kept.

Least intrusive: the concern keeps the checker's findings (rule, clause, the short
excerpt each quotes), who the message was from and to and its subject, never the whole
message.
"""

from esafety.checks.concern_rules import (
    CONCERN_RULES,
    ConcernOutcome,
    concern_findings,
)
from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.engine.messages.checker import Verdict
from esafety.engine.messages.message import ParsedMessage, shorten
from esafety.incidents import access as incident_access
from esafety.incidents import actions as incident_actions
from esafety.incidents import rules as incident_rules
from esafety.incidents.models import Incident, IncidentEvent

__all__ = ["ConcernOutcome", "concern_findings", "designated_people",
           "message_check_concern_record", "outcome_of"]

MAX_PEOPLE = 20
VIA = incident_actions.MESSAGE_CHECK_VIA  # Incident.reported_via: "via the message check form"


def designated_people(school) -> list[Person]:
    """Who a concern from a message check is for: the designated person in incident
    settings, else the school's DSLs, online safety leads, then headteachers."""
    conf = incident_access.settings_for(school)
    if conf.designated_person is not None and conf.designated_person.is_active:
        return [conf.designated_person]
    people = Person.objects.filter(school=school, is_active=True)
    for role in (roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER):
        found = list(people.filter(role=role).order_by("pk"))
        if found:
            return found
    return []


def _people_in_message(school, msg: ParsedMessage, verdict: Verdict) -> dict[Person, str]:
    """The school's people the message is about, with their part: a pupil who wrote it
    ("other": the DSL decides), the people in school it was sent to ("target")."""
    found: dict[Person, str] = {}
    addresses = {address for _, address in msg.recipients[:200]}
    if verdict.audience == "pupils" and msg.sender_address:
        addresses.add(msg.sender_address)
    if not addresses:
        return found
    people = (Person.objects.filter(school=school, is_active=True, email__in=addresses)
              .order_by("pk")[:MAX_PEOPLE])
    for person in people:
        is_sender = person.email.lower() == msg.sender_address
        found[person] = incident_rules.PART_OTHER if is_sender else incident_rules.PART_TARGET
    return found


def _description(verdict: Verdict, msg: ParsedMessage, findings, checked_by: str) -> str:
    recipients = ", ".join(address for _, address in msg.recipients[:5])
    if len(msg.recipients) > 5:
        recipients += f" and {len(msg.recipients) - 5} more"
    lines = [
        "A message check found signs that someone may be at risk. Only what the checker "
        "found is kept here, not the message itself.",
        "",
        f"Checked: {checked_by}",
        f"Read as: {verdict.read_as}",
        f"From: {msg.sender_address or 'not given'}",
        f"To: {recipients or 'not given'}",
        f"Subject: {shorten(msg.subject, 120) if msg.subject.strip() else 'none'}",
        "",
        "What the checker found:",
    ]
    for finding in findings:
        lines.append(f"- {finding.rule.title} ({'; '.join(str(c) for c in finding.rule.clauses)})")
        for evidence in finding.evidence[:2]:
            lines.append(f"  {evidence.part}: \u201c{shorten(evidence.excerpt, 200)}\u201d")
    return "\n".join(lines)


def message_check_concern_record(*, actor: Person, school: School, verdict: Verdict, msg: ParsedMessage,
                                 checked_by: str, writer: Person | None = None
                                 ) -> ConcernOutcome:
    """Record a concern for the designated person from a check that found someone may be
    at risk (see concern_findings), through incidents.actions.incident_report: one
    transaction with its history and audit rows; the incident log then emails the
    designated person after commit and records whether that worked.

    `actor` is who ran the check (the person in the web app, or for `esafety scan` the
    designated person, since no one reported it by hand); `writer` the pupil who checked
    their own message (a draft has no From: line). Returns what happened.
    """
    findings = concern_findings(verdict)
    if not findings:
        return ConcernOutcome(not_recorded="nothing in it suggests anyone is at risk")
    designated = designated_people(school)
    ordered = sorted(findings, key=lambda f: list(CONCERN_RULES).index(f.rule.id))
    kind = CONCERN_RULES[ordered[0].rule.id][0]
    what = " and ".join(dict.fromkeys(CONCERN_RULES[f.rule.id][1] for f in ordered))
    people = _people_in_message(school, msg, verdict)
    if writer is not None:
        people = {writer: incident_rules.PART_REPORTER, **{
            p: part for p, part in people.items() if p.pk != writer.pk}}
    incident = incident_actions.incident_report(
        actor=actor, kind=kind, summary=f"Message check: {what}"[:200],
        description=_description(verdict, msg, ordered, checked_by),
        people=list(people), parts={p.pk: part for p, part in people.items()}, via=VIA)
    outcome = outcome_of(incident)
    if not outcome.designated:
        outcome.designated = [p.display_name for p in designated]
    return outcome


def outcome_of(incident: Incident) -> ConcernOutcome:
    """Who the concern's alert email reached, or why it did not, from the incident's
    history (written by notify_report after commit; nothing yet when it has not run)."""
    outcome = ConcernOutcome(incident=incident)
    last = (IncidentEvent.objects.filter(
        incident=incident,
        kind__in=[incident_actions.NOTIFICATION_SENT, incident_actions.NOTIFICATION_FAILED])
        .order_by("-seq").first())
    if last is None:
        return outcome
    if last.kind == incident_actions.NOTIFICATION_SENT:
        outcome.emailed = [name for name in str(last.data.get("name", "")).split(", ") if name]
        outcome.designated = list(outcome.emailed)
    else:
        outcome.failure = str(last.data.get("reason", "the email could not be sent"))
        pks = last.data.get("to") or []
        outcome.designated = [p.display_name for p in Person.objects.filter(pk__in=pks)]
    return outcome
