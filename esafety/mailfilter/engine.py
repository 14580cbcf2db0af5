"""What the mail filter does with one message: pure Python, no Django, no database.

The web app publishes a snapshot of the school (esafety/mailfilter/publishing.py): its mail
domains, who is a pupil or staff by address, each pupil's approved recipients, the outside
correspondents it knows, and the school's choices. The filter process loads it once and
reloads it when a new one is published; `decide` turns an envelope and a message into one
of five outcomes:

- pass: re-inject it unchanged;
- hold: keep it for a reviewer; the sender is told it is held and why (not a message of the
  school's own people whose only finding is a risk of self-harm or a child telling of harm
  done to them, nor one to staff telling of harm, whatever words it quotes: that one goes,
  and the designated safeguarding lead is told);
- return: inbound mail with inappropriate content goes back to a sender the school knows
  (or whose domain the school's own server authenticated: authresults.py), asking for a
  revised version (000 §8); anyone else's is held instead, never bounced to a possibly
  forged sender;
- refuse: a pupil writing to someone not on their approved list (004 §3.2.3) is told in
  plain words who can add the address; nothing is delivered;
- and, when the snapshot is missing or the checker fails, the caller answers 4xx.

A sender whose address is in the school's domains but not in the directory (a new pupil not
synced yet, a shared mailbox) is handled as the school chose (`unknown_internal_sender`):
held for review (the default), treated as a pupil, or treated as staff.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from esafety.checks.concern_rules import CONCERN_RULES
from esafety.directory.roles import PUPIL, STAFF_ROLES
from esafety.engine.messages.checker import (
    _VERDICT_ORDER,
    Evidence,
    Finding,
    Verdict,
    check_parsed,
)
from esafety.engine.messages.directory import Directory, Member
from esafety.engine.messages.message import (
    MAX_TEXT,
    EmptyMessage,
    ParsedMessage,
    listed,
    parse_message,
)
from esafety.engine.messages.rulebook import (
    Clause,
    Rule,
    Rulebook,
    load_rulebook,
    rulebook_in_force,
)
from esafety.mailfilter import authresults

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

_SENSITIVITY = frozenset({"private", "personal", "company-confidential"})
MAX_ENVELOPE_RECIPIENTS = 10_000

# Mail from an address in the school's domains that the directory does not know: what the
# school chose (MailFilterSettings.unknown_internal_sender).
UNKNOWN_HOLD, UNKNOWN_PUPIL, UNKNOWN_STAFF = "hold", "pupil", "staff"
UNKNOWN_SENDER_CHOICES = (UNKNOWN_HOLD, UNKNOWN_PUPIL, UNKNOWN_STAFF)
UNKNOWN_SENDER_RULE = "sender.not-in-directory"
# Not a rule of the rulebook (no checker tests it: the filter decides it from the snapshot),
# so it is defined here; the batch loader finds it in FILTER_RULES to show on the held-mail
# pages like any other.
UNKNOWN_SENDER = Rule(
    id=UNKNOWN_SENDER_RULE,
    title="Sent from a school address that is not in esafety's directory",
    clauses=(Clause("004", "§3.2.3 pupils may email approved recipients only"),),
    applies_to=frozenset({"staff", "pupils"}), severity="high", action="hold",
    advice="The sender's address is in the school's domain but not in esafety's directory, "
           "so the filter cannot tell whether a pupil sent it, and a pupil may email "
           "approved recipients only. Add the address to the directory (a shared mailbox "
           "as staff; a pupil as a pupil, with their approved recipients), then release "
           "this message.")
NOT_CHECKED_RULE = "message.not-checked"
# A message the checker failed on again and again (the same message, each time Postfix
# tried it): held for a person to read rather than answered 451 until Postfix gives up days
# later, and never passed unchecked for pupils.
NOT_CHECKED = Rule(
    id=NOT_CHECKED_RULE,
    title="esafety could not check this message",
    clauses=(Clause("003", "§2.3 checking for viruses or other threats"),),
    applies_to=frozenset({"staff", "pupils", "inbound", "bulk"}), severity="high",
    action="hold",
    advice="The checker failed on this message each time the mail server offered it, so it "
           "is held for a person to read instead of waiting in the mail server's queue for "
           "days. Read it, then release, return or delete it; if it is ordinary mail, tell "
           "the IT manager (the filter's log says what failed).")
FILTER_RULES = {UNKNOWN_SENDER_RULE: UNKNOWN_SENDER, NOT_CHECKED_RULE: NOT_CHECKED}


def not_checked(snapshot: FilterSnapshot, mail_from: str, attempts: int,
                error: BaseException) -> Decision:
    """The hold of a message the checker failed on `attempts` times."""
    role = snapshot.sender_role(mail_from)
    audience = "inbound" if role is None else "pupils" if role == PUPIL else "staff"
    finding = Finding(rule=NOT_CHECKED, evidence=[Evidence(
        "message", f"the check failed {attempts} times ({type(error).__name__})")])
    verdict = Verdict(verdict="hold", rating=None, findings=[finding], audience=audience,
                      read_as="not checked: the checker failed on it")
    return Decision(outcome=HOLD, verdict=verdict, audience=audience, findings=[finding],
                    reason=reason_text([finding]))

# The school's words that mark a subject private or personal when it has not chosen its own
# (the monitoring receiver's default, MonitorSettings.private_markers).
DEFAULT_PRIVATE_MARKERS = ("private", "personal")
# Re:, Fwd: and their cousins before a subject's own words ("RE[2]:", "AW:", "Fw:").
_REPLY_PREFIXES = r"(?:(?:re|aw|sv|antw|fwd?|tr|wg)\s*(?:\[\d+\])?\s*:\s*)*"


class SnapshotMissing(Exception):
    """No usable snapshot: the caller answers 4xx so the mail server keeps the message."""


def private_subject_pattern(markers) -> re.Pattern | None:
    """The subject markers that say a message is private or personal, as one pattern: each
    word as a tag ("[Private]" or "(Personal)" anywhere; "Private:", "PERSONAL -" at the
    start, after any Re: or Fwd:), or the whole subject being just the word. Never the first
    word of a sentence: "Personal statement feedback" is a sixth-former's UCAS mail, not a
    private one. None when the school has no markers."""
    words = set()
    for marker in markers:
        # The monitoring receiver's markers are written as tags ("[private]"): the word.
        word = " ".join(str(marker).strip().strip("[](){}<>:*-\u2013\u2014 ").lower().split())
        if word:
            words.add(word)
    if not words:
        return None
    either = "|".join(r"\s+".join(re.escape(w) for w in word.split())
                      for word in sorted(words, key=len, reverse=True))
    return re.compile(
        rf"[\[(]\s*(?:{either})\s*[\])]"
        rf"|^\s*{_REPLY_PREFIXES}(?:{either})\s*(?::|[-\u2013\u2014]+(?=\s|$)|[.!]*\s*$)",
        re.IGNORECASE)


_DEFAULT_PRIVATE_SUBJECT = private_subject_pattern(DEFAULT_PRIVATE_MARKERS)


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
    # Mail from an address in the school's domains that the directory does not know.
    unknown_internal_sender: str = UNKNOWN_HOLD
    # The school's subject markers for private mail (private_subject_pattern); None: none.
    private_subject: re.Pattern | None = _DEFAULT_PRIVATE_SUBJECT

    def unknown_internal(self, address: str) -> bool:
        """In one of the school's domains, but nobody in the directory."""
        return self.directory.in_domains(address) and self.directory.member(address) is None

    def sender_role(self, address: str) -> str | None:
        """The role the checker reads a sender as: theirs from the directory; for an
        address in the school's domains the directory does not know, "staff" only when the
        school chose that (its pupils use another domain), otherwise "pupil" (004 §3.2.3:
        it may be a pupil not in esafety yet, and a pupil may email approved recipients
        only; when the school chose to hold such mail, `decide` holds it); None for an
        outside address."""
        member = self.directory.member(address or "")
        if member is not None:
            return member.role
        if self.unknown_internal(address):
            return "staff" if self.unknown_internal_sender == UNKNOWN_STAFF else "pupil"
        return None


