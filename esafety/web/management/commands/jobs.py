"""esafety jobs [--once]: the scheduled jobs (esafety/web/jobs.py) run in this process, for a
school with no background worker: `esafety jobs --once` from cron every minute. Where
`esafety worker` runs (as `esafety serve` and the demo start it), it does this itself."""

import threading

from django.core.management.base import BaseCommand, CommandError

from esafety.web.jobs import JOBS, Scheduler


class Command(BaseCommand):
    help = "Run the scheduled jobs (the daily history check, loading the filter logs)."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true",
                            help="run every job once and stop (for cron)")

    def handle(self, *args, once=False, **options):
        scheduler = Scheduler()
        if once:
            ran = scheduler.run_due()
            for name in ran:
                failed = scheduler.failures.get(name)
                self.stdout.write(f"{name}: {'failed: ' + failed if failed else 'done'}")
            if scheduler.failures:
                raise CommandError(f"{len(scheduler.failures)} of {len(JOBS)} jobs failed")
            return
        self.stdout.write("Running the scheduled jobs (Ctrl+C to stop).")
        scheduler.run_forever(threading.Event())
