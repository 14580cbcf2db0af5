"""Demo data for mail monitoring: the headteacher's settings and two captured messages a
school would recognise (an abusive message from outside to a pupil; a member of staff's
message marked private, hidden until someone authorises reading it)."""

from __future__ import annotations

import dataclasses
import hashlib

from esafety.directory import roles
from esafety.directory.models import Person
from esafety.engine.messages.checker import check_parsed
from esafety.engine.messages.message import parse_message
from esafety.mailmonitor import actions
from esafety.mailmonitor.models import CapturedMessage, MonitorSettings
from esafety.mailmonitor.monitor import kept_findings


def _capture(school, raw: bytes, *, private: bool) -> None:
    msg = parse_message(raw)
    verdict = check_parsed(msg, sender_role="inbound" if not private else "staff")
    findings = kept_findings(verdict, private=private)
    if not findings:
        return
    verdict = dataclasses.replace(verdict, findings=findings)
    actions.captured_message_record(
        school=school, raw=raw, sha256=hashlib.sha256(raw).hexdigest(), msg=msg,
        verdict=verdict, private=private, journal_report=not private, evidence_capture=False,
        how="demo data")


def load_demo_mailmonitor(school) -> None:
    """Idempotent: nothing is added when the school already has monitoring settings."""
    from esafety.api.demo import load_demo_api

    load_demo_api(school)  # the Outlook add-in's token: part of the school's mail set-up
    if MonitorSettings.objects.filter(school=school).exists():
        return
    head = Person.objects.filter(school=school, role=roles.HEADTEACHER).order_by("pk").first()
    pupil = Person.objects.filter(school=school, role=roles.PUPIL).exclude(email="") \
        .order_by("pk").first()
    teacher = Person.objects.filter(school=school, role=roles.TEACHER).exclude(email="") \
        .order_by("pk").first()
    if head is None:
        return
    actions.monitor_settings_change(actor=head, school=school, evidence_capture=False,
                                    retention_days=90, private_markers="[private], [personal]")
    if pupil is not None and not CapturedMessage.objects.filter(school=school).exists():
        _capture(school, (
            f"From: someone <gamer.x99@example.net>\r\nTo: {pupil.email}\r\n"
            "Subject: saw you online\r\n\r\nYou useless pathetic loser, everyone at school "
            "hates you, you stupid idiot\r\n").encode(), private=False)
    if teacher is not None:
        _capture(school, (
            f"From: {teacher.email}\r\nTo: friend@example.org\r\n"
            "Subject: [private] sorry for the late reply\r\n\r\nI honestly can't go on any "
            "more, I have been thinking about ending my life\r\n").encode(), private=True)
