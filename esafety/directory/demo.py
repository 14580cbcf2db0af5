"""The demo school: a realistic all-through school in a small trust, built in one go.

About 40 staff in every role, 300 pupils from Reception to Year 13 with their parents,
two governors, a visitor; AUPs adapted from the seed policies; some agreements accepted,
some declined, some pending; one policy review overdue. A second, small school in the
same trust shows that one school never sees another's people.
"""

import datetime
import importlib
import random
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School, Trust
from esafety.policies import actions as policy_actions
from esafety.policies.models import Acceptance, PolicyVersion

DEMO_SLUG = "hollins-park"
DEMO_PASSWORD = "esafety-demo"
TEXTS = Path(__file__).parent / "demo_texts"

FIRST_NAMES = (
    "Amelia Olivia Isla Ava Mia Ivy Lily Freya Florence Grace Sophia Aisha Zara Maryam Fatima "
    "Chloe Ella Evie Poppy Ruby Harper Willow Sienna Daisy Layla Nia Priya Anaya Maja Zofia "
    "Oliver George Noah Arthur Muhammad Leo Harry Oscar Archie Henry Jack Freddie Theo Charlie "
    "Jacob Alfie Thomas Ibrahim Yusuf Rohan Arjun Kai Dylan Owen Rhys Callum Tomasz Kacper Samuel "
    "Ethan Joseph Reuben Isaac Elijah Ezra Caleb Logan Finley Riley"
).split()
LAST_NAMES = (
    "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Roberts Johnson Lewis Walker "
    "Robinson Wood Thompson White Watson Jackson Wright Green Harris Cooper King Lee Martin Clarke "
    "James Morgan Hughes Edwards Hill Moore Clark Harrison Scott Young Morris Hall Ward Turner "
    "Carter Phillips Mitchell Patel Khan Ahmed Ali Hussain Begum Shah Singh Kaur Nowak Kowalski "
    "Okafor Mensah Adeyemi Osei Nguyen Chen Wong O'Brien Murphy Kelly Byrne Rowe Griffith Price"
).split()


@dataclass
class DemoLogin:
    role: str
    username: str
    note: str


def _years_ago(years: float) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=365 * years)


def _text(name: str) -> str:
    return (TEXTS / f"{name}.txt").read_text(encoding="utf-8")


