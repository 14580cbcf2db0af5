"""Which check findings mean someone may be at risk, and what happened about them.

Pure Python (no Django): `esafety check` and `scan` decide with it before any database is
opened; esafety/checks/concerns.py raises the concern in the concerns inbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from esafety.engine.messages.checker import Verdict

# The rules whose findings mean someone may be at risk, most urgent first, with the words
# used for each. Self-harm and a child's disclosure of harm done to them are urgent (the
# safeguarding leads are emailed at once); the others wait for the daily summary
# (esafety/concerns/rules.py).
CONCERN_RULES = {
    "content.self-harm": "a possible risk of self-harm or suicide",
    "content.disclosure": "a child telling of harm done to them",
    "content.extremism": "extremist or radicalising material",
    "content.violence": "threats or violence",
}
# Whose messages are reported: pupils' (004 §3.2.3) and mail from outside the school
# (written to someone, or bulk). Staff checking their own draft get advice only.
REPORTED_AUDIENCES = frozenset({"pupils", "inbound", "bulk"})


@dataclass
class ConcernOutcome:
    """What happened to a concern, in words that are true."""

    concerns: list[Any] = field(default_factory=list)  # the concerns raised (or counted again)
    designated: list[str] = field(default_factory=list)  # who they are for (names)
    emailed: list[str] = field(default_factory=list)  # who the urgent email reached
    failure: str = ""  # why the urgent email did not go ("" when it did, or none was due)
    not_recorded: str = ""  # why nothing could be recorded ("" when it was)

    @property
    def recorded(self) -> bool:
        return bool(self.concerns)

    @property
    def urgent(self) -> bool:
        return any(c.urgent for c in self.concerns)

    @property
    def reference(self) -> str:
        return ", ".join(c.reference for c in self.concerns)

    def as_dict(self) -> dict:
        return {"recorded": self.reference or None, "urgent": self.urgent,
                "for": self.designated, "emailed": self.emailed,
                "email_failed": self.failure or None,
                "not_recorded": self.not_recorded or None}

    def sentence(self) -> str:
        """One plain statement of who has been told (for the CLI and logs)."""
        if not self.concerns:
            return f"Nobody has been told: {self.not_recorded}."
        told = (f"Recorded as concern{'s' if len(self.concerns) > 1 else ''} "
                f"{self.reference} in the concerns inbox")
        if self.designated:
            told += f" for {', '.join(self.designated)}"
        if self.emailed:
            return f"{told}; emailed {', '.join(self.emailed)}."
        if self.failure:
            return f"{told}; the email could not be sent ({self.failure}): tell them yourself."
        if not self.urgent:
            return (f"{told}; it will be in their daily summary: if someone is in danger now, "
                    "tell them yourself today.")
        return f"{told}."


def concern_findings(verdict: Verdict) -> list:
    """The findings that mean someone may be at risk, when the message is one whose
    findings are reported (a pupil's, or one from outside); [] otherwise."""
    if verdict.audience not in REPORTED_AUDIENCES:
        return []
    return [f for f in verdict.findings if f.rule.id in CONCERN_RULES]
