"""Which check findings mean someone may be at risk, and what happened about them.

Pure Python (no Django): `esafety check` and `scan` decide with it before any database is
opened; esafety/checks/concerns.py records the concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from esafety.engine.messages.checker import Verdict
from esafety.incidents import rules as incident_rules

if TYPE_CHECKING:
    from esafety.incidents.models import Incident

# The rules whose findings mean someone may be at risk, most urgent first, with the kind
# of incident each becomes and the words used for it.
CONCERN_RULES = {
    "content.extremism": (incident_rules.RADICALISATION, "extremist or radicalising material"),
    "content.self-harm": (incident_rules.OTHER, "a possible risk of self-harm or suicide"),
    "content.violence": (incident_rules.ABUSIVE_MESSAGE, "threats or violence"),
}
# Whose messages are reported: pupils' (004 §3.2.3) and mail from outside the school
# (written to someone, or bulk). Staff checking their own draft get advice only.
REPORTED_AUDIENCES = frozenset({"pupils", "inbound", "bulk"})


@dataclass
class ConcernOutcome:
    """What happened to a concern, in words that are true."""

    incident: Incident | None = None  # the incident recorded, if any
    designated: list[str] = field(default_factory=list)  # who it is for (names)
    emailed: list[str] = field(default_factory=list)  # who the email reached
    failure: str = ""  # why the email did not go ("" when it did, or is not known yet)
    not_recorded: str = ""  # why nothing could be recorded ("" when it was)

    @property
    def reference(self) -> str:
        return self.incident.reference if self.incident else ""

    def as_dict(self) -> dict:
        return {"recorded": self.reference or None, "for": self.designated,
                "emailed": self.emailed, "email_failed": self.failure or None,
                "not_recorded": self.not_recorded or None}

    def sentence(self) -> str:
        """One plain statement of who has been told (for the CLI and logs)."""
        if not self.incident:
            return f"Nobody has been told: {self.not_recorded}."
        told = f"Recorded in the incident log as {self.reference}"
        if self.designated:
            told += f" for {', '.join(self.designated)}"
        if self.emailed:
            return f"{told}; emailed {', '.join(self.emailed)}."
        if self.failure:
            return f"{told}; the email could not be sent ({self.failure}): tell them yourself."
        return f"{told}."


def concern_findings(verdict: Verdict) -> list:
    """The findings that mean someone may be at risk, when the message is one whose
    findings are reported (a pupil's, or one from outside); [] otherwise."""
    if verdict.audience not in REPORTED_AUDIENCES:
        return []
    return [f for f in verdict.findings if f.rule.id in CONCERN_RULES]
