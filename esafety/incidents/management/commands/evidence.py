"""`esafety evidence verify [--school SLUG]`: check every incident's chain and stored files.

Exits non-zero, naming each incident, if anything was altered.
"""

from django.core.management.base import BaseCommand, CommandError

from esafety.directory.models import School
from esafety.incidents.chain import verify_all


class Command(BaseCommand):
    help = "Check the incident log's hash chains and evidence files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every chain and file hash")
        verify.add_argument("--school", help="only this school (its slug)")

    def handle(self, *args, action, school=None, **options):
        chosen = None
        if school:
            chosen = School.objects.filter(slug=school).first()
            if chosen is None:
                raise CommandError(f"no school with slug {school!r}")
        checks = verify_all(chosen)
        failed = [c for c in checks if not c.ok]
        for check in failed:
            for problem in check.problems:
                self.stderr.write(f"{check.incident.school.slug} {check.incident.reference}: "
                                  f"{problem}")
        events = sum(c.events for c in checks)
        stored = sum(c.files for c in checks)
        if failed:
            names = ", ".join(c.incident.reference for c in failed)
            raise CommandError(f"{len(failed)} of {len(checks)} incidents failed verification: "
                               f"{names}")
        self.stdout.write(f"ok: {len(checks)} incidents, {events} events, {stored} files verified")
