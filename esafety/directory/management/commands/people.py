"""esafety people role USERNAME ROLE: the service operator gives someone a role.

Imports never give the senior and safeguarding roles (headteacher, assistant head, DSL,
online safety lead, governor); on a new install the operator gives the first headteacher
their role here (or in /admin/), and the headteacher gives the others on each person's page.
"""

from django.core.management.base import BaseCommand, CommandError

from esafety.directory import actions, roles
from esafety.directory.importing import parse_moment
from esafety.directory.models import Person
from esafety.errors import EsafetyError


class Command(BaseCommand):
    help = "Give someone a role, as the service operator (recorded in the audit trail)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="role")
        role = sub.add_parser("role", help="give a member of staff, governor or guest a role")
        role.add_argument("username")
        role.add_argument("role", choices=sorted(roles.STAFF_FILE_ROLES))
        role.add_argument("--school", help="the school's short name, if the username is not "
                                           "enough to find them")
        role.add_argument("--access-expires", help="for supply teachers, trainees and "
                                                   "visitors: when access ends")

    def handle(self, *args, what, username, role, school=None, access_expires=None, **options):
        people = Person.objects.filter(username=username)
        if school:
            people = people.filter(school__slug=school)
        person = people.select_related("school").first()
        if person is None:
            raise CommandError(f"nobody with the username '{username}'"
                               + (f" in '{school}'" if school else ""))
        try:
            expires = parse_moment(access_expires) if access_expires else None
            person = actions.person_role_change(actor=None, person=person, role=role,
                                                access_expires_at=expires)
        except (EsafetyError, ValueError) as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{person.display_name} ({person.username}, {person.school}) is now "
                          f"{person.role_label.lower()}")