def snapshot_document(*, school: str, school_name: str, version: str, domains: list[str],
                      members: list[tuple[str, str, str]], approved: dict[str, list[str]],
                      correspondents: list[str], staff_fail_open: bool,
                      trusted_authserv: list[str], who_can_approve: str,
                      postmaster: str, unknown_internal_sender: str = UNKNOWN_HOLD,
                      private_markers: list[str] | tuple[str, ...] = DEFAULT_PRIVATE_MARKERS,
                      ) -> dict:
    """The published document (what publishing.py writes and `load` reads)."""
    return {"format": FORMAT, "school": school, "school_name": school_name,
            "version": version, "domains": sorted(domains),
            "members": [list(m) for m in members], "approved": approved,
            "correspondents": sorted(correspondents), "staff_fail_open": staff_fail_open,
            "trusted_authserv": sorted(trusted_authserv), "who_can_approve": who_can_approve,
            "postmaster": postmaster, "unknown_internal_sender": unknown_internal_sender,
            "private_markers": list(private_markers)}


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
            rulebook=load_rulebook(rulebook_path) if rulebook_path else rulebook_in_force(),
            mtime=mtime, unknown_internal_sender=_unknown_internal_sender(data),
            private_subject=private_subject_pattern(_private_markers(data)))
    except SnapshotMissing:
        raise
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise SnapshotMissing(f"the mail filter's snapshot {path} cannot be read "
                              f"({type(exc).__name__}: {exc})") from None


