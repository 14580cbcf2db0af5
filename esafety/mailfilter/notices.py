"""The messages the mail filter writes: to a pupil whose message was refused, to a sender
whose message is held, to an outside sender whose message is returned, and to the person it
was for. Pure Python (email.message), no Django.

Each goes out with an empty envelope sender (<>), as delivery reports do, so nothing ever
answers it and no loop can start.
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

from esafety.mailfilter.engine import Decision, FilterSnapshot

MAX_RETURNED = 10 * 1024 * 1024  # a larger original is cut: the sender still has it
AUTO_HEADERS = {"Auto-Submitted": "auto-replied", "X-Esafety-Notice": "mail-filter"}


def _from(snapshot: FilterSnapshot) -> str:
    domain = sorted(snapshot.directory.domains)[0] if snapshot.directory.domains else "localhost"
    address = snapshot.postmaster or f"postmaster@{domain}"
    return email.utils.formataddr((f"{snapshot.school_name} mail", address))


def _message(snapshot: FilterSnapshot, to: str, subject: str, text: str) -> EmailMessage:
    out = EmailMessage()
    out["From"] = _from(snapshot)
    out["To"] = to
    out["Subject"] = subject
    out["Date"] = email.utils.formatdate(localtime=True)
    out["Message-ID"] = email.utils.make_msgid(domain="esafety.invalid")
    for name, value in AUTO_HEADERS.items():
        out[name] = value
    out.set_content(text, cte="quoted-printable")  # long lines, curly quotes: 7-bit safe
    return out


def _subject(original: str) -> str:
    original = " ".join((original or "").split())[:120]
    return f"\u201c{original}\u201d" if original else "your message"


def refused_to_pupil(snapshot: FilterSnapshot, decision: Decision, pupil: str,
                     subject: str) -> EmailMessage:
    """004 §3.2.3, in a pupil's words: who it did not go to, and who can add the address."""
    addresses = decision.unapproved or ["someone outside school"]
    names = ", ".join(addresses[:10]) + (f" and {len(addresses) - 10} more"
                                         if len(addresses) > 10 else "")
    text = (f"Your email {_subject(subject)} has not been sent.\n\n"
            f"You can only email people your school has said yes to. "
            f"{'This address is' if len(addresses) == 1 else 'These addresses are'} "
            f"not on your list yet:\n\n    {names}\n\n"
            f"If you need to write to {'them' if len(addresses) > 1 else 'this person'}, "
            f"ask {snapshot.who_can_approve}. They can add the address to your list, and "
            f"then you can send your email again.\n\n"
            "If you are worried about something or someone, you can always tell a teacher "
            "or another adult you trust.\n")
    return _message(snapshot, pupil, "Your email was not sent", text)


def held_to_sender(snapshot: FilterSnapshot, decision: Decision, sender: str,
                   recipients: list[str], subject: str) -> EmailMessage:
    """The sender is told it is held and why, in the policy's words."""
    if decision.audience == "pupils":
        text = (f"Your email {_subject(subject)} is waiting for a member of staff to look "
                f"at it before it is sent.\n\nYou do not need to do anything. If you are "
                "worried about something, you can always talk to a teacher or another adult "
                "you trust.\n")
        return _message(snapshot, sender, "Your email is waiting to be checked", text)
    text = (f"Your message {_subject(subject)} to {', '.join(recipients[:5])}"
            f"{' and others' if len(recipients) > 5 else ''} is being held for review and "
            f"has not been delivered yet, because:\n\n{decision.reason}\n\n"
            f"A reviewer at {snapshot.school_name} will release it, return it to you or "
            "delete it. You will not need to send it again if it is released.\n")
    return _message(snapshot, sender, f"Held for review: {_subject(subject)}", text)


def returned_to_sender(snapshot: FilterSnapshot, decision: Decision, sender: str,
                       subject: str, original: bytes) -> EmailMessage:
    """000 §8: returned with a request for a revised version."""
    text = (f"Your message {_subject(subject)} was not accepted by {snapshot.school_name} "
            f"and has not been delivered, because:\n\n{decision.reason}\n\n"
            "Please send a revised version without this content. Your original message is "
            "attached.\n")
    out = _message(snapshot, sender, f"Returned: please send a revised version of "
                                     f"{_subject(subject)}", text)
    out.add_attachment(original[:MAX_RETURNED], maintype="application",
                       subtype="octet-stream", filename="original-message.eml")
    return out


def returned_to_recipient(snapshot: FilterSnapshot, decision: Decision, recipient: str,
                          sender: str, subject: str) -> EmailMessage:
    """The person it was for is told that a message for them was returned, and why."""
    titles = "; ".join(f.rule.title for f in decision.findings)
    text = (f"A message to you from {sender} ({_subject(subject)}) was returned to its "
            f"sender with a request for a revised version, because of: {titles}.\n\n"
            "You do not need to do anything. If it worries you, tell the online safety lead "
            "or the designated safeguarding lead.\n")
    return _message(snapshot, recipient, "A message to you was returned to its sender", text)
