"""The messages the mail filter writes: to a pupil whose message was refused, to a sender
whose message is held, to an outside sender whose message is returned, and to the person it
was for. Pure Python (email.message), no Django.

Each goes out with an empty envelope sender (<>), as delivery reports do, so nothing ever
answers it and no loop can start.
"""

from __future__ import annotations

import email.utils
from email.message import EmailMessage

from esafety.engine.messages.message import listed
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
    names = listed(addresses, 10)
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
    """The sender is told it is held and why, in the policy's words: staff with each rule's
    title, clauses and advice; pupils in plain words (`_held_to_pupil`). Outside senders are
    told nothing (server.py: the sender may be forged, and a notice would be backscatter)."""
    if decision.audience == "pupils":
        return _held_to_pupil(snapshot, decision, sender, recipients)
    text = (f"Your message {_subject(subject)} to {', '.join(recipients[:5])}"
            f"{' and others' if len(recipients) > 5 else ''} is being held for review and "
            f"has not been delivered yet, because:\n\n{decision.reason}\n\n"
            f"A reviewer at {snapshot.school_name} will release it, return it to you or "
            "delete it. You will not need to send it again if it is released.\n")
    return _message(snapshot, sender, f"Held for review: {_subject(subject)}", text)


# A pupil is told which rule by its title only. The clauses ("004 §3.2.3") mean nothing to
# a child, and the rulebook's advice is written for adults and for whoever receives such a
# message ("report it at once to the designated safeguarding lead", "credible threats of
# violence go to the police"): to a child who wrote it, that reads as a telling-off or a
# threat, and a child pressed into sending something must not be made afraid to tell. Nor
# is anything of the message said back to them, not even its subject: it may be what was
# found, and a parent or friend may read the notice over their shoulder.
TRUSTED_ADULT = ("If anything is worrying you, you can always talk to a teacher or another "
                 "adult you trust. You can also call Childline on 0800 1111, any time, for "
                 "free.\n")


def pupil_reasons(titles: list[str]) -> str:
    """Why a pupil's message was stopped, in plain words: the titles of the rules found."""
    titles = list(dict.fromkeys(t.strip() for t in titles if t and t.strip()))
    if not titles:
        return "The school's email checker found something a member of staff needs to see."
    listed = "\n".join(f"    - {title}" for title in titles)
    return (f"The school's email checker found something in it that looked like "
            f"{'this' if len(titles) == 1 else 'one of these'}:\n\n{listed}\n\n"
            "The checker is a computer program, and it sometimes gets things wrong.")


def _to(recipients: list[str]) -> str:
    return listed(recipients, 3)


def _held_to_pupil(snapshot: FilterSnapshot, decision: Decision, pupil: str,
                   recipients: list[str]) -> EmailMessage:
    text = (f"Your email to {_to(recipients)} has not been sent yet: it is waiting for a "
            "member of staff to look at it.\n\n"
            f"{pupil_reasons([f.rule.title for f in decision.findings])}\n\n"
            "A member of staff will look at your email and decide whether it can be sent. "
            "You do not need to do anything now.\n\n" + TRUSTED_ADULT)
    return _message(snapshot, pupil, "Your email is waiting to be checked", text)


def returned_to_pupil_text(recipients: list[str], titles: list[str], note: str) -> str:
    """What a pupil reads when a reviewer returns their held message: the same plain words,
    and, as above, nothing of the message itself (the original is not attached: the pupil
    still has it in their sent mail)."""
    return (f"Your email to {_to(recipients)} has not been sent. A member of staff looked at "
            "it and decided it cannot be sent as it is.\n\n"
            f"{pupil_reasons(titles)}\n\n"
            + (f"The member of staff says: {note}\n\n" if note else "")
            + "If you still need to send it, you can write it again without this. If you are "
            "not sure what to change, ask your teacher.\n\n" + TRUSTED_ADULT)


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
