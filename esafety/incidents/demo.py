"""A realistic term of online safety incidents for the demo school.

Uses the school's existing people: every kind of incident, some open and some closed,
one allegation against a member of staff. Everything goes through the real actions (so
the hash chains verify and the designated person's emails are printed by the console
mail backend), dated across the last term with `actions.recorded_at`.
"""

import datetime
import struct
import zlib
from email.utils import format_datetime

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.errors import ConfigurationError, EsafetyError
from esafety.incidents import access, actions
from esafety.incidents.models import Incident


def _png(width: int = 160, height: int = 90, shade: int = 200) -> bytes:
    """A small grey PNG with a dark band: stands in for a screenshot of a page."""
    rows = []
    for y in range(height):
        value = 40 if 20 <= y < 32 else shade
        rows.append(b"\x00" + bytes([value, value, value]) * width)

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"".join(rows))) + chunk(b"IEND", b""))


ABUSIVE_EML = (
    "Return-Path: <angry.parent1987@freemail.example>\r\n"
    "Received: from mx.freemail.example (mx.freemail.example [192.0.2.41])\r\n"
    "\tby mail.school.example; {date}\r\n"
    "From: \"A Parent\" <angry.parent1987@freemail.example>\r\n"
    "To: {to}\r\n"
    "Subject: You are useless\r\n"
    "Date: {date}\r\n"
    "Message-ID: <demo-0915@freemail.example>\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n\r\n"
    "You are a disgrace and everyone knows it. I will make sure the whole town hears about "
    "you.\r\n")


class _Cast:
    """The school's people, by role, with sensible stand-ins when a role is missing."""

    def __init__(self, school):
        people = Person.objects.filter(school=school, is_active=True)
        self.by_role: dict[str, list[Person]] = {}
        for person in people.order_by("pk"):
            self.by_role.setdefault(person.role, []).append(person)
        self.dsl = self.first(roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER)
        self.head = self.first(roles.HEADTEACHER, roles.DSL)
        self.osl = self.first(roles.ONLINE_SAFETY_LEAD, roles.ASSISTANT_HEAD, roles.HEADTEACHER)
        self.second = self.osl if self.osl != self.dsl else self.first(roles.ASSISTANT_HEAD,
                                                                       roles.HEADTEACHER)
        self.deputy = self.first(roles.ASSISTANT_HEAD, roles.ONLINE_SAFETY_LEAD, roles.DSL)
        self.teachers = self.by_role.get(roles.TEACHER, []) or [self.osl]
        self.pupils = self.by_role.get(roles.PUPIL, [])
        self.governor = self.first(roles.GOVERNOR)
        if not self.dsl or not self.pupils or not self.head:
            raise ConfigurationError("the demo incidents need a DSL or headteacher and some pupils")

    def named(self, username, fallback):
        """The demo's sign-in personas, so each role sees its own reports when it signs in."""
        found = next((p for people in self.by_role.values() for p in people
                      if p.username == username), None)
        return found or fallback

    def first(self, *wanted):
        for role in wanted:
            if self.by_role.get(role):
                return self.by_role[role][0]
        return None

    def teacher(self, index):
        return self.teachers[index % len(self.teachers)]

    def pupil(self, index, years=None):
        chosen = [p for p in self.pupils if years is None or p.year_group in years] or self.pupils
        return chosen[index % len(chosen)]

    def parent_of(self, pupil):
        return pupil.parents.filter(is_active=True).first()


