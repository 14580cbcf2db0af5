"""The verdict for a draft sent to the check API: the same checker, directory and JSON as
`esafety check --json` (esafety/checks/cli.py), for the token's school.

The request body is a JSON object:
    text         the draft's words (or `message`: a whole RFC 822 message as text)
    subject      its subject (optional)
    audience     who a draft without recipients is going to: parents, pupils, staff or
                 outside (as `esafety check --audience`; implies sender_role staff)
    sender_role  as `esafety check --sender-role` (teacher, pupil, staff, inbound...)
    from         the sender's address (their role is then looked up in the directory)
    to, cc, bcc  lists of recipients' addresses (optional)
"""

from __future__ import annotations

from typing import Any

from esafety.checks.cli import CommandError, _sender_role
from esafety.checks.concern_rules import ConcernOutcome, concern_findings
from esafety.checks.directory_view import build_directory
from esafety.directory.models import School
from esafety.engine.messages.checker import check_parsed
from esafety.engine.messages.message import (
    DRAFT_AUDIENCES,
    EmptyMessage,
    ParsedMessage,
    message_from_text,
    parse_message,
)
from esafety.errors import InvalidInput

FIELDS = frozenset({"text", "message", "subject", "audience", "sender_role", "from", "to",
                    "cc", "bcc"})
MAX_RECIPIENTS = 10_000
MAX_ADDRESS = 320


def _text(data: dict, name: str) -> str:
    value = data.get(name, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(f"'{name}' must be text", code="bad-field")
    # No NUL reaches a concern (PostgreSQL cannot store one); the checker reads past it.
    return value.replace("\x00", "\ufffd")


def _addresses(data: dict, name: str) -> list[tuple[str, str]]:
    value = data.get(name) or []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(f"'{name}' must be a list of addresses", code="bad-field")
    if len(value) > MAX_RECIPIENTS:
        raise InvalidInput(f"'{name}' has more than {MAX_RECIPIENTS} addresses",
                           code="too-many-recipients")
    out = []
    for address in value:
        address = address.strip().lower()
        if "@" not in address or len(address) > MAX_ADDRESS or any(
                c.isspace() or c == "\x00" for c in address):
            raise InvalidInput(f"'{name}' has something that is not an address: "
                               f"{address[:60]!r}", code="bad-address")
        out.append(("", address))
    return out


def draft_from(data: Any) -> tuple[ParsedMessage, str | None]:
    """(the message, the sender role) a request body describes; InvalidInput when it cannot."""
    if not isinstance(data, dict):
        raise InvalidInput("the body must be a JSON object", code="not-an-object")
    unknown = sorted(set(data) - FIELDS)
    if unknown:
        raise InvalidInput(f"unknown field(s): {', '.join(unknown)[:200]} (known: "
                           f"{', '.join(sorted(FIELDS))})", code="unknown-field")
    text, raw, subject = _text(data, "text"), _text(data, "message"), _text(data, "subject")
    audience = _text(data, "audience")
    if audience and audience not in DRAFT_AUDIENCES:
        raise InvalidInput(f"'audience' must be one of {', '.join(DRAFT_AUDIENCES)}",
                           code="bad-audience")
    if text and raw:
        raise InvalidInput("give 'text' or 'message', not both", code="text-and-message")
    try:
        role = _sender_role(_text(data, "sender_role") or ("staff" if audience else None))
    except CommandError as exc:
        raise InvalidInput(str(exc), code="bad-sender-role") from None
    if raw:
        if audience:
            raise InvalidInput("'audience' is for a 'text' draft (a message names its "
                               "recipients)", code="audience-with-message")
        try:
            return parse_message(raw.encode("utf-8", "surrogatepass")), role
        except EmptyMessage:
            raise InvalidInput("the message is empty", code="empty") from None
    if not text.strip() and not subject.strip():
        raise InvalidInput("the text is empty", code="empty")
    msg = message_from_text(text, subject=subject, audience=audience)
    msg.to, msg.cc, msg.bcc = (_addresses(data, "to"), _addresses(data, "cc"),
                               _addresses(data, "bcc"))
    sender = _addresses(data, "from")
    if len(sender) > 1:
        raise InvalidInput("'from' is one address", code="bad-address")
    msg.sender = sender[0] if sender else None
    return msg, role


UNVERIFIED_SENDER = ("The sender's address ({address}) was given by a mail client through "
                     "the check API and has not been verified.")


def checked_by(token_name: str, msg: ParsedMessage) -> str:
    """How a concern from the check API came about, for the safeguarding lead. The sender's
    address is whatever the client sent: the token sits in the add-in's JavaScript, so
    anyone holding it can name any pupil as the sender, and the lead must be told so."""
    how = (f"automatically, by the check API (token \u201c{token_name}\u201d), from a draft "
           "before it was sent. ")
    if msg.sender_address:
        return how + UNVERIFIED_SENDER.format(address=msg.sender_address)
    return how + "The mail client did not say who the sender is."


def _tell(school: School, verdict, msg: ParsedMessage, token_name: str) -> ConcernOutcome | None:
    """As `esafety check` does: a pupil's draft (or mail from outside) that shows someone
    may be at risk is raised as a concern for the safeguarding leads, even if it is never
    sent. The same draft checked again (Smart Alerts asks on every press of Send) counts on
    the concern already waiting rather than raising another: concern_raise
    (esafety/concerns/actions/raising.py) counts the same rule, person and excerpt, while the
    concern is open, within REPEAT_WINDOW (esafety/concerns/rules.py) of the last time."""
    if not concern_findings(verdict):
        return None
    from esafety.checks import concerns

    if not concerns.designated_people(school):
        return ConcernOutcome(
            not_recorded="the school has no designated safeguarding lead in esafety "
                         "(name one under Incidents > Incident settings)")
    try:
        return concerns.message_check_concern_record(
            actor=None, school=school, verdict=verdict, msg=msg,
            checked_by=checked_by(token_name, msg))
    except Exception as exc:  # noqa: BLE001 - say so plainly; the check itself stands
        return ConcernOutcome(not_recorded=f"it could not be recorded ({exc})")


def check_draft(school: School, data: Any, *, token_name: str) -> dict:
    """The JSON `esafety check --json` prints for the same draft and school."""
    msg, role = draft_from(data)
    verdict = check_parsed(msg, directory=build_directory(school), sender_role=role)
    out = verdict.as_dict()
    concern = _tell(school, verdict, msg, token_name)
    if concern is not None:
        out["told"] = concern.as_dict()
    return out
