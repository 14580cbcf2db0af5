"""Build realistic RFC 822 messages for the checker tests (no files, no network)."""

from email.message import EmailMessage

from esafety.engine.messages.directory import Directory, Member

SCHOOL = "hollinspark.sch.uk"


def make_mail(*, sender="Tom Teach <t.teach@hollinspark.sch.uk>", to=(), cc=(), bcc=(),
              subject="Year 8 trip", body="Dear all,\n\nPlease see the letter below.\n",
              attachments=(), headers=None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    if to:
        msg["To"] = ", ".join(to)
    if cc:
        msg["Cc"] = ", ".join(cc)
    if bcc:
        msg["Bcc"] = ", ".join(bcc)
    msg["Subject"] = subject
    msg["Message-ID"] = "<test@hollinspark.sch.uk>"
    for key, value in (headers or {}).items():
        msg[key] = value
    msg.set_content(body)
    for name, data, ctype in attachments:
        maintype, _, subtype = ctype.partition("/")
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def school_directory(**extra) -> Directory:
    """Hollins Park: two staff called Sam Smith, a pupil, two parents."""
    members = {
        "t.teach@hollinspark.sch.uk": Member("t.teach@hollinspark.sch.uk", "Tom Teach", "teacher"),
        "s.smith@hollinspark.sch.uk": Member("s.smith@hollinspark.sch.uk", "Sam Smith", "teacher"),
        "sam.smith@hollinspark.sch.uk": Member("sam.smith@hollinspark.sch.uk", "Sam Smith",
                                               "support_staff"),
        "h.head@hollinspark.sch.uk": Member("h.head@hollinspark.sch.uk", "Helen Head",
                                            "headteacher"),
        "pip.pupil@pupils.hollinspark.sch.uk": Member("pip.pupil@pupils.hollinspark.sch.uk",
                                                      "Pip Pupil", "pupil"),
        "pat.pupil@example.net": Member("pat.pupil@example.net", "Pat Pupil", "parent"),
        "lee.jones@example.org": Member("lee.jones@example.org", "Lee Jones", "parent"),
        "kim.ng@example.com": Member("kim.ng@example.com", "Kim Ng", "parent"),
    }
    return Directory(domains=frozenset({SCHOOL}), members=members,
                     approved={"pip.pupil@pupils.hollinspark.sch.uk":
                               frozenset({"author@booksforschools.org", "museum.org.uk"})},
                     correspondents=frozenset({"localcouncil.gov.uk", "supplier@stationery.co.uk"}),
                     **extra)


def rule_ids(verdict) -> list[str]:
    return [f.rule.id for f in verdict.findings]