class DemoBuilder:
    def __init__(self, seed: int = 2026):
        self.rng = random.Random(seed)
        self.taken: set[str] = set(Person.objects.values_list("username", flat=True))
        self.now = timezone.now()
        # Hashing is slow by design: hash the shared demo password once, not 700 times.
        self.password_hash = make_password(DEMO_PASSWORD)

    def username(self, first: str, last: str) -> str:
        base = f"{first}.{last}".lower().replace("'", "")
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}{n}"
        self.taken.add(name)
        return name

    def person(self, school, role, *, first=None, last=None, username=None, **fields) -> Person:
        first = first or self.rng.choice(FIRST_NAMES)
        last = last or self.rng.choice(LAST_NAMES)
        username = username or self.username(first, last)
        self.taken.add(username)
        domain = school.domains[0] if school.domains else "example.org"
        if role == roles.PARENT:
            email = f"{first}.{last}{self.rng.randint(1, 99)}@example.net".lower().replace("'", "")
        else:
            email = f"{username}@{domain}"
        person = Person(school=school, role=role, first_name=first, last_name=last,
                        username=username, email=email, **fields)
        person.password = self.password_hash
        return person

    # -- people ---------------------------------------------------------------------------

    def staff(self, school, count_teachers=24, count_support=9) -> dict[str, list[Person]]:
        plan = [
            (roles.HEADTEACHER, 1, ("Bethan", "Rowe", "head")),
            (roles.ASSISTANT_HEAD, 2, ("Dan", "McGuigan", None)),
            (roles.DSL, 1, ("Grace", "Okafor", "dsl")),
            (roles.ONLINE_SAFETY_LEAD, 1, ("Jeremy", "Griffith", "osl")),
            (roles.IT_MANAGER, 1, ("Tomasz", "Nowak", "itm")),
            (roles.BUSINESS_MANAGER, 1, ("Priya", "Shah", "bm")),
            (roles.TEACHER, count_teachers, ("Amir", "Hussain", "teacher")),
            (roles.SUPPORT_STAFF, count_support, ("Sian", "Evans", "support")),
            (roles.GOVERNOR, 2, ("Margaret", "Clarke", "governor")),
        ]
        made: dict[str, list[Person]] = {}
        n = 0
        for role, count, (first, last, username) in plan:
            for i in range(count):
                n += 1
                if i == 0 and school.slug == DEMO_SLUG:
                    person = self.person(school, role, first=first, last=last,
                                         username=username or None, external_id=f"S{n:03d}")
                else:
                    person = self.person(school, role, external_id=f"S{n:03d}")
                person.save()
                made.setdefault(role, []).append(person)
        return made

    def pupils_and_parents(self, school, count=300) -> tuple[list[Person], list[Person]]:
        pupils: list[Person] = []
        parents: list[Person] = []
        families: list[list[Person]] = []  # each family's parents
        per_year = count // 14
        extra = count - per_year * 14
        upn = 0
        for year in roles.YEAR_GROUPS:
            in_year = per_year + (1 if year < extra else 0)
            forms = [f"{roles.year_label(year)[:1] if year == 0 else year}{f}" for f in "ABC"]
            for i in range(in_year):
                upn += 1
                # About one pupil in six has an older sibling already here: same surname, same parents.
                family = self.rng.choice(families) if families and self.rng.random() < 0.16 else None
                last = family[0].last_name if family else self.rng.choice(LAST_NAMES)
                age = 5 + year
                dob = datetime.date(timezone.localdate().year - age - 1, self.rng.randint(9, 12),
                                    self.rng.randint(1, 28))
                pupil = self.person(school, roles.PUPIL, last=last, year_group=year,
                                    form=forms[i % 3], external_id=f"P{upn:04d}", date_of_birth=dob)
                if school.slug == DEMO_SLUG and year == 1 and i == 0:
                    pupil.username, pupil.first_name = "pupil.ks1", "Ruby"
                elif school.slug == DEMO_SLUG and year == 10 and i == 0:
                    pupil.username, pupil.first_name = "pupil", "Kai"
                pupil.save()
                pupils.append(pupil)
                if family is None:
                    family = []
                    for _k in range(1 if self.rng.random() < 0.35 else 2):
                        parent = self.person(school, roles.PARENT, last=last,
                                             external_id=f"C{len(parents) + 1:04d}")
                        if school.slug == DEMO_SLUG and not parents:
                            parent.username = "parent"
                        parent.save()
                        parents.append(parent)
                        family.append(parent)
                    families.append(family)
                for parent in family:
                    parent.children.add(pupil)
        return pupils, parents

    # -- policies -------------------------------------------------------------------------

    def policies(self, school, head, osl) -> dict[str, PolicyVersion]:
        current = {}
        today = timezone.localdate()
        year_start = school.school_year_start()
        for audience, title in [
            (roles.AUDIENCE_STAFF, "Acceptable Use Policy for staff and governors"),
            (roles.AUDIENCE_KS1, "Our computer rules (Reception and KS1)"),
            (roles.AUDIENCE_KS2, "ICT contract (KS2)"),
            (roles.AUDIENCE_KS3, "ICT Acceptable Use Agreement (KS3)"),
            (roles.AUDIENCE_KS4, "ICT Acceptable Use Agreement (KS4)"),
            (roles.AUDIENCE_KS5, "Sixth form Acceptable Use Agreement"),
            (roles.AUDIENCE_PARENTS, "Acceptable Use Agreement for parents and carers"),
            (roles.AUDIENCE_VISITORS, "Acceptable Use Policy for visitors"),
        ]:
            document = policy_actions.policy_document_create(
                actor=head, school=school, title=title, audience=audience, responsible_person=osl)
            text = _text(audience)
            if audience == roles.AUDIENCE_STAFF:
                # Version 1 last year; version 2 published a fortnight ago: everyone must accept again.
                policy_actions.policy_publish(
                    actor=head, document=document, number="1.0", text=text.split("\n5. Misuse")[0],
                    approved_by="Full governing body", approved_on=today - datetime.timedelta(days=400),
                    review_due=today + datetime.timedelta(days=330),
                    published_at=self.now - datetime.timedelta(days=395))
                version = policy_actions.policy_publish(
                    actor=head, document=document, number="2.0", text=text,
                    summary_of_changes="Adds the section on misuse and its ratings (004 Appendix I), "
                                       "and the rule on Bcc for parents.",
                    approved_by="Full governing body", approved_on=today - datetime.timedelta(days=16),
                    review_due=today + datetime.timedelta(days=350),
                    published_at=self.now - datetime.timedelta(days=14))
            else:
                published = timezone.make_aware(datetime.datetime.combine(
                    year_start - datetime.timedelta(days=10), datetime.time(9)))
                version = policy_actions.policy_publish(
                    actor=head, document=document, number="1.0", text=text,
                    approved_by="Curriculum, Staffing and Pastoral Committee",
                    approved_on=year_start - datetime.timedelta(days=20),
                    review_due=year_start + datetime.timedelta(days=365),
                    published_at=min(published, self.now))
            current[audience] = version

        # Two ordinary policies; the first one's review is overdue.
        online = policy_actions.policy_document_create(
            actor=head, school=school, title="Online Safety and Communications Policy",
            responsible_person=osl, review_every_months=24)
        policy_actions.policy_publish(
            actor=head, document=online, number="3.1",
            text="The school's Online Safety and Communications Policy (adapted from 002).",
            approved_by="Full governing body", approved_on=today - datetime.timedelta(days=800),
            review_due=today - datetime.timedelta(days=70),
            published_at=self.now - datetime.timedelta(days=795))
        electronic = policy_actions.policy_document_create(
            actor=head, school=school, title="Electronic Communication Policy",
            responsible_person=head, review_every_months=36)
        policy_actions.policy_publish(
            actor=head, document=electronic, number="2.0",
            text="Electronic Communication Policy including use of social networking sites "
                 "(adapted from 003). Reviewed every three years.",
            approved_by="Full governing body", approved_on=today - datetime.timedelta(days=200),
            review_due=today + datetime.timedelta(days=20),
            published_at=self.now - datetime.timedelta(days=199))
        return current

    def answer(self, person, version, decision, when, **kwargs):
        answer = Acceptance.objects.create(
            person=person, version=version, decision=decision, decided_at=when,
            school_year_start=person.school.school_year_start(when.date()) if person.is_pupil else None,
            **kwargs)
        from esafety.policies import events
        events.aup_answered(actor=kwargs.get("recorded_by") or person, answer=answer,
                            details={"method": answer.method, "source": "demo"})
        return answer

    def acceptances(self, school, versions, staff, pupils, parents, guests, business_manager):
        rng = self.rng
        since_publish = lambda version: max(  # noqa: E731
            version.published_at, self.now - datetime.timedelta(days=20))

        def moment(version):
            start = since_publish(version)
            span = max((self.now - start).total_seconds(), 3600)
            return start + datetime.timedelta(seconds=rng.uniform(0, span * 0.95))

        staff_v2 = versions[roles.AUDIENCE_STAFF]
        staff_v1 = staff_v2.document.versions.get(number="1.0")
        everyone_staff = [p for people in staff.values() for p in people]
        demo_states = {"head": "accepted", "dsl": "accepted", "osl": "accepted", "itm": "accepted",
                       "bm": "accepted", "governor": "accepted", "teacher": "pending",
                       "support": "declined"}
        for person in everyone_staff:
            # Everyone accepted version 1 last year.
            self.answer(person, staff_v1, Acceptance.ACCEPTED,
                        staff_v1.published_at + datetime.timedelta(days=rng.uniform(0, 12)))
            state = demo_states.get(person.username)
            if state is None:
                state = rng.choices(["accepted", "pending", "declined"], [0.78, 0.19, 0.03])[0]
            if state != "pending":
                self.answer(person, staff_v2, state, moment(staff_v2))

        this_year = school.school_year_start()
        for pupil in pupils:
            version = versions[pupil.audience]
            if pupil.username == "pupil.ks1":
                continue  # the demo's KS1 pupil sees the gate on first sign-in
            # Last year's answer, which no longer counts this year.
            last_year = timezone.make_aware(datetime.datetime.combine(
                this_year - datetime.timedelta(days=300), datetime.time(10)))
            if pupil.year_group > 0:
                self.answer(pupil, version, Acceptance.ACCEPTED, last_year)
            roll = rng.random()
            if pupil.username == "pupil" or roll < 0.72:
                kwargs = {}
                if pupil.key_stage == 1 and rng.random() < 0.5:
                    # Younger pupils often sign a paper form in class with their teacher.
                    kwargs = {"method": Acceptance.PAPER, "recorded_by": business_manager,
                              "scanned_form": ContentFile(_demo_scan(pupil), name=f"{pupil.username}.pdf")}
                answer = self.answer(pupil, version, Acceptance.ACCEPTED, moment(version), **kwargs)
                parent = pupil.parents.first()
                if parent and parent.username != "parent" and rng.random() < 0.6:
                    answer.cosigned_by = parent
                    answer.cosigned_at = answer.decided_at + datetime.timedelta(hours=rng.uniform(2, 72))
                    if answer.cosigned_at < self.now:
                        answer.save(update_fields=["cosigned_by", "cosigned_at"])
            elif roll < 0.75:
                self.answer(pupil, version, Acceptance.DECLINED, moment(version))

        parent_version = versions[roles.AUDIENCE_PARENTS]
        for parent in parents:
            if parent.username == "parent" or rng.random() < 0.6:
                self.answer(parent, parent_version, Acceptance.ACCEPTED, moment(parent_version))

        visitor_version = versions[roles.AUDIENCE_VISITORS]
        for guest in guests:
            if guest.username != "visitor":
                self.answer(guest, visitor_version, Acceptance.ACCEPTED,
                            guest.access_expires_at - datetime.timedelta(days=2))


