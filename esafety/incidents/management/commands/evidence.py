"""`esafety evidence verify [--school SLUG]`: check every incident's chain and stored files,
and the audit trail's chain.

Exits non-zero, naming each incident, if anything was altered. Each school's result is
stored as its latest history check, so the web app warns the headteacher and DSL; run it
daily from cron to keep the check fresh even when nobody signs in.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from esafety.audit import guards
from esafety.audit.chain import verify_trail
from esafety.audit.integrity import run_check
from esafety.audit.models import IntegrityCheck
from esafety.directory.models import School
from esafety.incidents.chain import verify_all


class Command(BaseCommand):
    help = "Check the incident log's and the audit trail's hash chains and evidence files."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute every chain and file hash")
        verify.add_argument("--school", help="only this school's incidents (its slug)")

    def handle(self, *args, action, school=None, **options):
        chosen = None
        if school:
            chosen = School.objects.by_slug(school)
        checks = verify_all(chosen)
        trail = verify_trail()
        self._record(chosen, checks, trail)
        failed = [c for c in checks if not c.ok]
        for check in failed:
            for problem in check.problems:
                self.stderr.write(f"{check.incident.school.slug} {check.incident.reference}: "
                                  f"{problem}")
        for problem in trail.problems:
            self.stderr.write(problem)
        unguarded = guards.missing(connection)
        if unguarded:
            self.stderr.write("the database's append-only guards are missing (someone dropped "
                              f"them; `esafety migrate` puts them back): {', '.join(unguarded)}")
        events = sum(c.events for c in checks)
        stored = sum(c.files for c in checks)
        if failed or not trail.ok or unguarded:
            parts = []
            if failed:
                names = ", ".join(c.incident.reference for c in failed)
                parts.append(f"{len(failed)} of {len(checks)} incidents failed verification: "
                             f"{names}")
            if not trail.ok:
                parts.append(f"the audit trail failed verification ({len(trail.problems)} "
                             f"problem{'s' if len(trail.problems) != 1 else ''})")
            if unguarded:
                parts.append("the append-only guards are missing")
            raise CommandError("; ".join(parts))
        self.stdout.write(f"ok: {len(checks)} incidents, {events} events, {stored} files, "
                          f"{trail.events} audit trail events verified")

    def _record(self, chosen, checks, trail):
        schools = [chosen] if chosen is not None else list(School.objects.order_by("pk"))
        for school in schools:
            run_check(school=school, how=IntegrityCheck.COMMAND, trail=trail,
                      incidents=[c for c in checks if c.incident.school_id == school.pk])
