"""What the mail filter does with one message: pure Python, no Django, no database.

The web app publishes a snapshot of the school (esafety/mailfilter/publishing.py): its mail
domains, who is a pupil or staff by address, each pupil's approved recipients, the outside
correspondents it knows, and the school's choices. The filter process loads it once and
reloads it when a new one is published; `decide` turns an envelope and a message into one
of five outcomes:

- pass: re-inject it unchanged;
- hold: keep it for a reviewer; the sender is told it is held and why (not a message of the
  school's own people whose only finding is a risk of self-harm or a child telling of harm
  done to them: that one goes, and the designated safeguarding lead is told);
- return: inbound mail with inappropriate content goes back to a sender the school knows
  (or whose message the school's own server authenticated), asking for a revised version
  (000 §8); anyone else's is held instead, never bounced to a possibly forged sender;
- refuse: a pupil writing to someone not on their approved list (004 §3.2.3) is told in
  plain words who can add the address; nothing is delivered;
- and, when the snapshot is missing or the checker fails, the caller answers 4xx.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from esafety.checks.concern_rules import CONCERN_RULES
from esafety.engine.messages.checker import _VERDICT_ORDER, Finding, Verdict, check_parsed
from esafety.engine.messages.directory import Directory, Member
from esafety.engine.messages.message import ParsedMessage, parse_message
from esafety.engine.messages.rulebook import Rulebook, builtin_rulebook, load_rulebook

SNAPSHOT_FILE = "snapshot.json"
FORMAT = 1

PASS, HOLD, RETURN, REFUSE = "pass", "hold", "return", "refuse"
OUTCOMES = (PASS, HOLD, RETURN, REFUSE)

UNAPPROVED_RULE = "recipients.pupil-unapproved"
# Inbound content the policy says is not accepted but returned for a revised version
# (000 §8, 003 App. 1).
INAPPROPRIATE_CONTENT = frozenset({"content.profanity", "content.abuse",
                                   "content.discrimination", "content.sexual",
                                   "content.violence", "content.extremism"})
# A finding that someone of the school is telling another that they may be at risk, or
# that someone is harming them: the message goes (holding a child's "I want to die" or "my
# dad hits me" to their teacher stops them telling a trusted adult) and the designated
# safeguarding lead is told through the concern recorded.
TELLING_RULES = frozenset({"content.self-harm", "content.disclosure"})
# Private or personal mail is checked for these only (003 §2.1 to §2.7: least intrusive).
SAFEGUARDING_RULES = frozenset(CONCERN_RULES)

_PRIVATE_SUBJECT = re.compile(r"^\s*(?:re:\s*|fwd?:\s*)*[\[(]?\s*(private|personal)\b",
                              re.IGNORECASE)
_SENSITIVITY = frozenset({"private", "personal", "company-confidential"})
MAX_ENVELOPE_RECIPIENTS = 10_000


class SnapshotMissing(Exception):
    """No usable snapshot: the caller answers 4xx so the mail server keeps the message."""


@dataclass
class FilterSnapshot:
    school: str
    school_name: str
    version: str
    directory: Directory
    staff_fail_open: bool = False
    # The authserv-id of the school's own mail server in Authentication-Results headers.
    trusted_authserv: frozenset[str] = frozenset()
    # Who can add an address to a pupil's approved list, in words, for the pupil's bounce.
    who_can_approve: str = "your teacher"
    postmaster: str = ""
    rulebook: Rulebook | None = None
    mtime: float = 0.0

    def sender_role(self, address: str) -> str | None:
        member = self.directory.member(address or "")
        if member is not None:
            return member.role
        if address and self.directory.domains and self.directory.is_internal(address):
            return "staff"
        return None


def snapshot_document(*, school: str, school_name: str, version: str, domains: list[str],
                      members: list[tuple[str, str, str]], approved: dict[str, list[str]],
                      correspondents: list[str], staff_fail_open: bool,
                      trusted_authserv: list[str], who_can_approve: str,
                      postmaster: str) -> dict:
    """The published document (what publishing.py writes and `load` reads)."""
    return {"format": FORMAT, "school": school, "school_name": school_name,
            "version": version, "domains": sorted(domains),
            "members": [list(m) for m in members], "approved": approved,
            "correspondents": sorted(correspondents), "staff_fail_open": staff_fail_open,
            "trusted_authserv": sorted(trusted_authserv), "who_can_approve": who_can_approve,
            "postmaster": postmaster}


def load(path: str | os.PathLike, rulebook_path: str | None = None) -> FilterSnapshot:
    """Load a published snapshot; SnapshotMissing when there is none or it is unusable."""
    path = Path(path)
    try:
        mtime = path.stat().st_mtime
        data = json.loads(path.read_bytes())
        if data.get("format") != FORMAT:
            raise SnapshotMissing(f"{path}: unknown format {data.get('format')!r}")
        members = {a.lower(): Member(a.lower(), name, role) for a, name, role in data["members"]}
        directory = Directory(
            domains=frozenset(data["domains"]), members=members,
            approved={k.lower(): frozenset(v) for k, v in data["approved"].items()},
            correspondents=frozenset(data["correspondents"]))
        return FilterSnapshot(
            school=data["school"], school_name=data.get("school_name", data["school"]),
            version=str(data.get("version", "")), directory=directory,
            staff_fail_open=bool(data.get("staff_fail_open")),
            trusted_authserv=frozenset(a.lower() for a in data.get("trusted_authserv", [])),
            who_can_approve=data.get("who_can_approve") or "your teacher",
            postmaster=data.get("postmaster", ""),
            rulebook=load_rulebook(rulebook_path) if rulebook_path else builtin_rulebook(),
            mtime=mtime)
    except SnapshotMissing:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotMissing(f"the mail filter's snapshot {path} cannot be read "
                              f"({type(exc).__name__}: {exc})") from None


@dataclass
class Decision:
    outcome: str
    verdict: Verdict
    audience: str  # staff | pupils | inbound | bulk
    private: bool = False
    findings: list[Finding] = field(default_factory=list)  # those that decided it
    reason: str = ""  # in the policy's words, for the people told
    sender_known: bool = False
    unapproved: list[str] = field(default_factory=list)
    subject: str = ""
    return_to: str = ""  # where a returned message goes: the envelope sender, else From:


def is_private(msg: ParsedMessage, head: str) -> bool:
    """Marked private or personal: a subject marker or a Sensitivity header."""
    if _PRIVATE_SUBJECT.match(msg.subject or ""):
        return True
    return any(v.strip().lower() in _SENSITIVITY for v in _header_values(head, "sensitivity"))


def authenticated_by_school(raw_head: str, trusted: frozenset[str]) -> bool:
    """Whether an Authentication-Results header written by the school's own server (its
    authserv-id) says the sender passed DMARC, or DKIM or SPF."""
    if not trusted:
        return False
    for line in _header_values(raw_head, "authentication-results"):
        authserv = line.split(";", 1)[0].strip().split()[0].lower() if line.strip() else ""
        if authserv not in trusted:
            continue
        results = line.split(";", 1)[1].lower() if ";" in line else ""
        if re.search(r"\b(dmarc|dkim|spf)\s*=\s*pass\b", results):
            return True
    return False


def _header_values(head: str, name: str) -> list[str]:
    out: list[str] = []
    current: list[str] | None = None
    for line in head.splitlines():
        if line[:1] in (" ", "\t") and current is not None:
            current.append(line.strip())
            continue
        if current is not None:
            out.append(" ".join(current))
            current = None
        key, sep, value = line.partition(":")
        if sep and key.strip().lower() == name:
            current = [value.strip()]
    if current is not None:
        out.append(" ".join(current))
    return out


def _head(raw: bytes) -> str:
    end = raw.find(b"\r\n\r\n")
    end2 = raw.find(b"\n\n")
    cut = min(x for x in (end, end2, len(raw)) if x >= 0)
    return raw[:min(cut, 256 * 1024)].decode("latin-1")


def _with_envelope(msg: ParsedMessage, mail_from: str, rcpts: list[str]) -> ParsedMessage:
    """The envelope decides who the mail goes to (Bcc is not in the headers) and who sent
    it when the From: line is missing."""
    seen = {a.lower() for _, a in msg.recipients}
    for rcpt in rcpts[:MAX_ENVELOPE_RECIPIENTS]:
        if rcpt.lower() not in seen:
            seen.add(rcpt.lower())
            msg.bcc.append(("", rcpt.lower()))
    if msg.sender is None and mail_from:
        msg.sender = ("", mail_from.lower())
    return msg


def _strongest(findings: list[Finding]) -> str:
    return max((f.action for f in findings), key=_VERDICT_ORDER.__getitem__, default="allow")


def reason_text(findings: list[Finding]) -> str:
    """The rules found, in the policy's words: title, clause and what to do."""
    lines = []
    for finding in findings:
        clauses = "; ".join(str(c) for c in finding.rule.clauses)
        lines.append(f"- {finding.rule.title} (policy: {clauses}).\n  {finding.rule.advice}")
    return "\n".join(lines)


