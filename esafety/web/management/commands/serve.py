"""esafety serve: the web app on a production-grade WSGI server (waitress)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the esafety web app."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-jobs", action="store_true",
                            help="do not run the scheduled jobs here (run `esafety jobs` "
                                 "from cron or systemd instead)")

    def handle(self, *args, host, port, threads, no_jobs=False, **options):
        serve(host=host, port=port, threads=threads, stdout=self.stdout, jobs=not no_jobs)


def serve(*, host: str, port: int, threads: int = 8, stdout=None, jobs: bool = True):
    import waitress

    from esafety.web.jobs import start_in_background
    from esafety.wsgi import application

    stop = start_in_background() if jobs else None
    if stdout is not None:
        stdout.write(f"esafety is running at http://{host}:{port}/  (Ctrl+C to stop)")
        stdout.flush()
    try:
        waitress.serve(application, host=host, port=port, threads=threads, ident="esafety",
                       _quiet=True)
    finally:
        if stop is not None:
            stop.set()
