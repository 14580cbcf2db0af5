"""The adapter from the database to the engine's Directory view (one school)."""


from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.engine.messages.directory import Directory, Member
from esafety.errors import InvalidInput


def build_directory(school: School, *, extra_domains=()) -> Directory:
    """Everyone current in `school` by address, its domains, approvals and correspondents."""
    people = (Person.objects.filter(school=school).current()
              .exclude(email="")
              .only("email", "first_name", "last_name", "username", "role"))
    members = {p.email.lower(): Member(p.email.lower(), p.display_name, p.role) for p in people}
    approved: dict[str, set[str]] = {}
    for address, pupil_email in (ApprovedRecipient.objects.filter(school=school)
                                 .values_list("address", "pupil__email")):
        if pupil_email:
            approved.setdefault(pupil_email.lower(), set()).add(address.lower())
    # A pupil may always write to their own parents and carers as the school has them; a
    # parent in the directory is otherwise an outside address like any other (004 §3.2.3).
    pupils = {p.email.lower() for p in people if p.role == roles.PUPIL}
    for parent_email, pupil_email in (people.filter(role=roles.PARENT)
                                      .values_list("email", "children__email")):
        if pupil_email and pupil_email.lower() in pupils:
            approved.setdefault(pupil_email.lower(), set()).add(parent_email.lower())
    correspondents = frozenset(a.lower() for a in Correspondent.objects.filter(school=school)
                               .values_list("address", flat=True))
    return Directory(domains=frozenset(school.domains) | frozenset(extra_domains),
                     members=members,
                     approved={k: frozenset(v) for k, v in approved.items()},
                     correspondents=correspondents)


def school_for_cli(slug: str | None) -> School | None:
    """The school named on the command line, or the only one; None when there is none."""
    if slug:
        return School.objects.by_slug(slug)
    schools = list(School.objects.order_by("pk")[:2])
    if len(schools) > 1:
        raise InvalidInput("there are several schools: choose one with --school SLUG",
                           code="school-required")
    return schools[0] if schools else None