def _demo_scan(pupil) -> bytes:
    """A tiny but valid PDF standing in for a scanned paper form."""
    text = f"ICT contract signed by {pupil.display_name}".replace("(", "").replace(")", "")
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for off in offsets:
        out += f"{off:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def _area_hook(module_name: str, function_name: str):
    """The demo data of another product area, if that area is installed."""
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    return getattr(module, function_name, None)


def demo_exists() -> bool:
    return School.objects.filter(slug=DEMO_SLUG).exists()


def load_demo(*, pupils: int = 300, progress=print) -> list[DemoLogin]:
    """Create the demo trust and schools. Returns one login per role."""
    builder = DemoBuilder()
    # The demo's past incidents would otherwise send (or print) a dozen alert emails.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"), \
            transaction.atomic():
        trust = Trust.objects.create(name="Northern Lights Learning Trust")
        school = School.objects.create(trust=trust, name="Hollins Park School", slug=DEMO_SLUG,
                                       email_domains="hollinspark.sch.uk")
        progress("  staff and governors")
        staff = builder.staff(school)
        progress(f"  {pupils} pupils and their parents")
        pupil_list, parents = builder.pupils_and_parents(school, count=pupils)
        guests = [
            builder.person(school, roles.VISITOR, first="Lucy", last="Fairbairn", username="visitor",
                           access_expires_at=timezone.now() + datetime.timedelta(days=3)),
            builder.person(school, roles.SUPPLY_TEACHER, first="Mark", last="Benson",
                           access_expires_at=timezone.now() + datetime.timedelta(days=5)),
            builder.person(school, roles.TRAINEE, first="Hannah", last="Price",
                           access_expires_at=timezone.now() - datetime.timedelta(days=2)),
        ]
        for guest in guests:
            guest.save()
        # Someone who left last month: no access, kept on record.
        leaver = staff[roles.TEACHER][-1]
        leaver.left_on = timezone.localdate() - datetime.timedelta(days=30)
        leaver.is_active = False
        leaver.save()

        progress("  Acceptable Use Policies and agreements")
        head = staff[roles.HEADTEACHER][0]
        osl = staff[roles.ONLINE_SAFETY_LEAD][0]
        versions = builder.policies(school, head, osl)
        builder.acceptances(school, versions, staff, pupil_list, parents, guests,
                            staff[roles.BUSINESS_MANAGER][0])

        # The trust's second school: people Hollins Park must never see.
        other = School.objects.create(trust=trust, name="Riverside Primary", slug="riverside",
                                      email_domains="riverside.sch.uk")
        builder.staff(other, count_teachers=6, count_support=2)
        builder.pupils_and_parents(other, count=40)

        for label, module, function, args in [
            ("communication checks", "esafety.checks.demo", "load_demo_checks", (school,)),
            ("web filtering", "esafety.filtering.demo", "load_demo_filtering", (school, head)),
            ("incident log", "esafety.incidents.demo", "load_demo_incidents", (school,)),
            ("sign-in", "esafety.identity.demo", "load_demo_sign_in", (school,)),
            ("mail filter", "esafety.mailfilter.demo", "load_demo_mailfilter", (school,)),
            ("mail monitoring", "esafety.mailmonitor.demo", "load_demo_mailmonitor", (school,)),
            ("dfe standards", "esafety.standards.demo", "load_demo_standards", (school,)),
            ("access authorisations", "esafety.authorisations.demo", "load_demo_authorisations", (school,)),
            ("consent", "esafety.consent.demo", "load_demo_consent", (school,)),
            ("devices and software", "esafety.devices.demo", "load_demo_devices", (school,)),
            ("training", "esafety.training.demo", "load_demo_training", (school,)),
            ("retention and subject access", "esafety.retention.demo", "load_demo_retention", (school,)),
            ("governors' pack", "esafety.governance.demo", "load_demo_governance", (school,)),
        ]:
            hook = _area_hook(module, function)
            if hook is not None:
                progress(f"  {label}")
                hook(*args)

    return demo_logins()