def load_demo_incidents(school: School) -> int:
    """Add a term of incidents to `school`; does nothing if it already has some. Returns count."""
    if Incident.objects.filter(school=school).exists():
        return 0
    cast = _Cast(school)
    actions.incident_settings_update(
        actor=cast.head, school=school, designated_person=cast.dsl,
        chair_of_governors=cast.governor if cast.head.role == roles.HEADTEACHER else None,
        letter_template=access.settings_for(school).letter_template)
    today = timezone.localtime()
    start = today - datetime.timedelta(weeks=12)

    def at(day, hour=10, minute=0):
        moment = (start + datetime.timedelta(days=day)).replace(hour=hour, minute=minute,
                                                                 second=0, microsecond=0)
        return min(moment, timezone.now() - datetime.timedelta(minutes=5))

    def step(day, hour, minute, fn, **kwargs):
        with actions.recorded_at(at(day, hour, minute)):
            return fn(**kwargs)

    def investigate(incident, day, *, hour=9, computer=None):
        step(day, hour, 5, actions.investigator_add, actor=cast.dsl, incident=incident,
             person=cast.dsl)
        step(day, hour, 6, actions.investigator_add, actor=cast.dsl, incident=incident,
             person=cast.second)
        if computer:
            incident.refresh_from_db()
            step(day, hour, 10, actions.incident_edit, actor=cast.dsl, incident=incident,
                 expected_version=incident.version, designated_computer=computer)

    def conclude(incident, day, outcome, reasons, close=True, **extra):
        step(day, 15, 0, actions.incident_judge, actor=cast.dsl, incident=incident,
             outcome=outcome, reasons=reasons, **extra)
        if close:
            step(day, 15, 5, actions.incident_close, actor=cast.dsl, incident=incident)

    made = []
    y7, y8 = cast.pupil(0, {7}), cast.named("pupil", cast.pupil(1, {8}))
    y9, y10 = cast.pupil(2, {9}), cast.pupil(3, {10, 11})

    # 1. Week 1: a Year 7 pupil sees adult content through a search during a lesson.
    inc = step(2, 11, 20, actions.incident_report, actor=cast.named("teacher", cast.teacher(0)),
               kind="inappropriate_material",
               summary="Adult advert appeared during a geography search",
               description=f"{y7.display_name} was researching volcanoes and an advert with "
                           "sexual content appeared. They hid the screen and told me at once.",
               location="Room G12, laptop trolley B", people=[y7],
               urls=["https://ads.example/redirect?id=8812"])
    investigate(inc, 2, hour=12, computer="Admin office PC AO-2 (asset 00412), not used by pupils")
    step(2, 13, 0, actions.incident_note, actor=cast.dsl, incident=inc,
         text="Advert network domain added to the block list request for the IT manager.")
    conclude(inc, 3, "no_substance", "Accidental access; the pupil did the right thing. "
             "Domain referred for blocking. No action for the pupil.")
    made.append(inc)

    # 2. A member of staff receives an abusive email (000 §2: report in writing, never reply).
    victim = cast.teacher(1)
    inc = step(9, 7, 45, actions.incident_report, actor=victim, kind="abusive_message",
               summary="Abusive email from a personal address",
               description="I received an abusive email last night from an address I do not "
                           "know. I have not replied. A copy is attached.",
               upload=("abusive-email.eml",
                       ABUSIVE_EML.format(to=victim.email or "staff@school.example",
                                          date=format_datetime(at(8, 21, 40))).encode()))
    investigate(inc, 9)
    step(10, 10, 0, actions.incident_note, actor=cast.dsl, incident=inc,
         text="Sender identified as a parent. Headteacher met the parent; written warning "
              "about communication sent under the home-school agreement.")
    conclude(inc, 10, "internal", "Parent identified; dealt with by the headteacher.")
    made.append(inc)

    # 3. A fake account mocking the school: URL, screenshot, takedown request.
    inc = step(16, 8, 30, actions.incident_report, actor=cast.osl, kind="malicious_online",
               summary="Fake account posting mocking pictures of staff",
               description="An account using the school logo is posting edited pictures of "
                           "staff with insulting captions.",
               urls=["https://social.example/fake_school_account"])
    investigate(inc, 16, computer="Admin office PC AO-2 (asset 00412), not used by pupils")
    shot = step(16, 9, 30, actions.evidence_add, actor=cast.dsl, incident=inc,
                kind="screenshot", upload=("fake-account-profile.png", _png()))
    step(16, 9, 40, actions.evidence_add, actor=cast.dsl, incident=inc, kind="visit",
         url="https://social.example/fake_school_account",
         text="Profile page viewed to record the posts; 14 posts at the time.")
    step(16, 9, 45, actions.screenshot_sign, actor=cast.dsl, evidence=shot)
    step(16, 9, 46, actions.screenshot_sign, actor=cast.second, evidence=shot)
    takedown = step(16, 10, 0, actions.takedown_request, actor=cast.dsl, incident=inc,
                    target="site", target_name="Social.example report form",
                    url="https://social.example/fake_school_account",
                    sent_on=at(16).date(), notes="Reported as impersonation of an organisation.")
    step(19, 9, 0, actions.takedown_update, actor=cast.dsl, request=takedown,
         outcome="removed", outcome_on=at(19).date(), notes="Account suspended by the site.")
    conclude(inc, 19, "internal", "Creator not identified; account removed by the site.")
    made.append(inc)

    # 4. Cyberbullying reported by a pupil: rated, sanctioned, letter to parents.
    bully = cast.pupil(4, {8})
    inc = step(23, 16, 10, actions.incident_report, actor=y8, kind="cyberbullying", via="pupil",
               description="People in my form keep posting mean comments about my clothes in "
                           "the class group chat. It has been going on for two weeks.",
               people=[y8])
    step(24, 8, 40, actions.incident_acknowledge, actor=cast.dsl, incident=inc)
    investigate(inc, 24)
    if bully != y8:
        step(24, 10, 55, actions.involvement_set, actor=cast.dsl, incident=inc, person=y8,
             part="target", reason="The comments were about them")
        step(24, 10, 56, actions.involvement_set, actor=cast.dsl, incident=inc, person=bully,
             part="alleged", reason="Messages show they started most of the comments")
        step(24, 11, 0, actions.incident_note, actor=cast.dsl, incident=inc,
             text=f"Messages show {bully.display_name} started most of the comments.")
    # 004 App. II: a sanction follows only once the concern is found to have substance.
    step(25, 9, 30, actions.incident_judge, actor=cast.dsl, incident=inc, outcome="internal",
         reasons="Dealt with under the anti-bullying policy; both families spoken to.")
    if bully != y8:
        step(25, 10, 0, actions.misuse_rate, actor=cast.dsl, incident=inc, person=bully,
             rating="mild", dimensions={"volume": "About 20 messages over two weeks"},
             factors={"instigator": "Started the comments", "realisation":
                      "Understood the hurt caused when we talked",
                      "behaviour_change": "Apologised; unlikely to repeat"})
        try:
            step(25, 10, 30, actions.sanction_record, actor=cast.dsl, incident=inc,
                 person=bully, kind="internet_suspension",
                 reasons="Misused the school network to post comments.",
                 starts_at=at(26, 9), ends_at=at(26, 15, 30))
        except EsafetyError as exc:
            # Filtering may refuse a suspension dated in the past; the letter still goes.
            step(25, 10, 31, actions.incident_note, actor=cast.dsl, incident=inc,
                 text=f"Internet suspension for one day agreed ({exc}).")
        step(25, 10, 35, actions.sanction_record, actor=cast.dsl, incident=inc, person=bully,
             kind="letter_to_parents", reasons="Parents asked to talk about kind messaging.")
    step(26, 15, 5, actions.incident_close, actor=cast.dsl, incident=inc)
    made.append(inc)

    # 5. Abusive calls and texts reported by a parent: still open.
    login_parent = cast.named("parent", None)
    if login_parent is not None and login_parent.children.exists():
        y9 = login_parent.children.first()
    parent = cast.parent_of(y9)
    reporter = parent or cast.teacher(2)
    inc = step(30, 19, 5, actions.incident_report, actor=reporter, kind="abusive_calls",
               via="parent" if parent else "staff",
               description="My child has had six calls from a withheld number and texts "
                           "calling them names since the weekend.", people=[y9])
    step(31, 8, 15, actions.evidence_add, actor=cast.dsl, incident=inc, kind="phone",
         phone="07700 900461", text="Number that sent the texts (shown on one message).")
    step(31, 8, 20, actions.evidence_add, actor=cast.dsl, incident=inc, kind="log",
         upload=("texts.csv", b"date,time,from,text\n2026-10-10,21:14,07700900461,"
                              b"you are a loser\n2026-10-11,22:02,withheld,(call)\n"))
    made.append(inc)

    # 6. Nude image of a pupil being shared: description only, police referral, still open.
    inc = step(37, 12, 40, actions.incident_report, actor=cast.teacher(3), kind="sexting",
               summary="Image of a Year 10 pupil being shared",
               description="A pupil told me an intimate image of a classmate is being passed "
                           "round on phones. I have not looked at it.", people=[y10],
               image_location="On at least two Year 10 pupils' phones, in a private group on a "
                              "messaging app. Phones handed to the DSL, switched off.")
    investigate(inc, 37, hour=13)
    conclude(inc, 37, "police", "Referred to the police at once as the policy requires; "
             "phones kept switched off in the safe.", close=False)
    made.append(inc)

    # 7. Grooming concern from a game: police referral, closed.
    target = cast.pupil(5, {7, 8})
    inc = step(44, 18, 0, actions.incident_report, actor=cast.parent_of(target) or cast.dsl,
               kind="grooming", via="parent" if cast.parent_of(target) else "staff",
               description="An adult in an online game asked my son to move to a private chat "
                           "and send photos.", people=[target],
               urls=["https://game.example/profile/shadow_wolf_77"])
    investigate(inc, 45)
    conclude(inc, 46, "police", "Referred to the police and CEOP; account details given.")
    made.append(inc)

    # 8. Radicalisation concern: local authority (Prevent), closed.
    inc = step(51, 14, 30, actions.incident_report, actor=cast.teacher(4), kind="radicalisation",
               summary="Pupil watching extremist videos and repeating slogans",
               description=f"{y10.display_name} has been repeating slogans from videos by an "
                           "extremist group and showing them to others.", people=[y10])
    investigate(inc, 52)
    conclude(inc, 53, "local_authority", "Referred to the local authority's Prevent lead "
             "after discussion with the family.")
    made.append(inc)

    # 9. A lost laptop: closed.
    inc = step(58, 8, 10, actions.incident_report, actor=cast.teacher(5), kind="device_loss",
               summary="School laptop left on a train",
               description="I left my school laptop on the 17:42 train. It is encrypted and "
                           "I reported it to the rail company.")
    investigate(inc, 58)
    conclude(inc, 59, "internal", "Device encrypted and remotely locked; no pupil data at risk.")
    made.append(inc)

    # 10. An allegation against a member of staff: headteacher only, open.
    subject = cast.teacher(6)
    if subject in (cast.dsl, cast.head, cast.second):
        subject = next((t for t in cast.teachers if t not in (cast.dsl, cast.head, cast.second)),
                       subject)
    whistleblower = cast.teacher(7) if cast.teacher(7) != subject else cast.osl
    inc = step(63, 16, 45, actions.incident_report, actor=whistleblower, kind="staff_misuse",
               subject_staff=subject,
               summary="Member of staff following pupils on personal social media",
               description=f"Pupils say {subject.display_name} follows them from a personal "
                           "account and has messaged one of them.")
    if cast.head.role == roles.HEADTEACHER and cast.deputy and cast.deputy != subject:
        step(64, 8, 30, actions.investigator_add, actor=cast.head, incident=inc, person=cast.head)
        step(64, 8, 31, actions.investigator_add, actor=cast.head, incident=inc,
             person=cast.deputy)
    made.append(inc)

    # 11. A pupil bypassing the filter with a VPN: serious, further restrictions, closed.
    inc = step(68, 10, 50, actions.incident_report, actor=cast.teacher(8), kind="pupil_misuse",
               summary="Pupil using a VPN to get round the filter",
               description=f"{y9.display_name} installed a VPN extension on a library PC to reach "
                           "blocked gaming sites.", location="Library PC 7", people=[y9],
               parts={y9.pk: "alleged"})
    investigate(inc, 68, hour=11)
    step(69, 8, 55, actions.incident_judge, actor=cast.dsl, incident=inc, outcome="internal",
         reasons="Sanction applied; extension removed; IT alerted.")
    step(69, 9, 0, actions.misuse_rate, actor=cast.dsl, incident=inc, person=y9,
         rating="serious", dimensions={"time": "Most of three lunchtimes"},
         factors={"realisation": "Knew it broke the Acceptable Use Agreement"})
    step(69, 9, 20, actions.sanction_record, actor=cast.dsl, incident=inc, person=y9,
         kind="further_restrictions", reasons="No library PC use for two weeks.")
    # A suspension still to come, so web filtering shows it where that area is installed.
    lesson = timezone.localtime() + datetime.timedelta(days=1)
    while lesson.weekday() >= 5:
        lesson += datetime.timedelta(days=1)
    lesson = lesson.replace(hour=9, minute=0, second=0, microsecond=0)
    try:
        step(69, 9, 25, actions.sanction_record, actor=cast.dsl, incident=inc, person=y9,
             kind="internet_suspension", reasons="No internet in the next ICT lesson.",
             starts_at=lesson, ends_at=lesson + datetime.timedelta(hours=1))
    except EsafetyError as exc:
        step(69, 9, 26, actions.incident_note, actor=cast.dsl, incident=inc,
             text=f"Internet suspension for the next ICT lesson agreed ({exc}).")
    step(69, 15, 5, actions.incident_close, actor=cast.dsl, incident=inc)
    made.append(inc)

    # 12. A shared password: security breach, closed.
    inc = step(72, 13, 5, actions.incident_report, actor=y7, kind="security_breach",
               via="pupil", description="My friend knows my password and sent messages from "
                                        "my account.", people=[y7])
    investigate(inc, 72, hour=14)
    conclude(inc, 73, "internal", "Password reset; both pupils reminded of the AUP.")
    made.append(inc)

    # 13 and 14. Recent reports nobody has picked up yet.
    made.append(step(80, 11, 0, actions.incident_report, actor=cast.teacher(9), kind="other",
                     summary="Pupils filming in the changing room corridor",
                     description="Two pupils were seen holding phones up in the corridor by "
                                 "the changing rooms. Not sure what was recorded."))
    made.append(step(82, 15, 40, actions.incident_report, actor=cast.pupil(6), kind="cyberbullying",
                     via="pupil", description="Someone made a group called 'everyone who hates' "
                                              "and my name. Please help.",
                     people=[cast.pupil(6)]))
    return len(made)
