"""Checking one monitoring copy: unwrap it, check it against the school's directory and
rulebook, and keep it only where something was found (actions.captured_message_record).

The directory (who is a pupil, who is staff, approved recipients) is read from the
database in one batch and reused for REFRESH_MESSAGES messages or REFRESH_SECONDS,
whichever comes first: never a query per message for it.
"""

from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from dataclasses import dataclass

from esafety.checks.concern_rules import CONCERN_RULES
from esafety.checks.directory_view import build_directory
from esafety.directory.models import School
from esafety.engine.messages.checker import VERDICTS, Finding, Verdict, check_parsed
from esafety.engine.messages.directory import Directory
from esafety.engine.messages.message import EmptyMessage, parse_message
from esafety.mailmonitor import actions, copies

REFRESH_SECONDS = 60.0
REFRESH_MESSAGES = 500
# What is kept: findings that would hold or block the message, and every finding that
# shows someone may be at risk. "advise" and "warn" findings (reply-all, shouting, mild
# language) coach a sender before sending; on a copy of sent mail they are not worth
# keeping anyone's words for (003 §2: the least intrusive monitoring that does the job).
KEPT_ACTIONS = frozenset({"hold", "block"})
# 003 §2.6: mail marked private or personal is checked for these only.
SAFEGUARDING_RULES = frozenset(CONCERN_RULES)


@dataclass
class Snapshot:
    school: School
    directory: Directory
    evidence_capture: bool
    private_markers: list[str]
    loaded_at: float
    messages: int = 0


class Snapshots:
    """The school's directory and monitoring settings, read in one batch and reused."""

    def __init__(self, school_slug: str, *, refresh_seconds: float = REFRESH_SECONDS,
                 refresh_messages: int = REFRESH_MESSAGES):
        self.school_slug = school_slug
        self.refresh_seconds, self.refresh_messages = refresh_seconds, refresh_messages
        self._current: Snapshot | None = None
        self._lock = threading.Lock()
        self.loads = 0  # how many times the database was read (for tests and status)

    def _load(self) -> Snapshot:
        school = School.objects.by_slug(self.school_slug)
        setting = actions.settings_for(school)
        self.loads += 1
        return Snapshot(school=school, directory=build_directory(school),
                        evidence_capture=setting.evidence_capture,
                        private_markers=setting.markers, loaded_at=time.monotonic())

    def current(self) -> Snapshot:
        with self._lock:
            snap = self._current
            if (snap is None or snap.messages >= self.refresh_messages
                    or time.monotonic() - snap.loaded_at >= self.refresh_seconds):
                snap = self._current = self._load()
            snap.messages += 1
            return snap

    def forget(self) -> None:
        """Read the database again for the next message (after a failure)."""
        with self._lock:
            self._current = None


@dataclass
class Outcome:
    kept: bool
    reason: str = ""  # what happened, for the log (never the message's words)
    captured_id: int | None = None
    concerns: tuple[str, ...] = ()


def kept_findings(verdict: Verdict, *, private: bool) -> list[Finding]:
    if private:
        return [f for f in verdict.findings if f.rule.id in SAFEGUARDING_RULES]
    return [f for f in verdict.findings
            if f.action in KEPT_ACTIONS or f.rule.id in SAFEGUARDING_RULES]


def check_copy(raw: bytes, snapshots: Snapshots) -> Outcome:
    """Check one monitoring copy and keep what must be kept. Returns only once anything
    found is committed to the database (and its file synced); raises on any failure."""
    snap = snapshots.current()
    copy = copies.unwrap(raw)
    try:
        msg = parse_message(copy.raw)
    except EmptyMessage:
        return Outcome(kept=False, reason="empty message")
    if copy.envelope_recipients:
        # The journal report names everyone it went to, Bcc included.
        known = {address.lower() for _, address in msg.recipients}
        msg.bcc = msg.bcc + [("", a) for a in copy.envelope_recipients if a not in known]
    private = copies.is_private(copy.raw, msg.subject, snap.private_markers)
    verdict = check_parsed(msg, directory=snap.directory)
    findings = kept_findings(verdict, private=private)
    if not findings:
        return Outcome(kept=False, reason="nothing found")
    # The verdict on what is kept (a private message's other findings were not looked at).
    verdict = dataclasses.replace(verdict, findings=findings,
                                  verdict=max((f.action for f in findings), key=VERDICTS.index))
    how = "an Exchange journal report" if copy.journal_report else "a copy of the message"
    recorded = actions.captured_message_record(
        school=snap.school, raw=copy.raw, sha256=hashlib.sha256(copy.raw).hexdigest(),
        msg=msg, verdict=verdict, private=private, journal_report=copy.journal_report,
        evidence_capture=snap.evidence_capture, how=how)
    if recorded.duplicate:
        return Outcome(kept=False, reason="a copy of a message already kept (counted)",
                       captured_id=recorded.captured.pk)
    return Outcome(kept=True, reason=f"{len(findings)} finding(s)",
                   captured_id=recorded.captured.pk,
                   concerns=tuple(c.reference for c in recorded.concerns))
