"""Telling people: a notice in esafety and an email, for every handoff.

`tell(people, ...)` is the one way: it keeps a notice for each person (their Notices page,
unread count in the navigation), emails each through esafety/mail.py unless they chose to see
that kind only in esafety (never for urgent concerns, allegations, new reports or parents),
and records every failure (`notice_email_failed`, listed on the email problems page the IT
manager sees). The email says where to look, never what was reported, with a link. Call it
after commit (transaction.on_commit): a rollback tells nobody about nothing. Never raises.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.utils import timezone

from esafety import mail
from esafety.directory.models import Person, School
from esafety.notices import events, kinds
from esafety.notices.models import Notice, Preference

log = logging.getLogger(__name__)

SAFE_LINE = "Details are not included in this email to keep them safe."


def link(path: str) -> str:
    """An address people can open from their email, on the address they type (the first of
    CSRF_TRUSTED_ORIGINS); the path alone without one (it still says where to look)."""
    origins = list(getattr(settings, "CSRF_TRUSTED_ORIGINS", []) or [])
    base = str(origins[0]).rstrip("/") if origins else ""
    return f"{base}{path}"


def never_raises(func: Callable[..., int]) -> Callable[..., int]:
    """For a handoff run after commit: the change stands whatever happens here, so an error
    is logged (and 0 returned), never raised into the page or the task that made it."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> int:
        try:
            return func(*args, **kwargs)
        except Exception:  # noqa: BLE001 - after commit: say it, never undo or break the page
            log.exception("notices: %s%r could not tell anyone", func.__name__, args)
            return 0

    return wrapper


@dataclass
class Told:
    notices: list[Notice] = field(default_factory=list)
    emailed: list[Person] = field(default_factory=list)
    skipped: list[Person] = field(default_factory=list)  # in esafety only, by their choice
    failures: list[str] = field(default_factory=list)


def emails_wanted(person: Person, kind: str, urgent: bool = False) -> bool:
    if urgent or kind in kinds.ALWAYS_EMAILED:
        return True
    pref = Preference.objects.filter(person=person).first()
    return pref is None or pref.email_routine


def tell(people: Iterable[Person | None], *, kind: str, school: School | None, title: str,
         lines: Iterable[str] = (), path: str = "", urgent: bool = False,
         about: tuple[str, int] | None = None, key: str = "", subject: str = "",
         record_failures: bool = True, safe_line: bool = True) -> Told:
    """Tell each person (once: duplicates and, with `key`, anyone already told are left out).
    `lines` go into the email and the notice; they say where to look, never what was
    reported (a parent's may give the reason in plain words)."""
    told = Told()
    try:
        _tell(told, people, kind=kind, school=school, title=title, lines=list(lines),
              path=path, urgent=urgent, about=about, key=key, subject=subject,
              record_failures=record_failures, safe_line=safe_line)
    except Exception as exc:  # noqa: BLE001 - after commit: the change stands; say what failed
        log.exception("notices: %s could not be told", kind)
        told.failures.append(f"the notice could not be kept or sent ({type(exc).__name__})")
    return told


def _tell(told: Told, people: Iterable[Person | None], *, kind: str, school: School | None,
          title: str, lines: list[str], path: str, urgent: bool,
          about: tuple[str, int] | None, key: str, subject: str, record_failures: bool,
          safe_line: bool) -> None:
    seen: set[int] = set()
    chosen: list[Person] = []
    for person in people:
        if person is None or person.pk in seen:
            continue
        seen.add(person.pk)
        if key and Notice.objects.filter(recipient=person, key=key).exists():
            continue
        chosen.append(person)
    if not chosen:
        return
    body_lines = [title, "", *lines]
    if path:
        body_lines += ["", f"Open it here: {link(path)}", "(Sign in to esafety to see it.)"]
    if safe_line:
        body_lines.append(SAFE_LINE)
    body = "\n".join(body_lines)
    subject = subject or (f"URGENT: {title}" if urgent else title)
    by_person: dict[int, Notice] = {}
    for person in chosen:
        notice = Notice.objects.create(
            school=school, recipient=person, kind=kind, title=title[:200],
            body="\n".join(lines), path=path[:500], urgent=urgent,
            about_type=about[0] if about else "", about_id=about[1] if about else None,
            key=key[:120])
        by_person[person.pk] = notice
        told.notices.append(notice)
    to_email = [p for p in chosen if emails_wanted(p, kind, urgent)]
    told.skipped = [p for p in chosen if p not in to_email]
    if told.skipped:
        Notice.objects.filter(pk__in=[by_person[p.pk].pk for p in told.skipped]).update(
            email_skipped=True)
    if not to_email:
        return
    sent, failures = mail.send_each(to_email, subject, body)
    told.emailed, told.failures = sent, failures
    now = timezone.now()
    Notice.objects.filter(pk__in=[by_person[p.pk].pk for p in sent]).update(emailed_at=now)
    if failures:
        error = "; ".join(failures)
        Notice.objects.filter(pk__in=[by_person[p.pk].pk for p in to_email
                                      if p not in sent]).update(email_error=error[:2000])
        mail.log_failures(log, f"notices: {kind} emails not all sent", failures)
        if record_failures:
            events.notice_email_failed(school=school, kind=kind,
                                       label=kinds.LABELS.get(kind, kind),
                                       to=[p.display_name for p in to_email if p not in sent],
                                       error=error)