def _private_markers(data: dict) -> list[str] | tuple[str, ...]:
    # A snapshot published before the school's markers were carried: the default words.
    markers = data.get("private_markers", DEFAULT_PRIVATE_MARKERS)
    return markers if isinstance(markers, (list, tuple)) else DEFAULT_PRIVATE_MARKERS


def _unknown_internal_sender(data: dict) -> str:
    if "unknown_internal_sender" not in data:
        # A snapshot published before the school had this choice: the old behaviour (such a
        # sender is staff), so upgrading does not start holding mail before the school has
        # seen the setting. The next publish (the scheduled job, within minutes) carries the
        # school's choice, whose default is to hold.
        return UNKNOWN_STAFF
    value = data["unknown_internal_sender"]
    # A value this filter does not know (a newer web app?): the safest of them.
    return value if value in UNKNOWN_SENDER_CHOICES else UNKNOWN_HOLD


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


def is_private(msg: ParsedMessage, head: str,
               subject_markers: re.Pattern | None = _DEFAULT_PRIVATE_SUBJECT) -> bool:
    """Marked private or personal: one of the school's subject markers used as a tag
    (private_subject_pattern), or a Sensitivity header."""
    if subject_markers is not None and subject_markers.search(msg.subject or ""):
        return True
    return any(v.strip().lower() in _SENSITIVITY for v in _header_values(head, "sensitivity"))


def authenticated_by_school(raw_head: str, trusted: frozenset[str], return_to: str) -> bool:
    """Whether the school's own server vouches for the address a returned message would go
    to: the topmost Authentication-Results header was written by it (its authserv-id) and
    records dmarc=pass for header.from, dkim=pass for header.d (or header.i), or spf=pass for
    smtp.mailfrom, of that address's domain or a domain it is part of (authresults.py)."""
    if not trusted:
        return False
    headers = _header_values(raw_head, "authentication-results")
    # Only the topmost: each server adds its header above the others, so that one is the
    # school's server's own word about this message; any below it came with the message
    # and can say anything, even the school's name (RFC 8601 §5 asks the server to remove
    # those, but not every server does). This trusts the school's setting that its server
    # adds one to every message.
    return bool(headers) and authresults.vouches_for(headers[0], trusted, return_to)


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
    msg = _with_envelope(_parsed(raw), mail_from, rcpts)
    sender = msg.sender_address or mail_from
    # Who sent it: the envelope sender when it is someone in the school (a From: line can
    # say anything), else the From: line's address.
    author = mail_from if snapshot.sender_role(mail_from) is not None else sender
    role = snapshot.sender_role(author)
    if role == PUPIL and sender.lower() != author.lower():
        # A pupil's approved recipients are their own, whatever the From: line says: the
        # envelope sender is who the school's server let send it.
        msg.sender = (msg.sender[0] if msg.sender else "", author.lower())
        sender = author
    unknown = snapshot.unknown_internal(author) and \
        snapshot.unknown_internal_sender != UNKNOWN_STAFF
    verdict = check(msg, directory=snapshot.directory, sender_role=role,
                    rulebook=snapshot.rulebook)
    if unknown:
        # Not "sent by a pupil": nobody knows yet who sent it.
        verdict.read_as = verdict.read_as.replace("sent by a pupil", (
            "sent from a school address not in esafety's directory, checked as a pupil's "
            + ("message and held if it goes outside the school"
               if snapshot.unknown_internal_sender == UNKNOWN_HOLD
               else "message, as the school chose")), 1)
    private = verdict.audience == "staff" and is_private(msg, _head(raw),
                                                         snapshot.private_subject)
    findings = verdict.findings
    if private:
        findings = [f for f in findings if f.rule.id in SAFEGUARDING_RULES]
        verdict = Verdict(verdict=_strongest(findings), rating=verdict.rating,
                          findings=findings, audience=verdict.audience,
                          read_as=verdict.read_as + ", marked private: safeguarding rules only")
    decision = Decision(outcome=PASS, verdict=verdict, audience=verdict.audience,
                        private=private, subject=" ".join(msg.subject.split())[:300])
    strong = [f for f in findings if f.action in ("hold", "block")]
    if unknown and snapshot.unknown_internal_sender == UNKNOWN_HOLD:
        held = _held_as_unknown(msg, snapshot, author, findings, strong)
        if held:
            decision.outcome = HOLD
            decision.findings = held
            decision.reason = reason_text(held)
            return decision
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
                or authenticated_by_school(_head(raw), snapshot.trusted_authserv, return_to))
            decision.sender_known = known
            decision.return_to = return_to
            decision.outcome = RETURN if known else HOLD
            decision.findings = content
            decision.reason = reason_text(content)
            return decision
    if strong and verdict.audience in ("staff", "pupils") and \
            any(f.rule.id in TELLING_RULES for f in findings) and _to_staff_only(snapshot, rcpts):
        # Someone of the school telling a member of staff of harm is never held for the
        # words they tell it with: a child's "he sent me a picture of his dick" or "they keep
        # calling me a p***" quotes what was done to them. Only the other rules (recipients,
        # attachments, personal data) can still hold it. (To a pupil, the same words may be
        # the bullying itself: "they told me to tell you to kill yourself, slag".)
        strong = [f for f in strong if f.rule.category is None]
    if strong and verdict.audience in ("staff", "pupils") and all(
            f.rule.id in TELLING_RULES for f in strong):
        return decision  # passed; the concern is recorded for the DSL all the same
    if strong:
        decision.outcome = HOLD
        decision.findings = strong
        decision.reason = reason_text(strong)
    return decision


