"""esafety import people FILE --school SCHOOL --kind staff|pupils|parents"""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from esafety.directory.importing import KINDS, ImportFailed, import_people
from esafety.directory.models import School


class Command(BaseCommand):
    help = "Import people from a CSV file exported by the school's MIS (all or nothing)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="people")
        people = sub.add_parser("people", help="staff, pupils or parents from a CSV file")
        people.add_argument("file", help="the CSV file, or - for standard input")
        people.add_argument("--school", required=True, help="the school's short name (slug)")
        people.add_argument("--kind", required=True, choices=KINDS)
        people.add_argument("--dry-run", action="store_true",
                            help="check the file and report problems without importing")

    def handle(self, *args, what, file, school, kind, dry_run, **options):
        target = School.objects.by_slug(school)
        try:
            data = sys.stdin.buffer.read() if file == "-" else Path(file).read_bytes()
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc.strerror}") from None
        try:
            result = import_people(data, school=target, kind=kind, dry_run=dry_run)
        except ImportFailed as failed:
            for problem in failed.problems:
                self.stderr.write(f"{file}: {problem}")
            raise CommandError(f"{file}: {len(failed.problems)} problem(s); nothing was imported") from None
        if dry_run:
            self.stdout.write(f"{file}: no problems found ({kind}); nothing imported (dry run)")
        else:
            self.stdout.write(f"{file}: imported {kind} into {target.name}: {result.summary()}")
