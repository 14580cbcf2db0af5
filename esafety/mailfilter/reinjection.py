"""Handing a held message back to the mail server (its re-injection port), with each
recipient's answer kept: delivered, not delivered yet (4xx, or no answer: try again), or
refused for good (5xx). Pure Python (smtplib), no Django; actions/review.py decides what the
answers mean for the held message.
"""

from __future__ import annotations

import smtplib
from dataclasses import dataclass, field


@dataclass
class Delivery:
    """What the mail server answered for each recipient of one re-injection."""

    delivered: list[str] = field(default_factory=list)
    # Refused for now (4xx), or never answered: the message stays held for them.
    waiting: dict[str, str] = field(default_factory=dict)
    # Refused for good (5xx): trying again would get the same answer.
    refused: dict[str, str] = field(default_factory=dict)

    def settle(self, addresses: list[str], code: int, text: bytes | str) -> None:
        reply = f"{code} {text.decode('utf-8', 'replace') if isinstance(text, bytes) else text}"
        # Anything but a clear refusal for good (5xx) may succeed later: keep it held for
        # them, so nobody loses the message over an answer nobody expected.
        (self.refused if 500 <= code < 600 else self.waiting).update(
            dict.fromkeys(addresses, " ".join(reply.split())[:300]))


def needs_utf8(mail_from: str, rcpts: list[str]) -> bool:
    """Whether an address is not ASCII, so the mail server must be asked for SMTPUTF8."""
    return not all(a.isascii() for a in [mail_from, *rcpts])


def deliver(next_hop: tuple[str, int], mail_from: str, rcpts: list[str],
             raw: bytes) -> Delivery:
    """Hand the message to the mail server, one RCPT at a time so each recipient's answer is
    known (smtplib's sendmail loses them when DATA fails). Never raises."""
    result = Delivery()
    accepted: list[str] = []
    try:
        with smtplib.SMTP(next_hop[0], next_hop[1], timeout=60,
                          local_hostname="esafety-mail-filter") as smtp:
            smtp.ehlo_or_helo_if_needed()
            code, text = smtp.mail(mail_from, ["SMTPUTF8"] if needs_utf8(mail_from, rcpts)
                                   and smtp.has_extn("smtputf8") else [])
            if code != 250:
                result.settle(rcpts, code, text)
                return result
            for rcpt in rcpts:
                code, text = smtp.rcpt(rcpt)
                if code in (250, 251):
                    accepted.append(rcpt)
                else:
                    result.settle([rcpt], code, text)
            if accepted:
                answer: bytes | str
                try:
                    code, answer = smtp.data(raw)
                except smtplib.SMTPDataError as exc:
                    code, answer = exc.smtp_code, exc.smtp_error
                if code == 250:
                    result.delivered = accepted
                else:
                    result.settle(accepted, code, answer)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        # The connection failed part way: whoever has no answer yet waits (if the mail
        # server did take it just before, a second release may send a second copy; a copy
        # too many is better than one lost).
        answered = set(result.delivered) | set(result.waiting) | set(result.refused)
        result.waiting.update(dict.fromkeys(
            [r for r in rcpts if r not in answered],
            f"the mail server could not be reached or stopped answering ({exc})"[:300]))
    return result
