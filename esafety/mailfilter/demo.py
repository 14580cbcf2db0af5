"""Demo data for the mail filter: its settings, a year group's approved address, and two
messages the filter held (through the filter's own decision, held store and batch loader,
as real mail would be): abusive mail from an unknown outside sender, and a member of staff
giving a parent their personal mobile number."""

from __future__ import annotations

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.mailfilter import engine, server
from esafety.mailfilter.actions import group_approval_add, ingest_events
from esafety.mailfilter.models import GroupApproval, MailFilterSettings
from esafety.mailfilter.publishing import folder, publish

DEMO_GROUP_ADDRESS = "education@museum.org.uk"


def _held(school: School, snapshot: engine.FilterSnapshot, mail_from: str, rcpts: list[str],
          raw: bytes) -> None:
    decision = engine.decide(snapshot, mail_from, rcpts, raw)
    if decision.outcome != engine.HOLD:
        return
    flt = server.Filter(server.Config(school=school.slug, folder=folder(school),
                                      next_hop=("127.0.0.1", 10026)))
    key = server.message_key(mail_from, rcpts, raw)
    flt._hold(key, mail_from, rcpts, raw)
    flt._record(key, decision, mail_from, rcpts, decision.subject)


def load_demo_mailfilter(school: School) -> None:
    """Idempotent: the held messages are keyed by their bytes, the rest looked up first."""
    head = Person.objects.filter(school=school, role=roles.HEADTEACHER).order_by("pk").first()
    teacher = (Person.objects.filter(school=school, role=roles.TEACHER).exclude(email="")
               .order_by("pk").first())
    parent = (Person.objects.filter(school=school, role=roles.PARENT).exclude(email="")
              .order_by("pk").first())
    if head is None or teacher is None:
        return
    MailFilterSettings.objects.get_or_create(school=school, defaults={
        "who_can_approve": "your class teacher", "held_retention_days": 30,
        "trusted_authserv": f"mx.{school.domains[0]}" if school.domains else ""})
    if not GroupApproval.objects.filter(school=school, address=DEMO_GROUP_ADDRESS).exists():
        group_approval_add(actor=head, school=school, address=DEMO_GROUP_ADDRESS, year_group=5,
                           note="Year 5 Romans project (demo)")
    publish(school)
    snapshot = engine.load(folder(school) / engine.SNAPSHOT_FILE)
    date = "Date: Thu, 03 Dec 2026 16:12:00 +0000\r\n"
    _held(school, snapshot, "angry.person@mail-forward.example", [teacher.email], (
        f"From: A Person <angry.person@mail-forward.example>\r\nTo: {teacher.email}\r\n"
        f"Subject: You\r\n{date}Message-ID: <demo-held-1@mail-forward.example>\r\n\r\n"
        "You are a useless fucking idiot and a piece of shit. Everyone knows it.\r\n").encode())
    if parent is not None:
        _held(school, snapshot, teacher.email, [parent.email], (
            f"From: {teacher.display_name} <{teacher.email}>\r\nTo: {parent.email}\r\n"
            f"Subject: Sam's reading\r\n{date}Message-ID: <demo-held-2@esafety.invalid>\r\n\r\n"
            "Happy to talk about Sam's reading any time - my mobile is 07700 900456, just "
            "text me in the evening.\r\n").encode())
    ingest_events(school)