def demo_logins() -> list[DemoLogin]:
    wanted = [
        (roles.HEADTEACHER, "head", "compliance, policies, people, audit trail"),
        (roles.ASSISTANT_HEAD, None, ""),
        (roles.DSL, "dsl", "the incident log: new reports, investigations"),
        (roles.ONLINE_SAFETY_LEAD, "osl", "compliance view; responsible for a policy review that is overdue"),
        (roles.IT_MANAGER, "itm", "people, guests, leavers"),
        (roles.BUSINESS_MANAGER, "bm", "records paper signatures"),
        (roles.TEACHER, "teacher", "must accept the new staff AUP v2.0"),
        (roles.SUPPORT_STAFF, "support", "declined the staff AUP: sees only the AUP"),
        (roles.GOVERNOR, "governor", ""),
        (roles.PUPIL, "pupil.ks1", "Year 1: has not accepted this year's rules yet"),
        (roles.PUPIL, "pupil", "Year 10; has reported an incident"),
        (roles.PARENT, "parent", "co-signs a child's agreement"),
        (roles.VISITOR, "visitor", "guest access ends in 3 days; must accept the visitors' AUP"),
    ]
    logins = []
    school = School.objects.by_slug(DEMO_SLUG)
    for role, username, note in wanted:
        people = Person.objects.filter(school=school, role=role, is_active=True)
        person = people.filter(username=username).first() if username else people.first()
        if person:
            logins.append(DemoLogin(roles.ROLE_LABELS[role], person.username, note))
    return logins
