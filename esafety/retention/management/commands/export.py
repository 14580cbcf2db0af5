"""`esafety export person USERNAME --school SLUG [--out FILE] [--confirm-redactions]`: a
subject-access bundle (zip: summary.html, and every section as JSON and CSV) of everything
esafety holds about one person.

Without --confirm-redactions it only lists the other people's names the bundle would remove,
for the reviewer to check; with it, it writes the bundle. Either way it is audited.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from esafety.directory.models import Person, School
from esafety.errors import EsafetyError
from esafety.retention import actions


class Command(BaseCommand):
    help = "Export everything esafety holds about one person (a subject-access bundle)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        person = sub.add_parser("person", help="one person's subject-access bundle")
        person.add_argument("username")
        person.add_argument("--school", required=True, help="the school's short name (slug)")
        person.add_argument("--out", help="where to write the zip (default: its own name here)")
        person.add_argument("--confirm-redactions", action="store_true",
                            help="the names listed have been checked: write the bundle")

    def handle(self, *args, what, username, school, out=None, confirm_redactions=False,
               **options):
        try:
            found_school = School.objects.by_slug(school)
        except EsafetyError as error:
            raise CommandError(str(error)) from None
        person = Person.objects.filter(school=found_school, username=username).first()
        if person is None:
            raise CommandError(f"nobody called {username!r} at {found_school.name}")
        if not confirm_redactions:
            bundle = actions.subject_access_preview(actor=None, subject=person)
            for section in bundle.sections:
                self.stdout.write(f"{section.title}: {len(section.rows)}")
            if bundle.redactions:
                self.stdout.write("Names that will be replaced by \"[name removed]\":")
                for name, times in sorted(bundle.redactions.items()):
                    self.stdout.write(f"  {name} ({times})")
            else:
                self.stdout.write("No other person's name was found.")
            raise CommandError("check the names above, then run again with "
                               "--confirm-redactions to write the bundle")
        name, data = actions.subject_access_export(actor=None, subject=person,
                                                   redactions_confirmed=True)
        path = Path(out or name)
        path.write_bytes(data)
        self.stdout.write(f"Wrote {path} ({len(data)} bytes)")