def decide(snapshot: FilterSnapshot, mail_from: str, rcpts: list[str], raw: bytes,
           check=check_parsed) -> Decision:
    """The outcome for one message. Raises whatever the checker raises (the caller answers
    4xx, or passes staff mail when the school chose fail-open)."""
    msg = _with_envelope(parse_message(raw), mail_from, rcpts)
    sender = msg.sender_address or mail_from
    # Who sent it: the envelope sender when it is someone in the school (a From: line can
    # say anything), else the From: line's address.
    role = snapshot.sender_role(mail_from) or snapshot.sender_role(sender)
    verdict = check(msg, directory=snapshot.directory, sender_role=role,
                    rulebook=snapshot.rulebook)
    private = verdict.audience == "staff" and is_private(msg, _head(raw))
    findings = verdict.findings
    if private:
        findings = [f for f in findings if f.rule.id in SAFEGUARDING_RULES]
        verdict = Verdict(verdict=_strongest(findings), rating=verdict.rating,
                          findings=findings, audience=verdict.audience,
                          read_as=verdict.read_as + ", marked private: safeguarding rules only")
    decision = Decision(outcome=PASS, verdict=verdict, audience=verdict.audience,
                        private=private, subject=" ".join(msg.subject.split())[:300])
    strong = [f for f in findings if f.action in ("hold", "block")]
    if verdict.audience == "pupils":
        unapproved = [f for f in findings if f.rule.id == UNAPPROVED_RULE]
        if unapproved:
            decision.outcome = REFUSE
            decision.findings = unapproved
            decision.unapproved = _unapproved_addresses(msg, snapshot, sender)
            decision.reason = reason_text(unapproved)
            return decision
    if verdict.audience in ("inbound", "bulk"):
        content = [f for f in strong if f.rule.id in INAPPROPRIATE_CONTENT]
        if content:
            return_to = mail_from or msg.sender_address
            known = bool(return_to) and (
                snapshot.directory.knows_correspondent(return_to)
                or authenticated_by_school(_head(raw), snapshot.trusted_authserv))
            decision.sender_known = known
            decision.return_to = return_to
            decision.outcome = RETURN if known else HOLD
            decision.findings = content
            decision.reason = reason_text(content)
            return decision
    if strong and verdict.audience in ("staff", "pupils") and all(
            f.rule.id in TELLING_RULES for f in strong):
        return decision  # passed; the concern is recorded for the DSL all the same
    if strong:
        decision.outcome = HOLD
        decision.findings = strong
        decision.reason = reason_text(strong)
    return decision


def _unapproved_addresses(msg: ParsedMessage, snapshot: FilterSnapshot, sender: str) -> list[str]:
    approved = snapshot.directory.approved_for(sender)
    out = []
    for _, address in msg.recipients:
        if address in approved or address.rpartition("@")[2] in approved:
            continue
        if snapshot.directory.is_internal(address):
            continue
        out.append(address)
    return out
