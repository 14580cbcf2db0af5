"""When a message check shows someone may be at risk, the safeguarding lead is really told.

A check of a message written by a pupil, or of mail arriving from outside, that finds
self-harm, a child telling of harm done to them, extremism or violence raises a concern in
the concerns inbox (esafety/concerns), one per rule found. Self-harm and a child's
disclosure are urgent: the safeguarding leads are emailed at once, and whether that email
went, or why not, is kept on the concern and said to whoever ran the check. Extremism and
violence wait for the leads' daily summary, and the page says so. A check of a message
staff are about to send gives advice only: nobody is told and nothing is kept.

Least intrusive: the concern keeps the checker's findings (rule, clause, the short
excerpts it quotes), who the message was from and to and its subject, never the whole
message.
"""

from esafety.checks.concern_rules import (
    CONCERN_RULES,
    ConcernOutcome,
    concern_findings,
)
from esafety.concerns import access as concern_access
from esafety.concerns import rules as concern_rules
from esafety.concerns import sources
from esafety.concerns.models import Concern
from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.engine.messages.checker import Verdict
from esafety.engine.messages.message import ParsedMessage, listed, shorten

__all__ = ["ConcernOutcome", "concern_findings", "designated_people",
           "message_check_concern_record", "outcome_of"]

MAX_PEOPLE = 20


def designated_people(school: School) -> list[Person]:
    """Who a concern from a message check is for: the designated person in incident
    settings and those whose role acts on concerns (esafety/concerns/access.py)."""
    return concern_access.leads(school)


def _person_concerned(school: School, msg: ParsedMessage, verdict: Verdict,
                      writer: Person | None) -> tuple[Person | None, str]:
    """Who the concern is about: the pupil who wrote it, else a pupil it was from or to,
    else anyone in school it was to; else nobody known (the sender's address is kept)."""
    if writer is not None:
        return writer, ""
    addresses = [address for _, address in msg.recipients[:200]]
    if verdict.audience == "pupils" and msg.sender_address:
        addresses.insert(0, msg.sender_address)
    people = list(Person.objects.filter(school=school, is_active=True, email__in=addresses)
                  .order_by("pk")[:MAX_PEOPLE])
    order = {address.lower(): index for index, address in enumerate(addresses)}
    people.sort(key=lambda p: (p.role != roles.PUPIL, order.get(p.email.lower(), 999)))
    if people:
        return people[0], ""
    return None, msg.sender_address or ""


def _recipients(msg: ParsedMessage) -> str:
    return listed([address for _, address in msg.recipients], 5)


def message_check_concern_record(*, actor: Person | None, school: School, verdict: Verdict,
                                 msg: ParsedMessage, checked_by: str,
                                 writer: Person | None = None,
                                 source: str = concern_rules.MESSAGE_CHECK
                                 ) -> ConcernOutcome:
    """Raise a concern for each rule found that shows someone may be at risk (see
    concern_findings), through esafety.concerns: one transaction each with its audit row;
    an urgent one is emailed to the safeguarding leads after commit, and whether that
    worked is kept on it. The same finding about the same person again within the hour
    counts on the concern already waiting.

    `actor` is who ran the check (the person in the web app; for `esafety scan` the
    member of staff named, or the designated person); `writer` the pupil who checked their
    own message (a draft has no From: line). Returns what happened.
    """
    findings = concern_findings(verdict)
    if not findings:
        return ConcernOutcome(not_recorded="nothing in it suggests anyone is at risk")
    ordered = sorted(findings, key=lambda f: list(CONCERN_RULES).index(f.rule.id))
    person, label = _person_concerned(school, msg, verdict, writer)
    facts = sources.MessageFacts(
        checked_by=checked_by, read_as=verdict.read_as, sender=msg.sender_address or "",
        recipients=_recipients(msg),
        subject=shorten(msg.subject, 120) if msg.subject.strip() else "")
    raised = sources.from_message_check(actor=actor, school=school, findings=ordered,
                                        person=person, person_label=label, facts=facts,
                                        source=source)
    return outcome_of(raised, school)


def outcome_of(concerns: list[Concern], school: School) -> ConcernOutcome:
    """Who the urgent email reached, or why it did not, from the concerns themselves
    (written by concerns.notifications after commit; nothing yet when it has not run)."""
    outcome = ConcernOutcome(concerns=[Concern.objects.get(pk=c.pk) for c in concerns])
    for concern in outcome.concerns:
        if not concern.urgent:
            continue
        outcome.emailed += [n for n in concern.emailed_to if n not in outcome.emailed]
        if concern.email_failure and not outcome.failure:
            outcome.failure = concern.email_failure
    outcome.designated = outcome.emailed[:] or [p.display_name
                                                for p in designated_people(school)]
    return outcome