def _to_staff_only(snapshot: FilterSnapshot, rcpts: list[str]) -> bool:
    """Whether every recipient is a member of the school's staff."""
    members = [snapshot.directory.member(r) for r in rcpts]
    return bool(members) and all(m is not None and m.role in STAFF_ROLES for m in members)


def _parsed(raw: bytes) -> ParsedMessage:
    """The message read for the rules; never raises for what is in it, so a message that
    could never be read gets a verdict instead of a 4xx answer every time it is tried again
    until the mail server gives up days later, and nobody told. A retry may do better after
    running out of memory or a disk error: those are raised (the caller answers 4xx)."""
    try:
        return parse_message(raw)
    except EmptyMessage:
        # Nothing to find in it; the envelope still says who it goes to (_with_envelope), so
        # a pupil's recipients are checked like any other message's.
        return ParsedMessage()
    except (MemoryError, OSError):
        raise
    except Exception as exc:  # noqa: BLE001 - it promises not to; if it does, read the text
        return ParsedMessage(
            notes=[f"the message could not be read ({type(exc).__name__}); checked as text"],
            body=raw[:MAX_TEXT].decode("utf-8", "replace"))


def _held_as_unknown(msg: ParsedMessage, snapshot: FilterSnapshot, author: str,
                     findings: list[Finding], strong: list[Finding]) -> list[Finding]:
    """The findings that hold the message of a sender at a school address the directory
    does not know, or [] when it stays in the school (a pupil may always email the school:
    the rules for pupils are checked as for any pupil's message)."""
    # By domain: a parent in the directory is still outside the school.
    outside = [address for _, address in msg.recipients
               if not snapshot.directory.in_domains(address)]
    if not outside and not any(f.rule.id == UNAPPROVED_RULE for f in findings):
        return []
    evidence = [Evidence("header", f"{author} is in the school's domain but not in "
                                   "esafety's directory")]
    if outside:
        evidence.append(Evidence("header", f"going outside the school to {listed(outside, 5)}"))
    # The approved-recipient finding is left out: it says "pupil", which nobody knows yet.
    return [Finding(rule=UNKNOWN_SENDER, evidence=evidence),
            *(f for f in strong if f.rule.id != UNAPPROVED_RULE)]


def _unapproved_addresses(msg: ParsedMessage, snapshot: FilterSnapshot, sender: str) -> list[str]:
    approved = snapshot.directory.approved_for(sender)
    out = []
    for _, address in msg.recipients:
        if address in approved or address.rpartition("@")[2] in approved:
            continue
        if snapshot.directory.is_school_address(address):
            continue
        out.append(address)
    return out
