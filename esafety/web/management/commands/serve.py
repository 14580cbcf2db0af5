"""esafety serve: the web app on a production-grade WSGI server (waitress), with the
background worker (`esafety worker`) beside it as a child process."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the esafety web app."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument("--no-jobs", "--no-worker", action="store_true", dest="no_jobs",
                            help="do not start the background worker here (run `esafety "
                                 "worker` as a service, or `esafety jobs --once` from cron)")

    def handle(self, *args, host, port, threads, no_jobs=False, **options):
        serve(host=host, port=port, threads=threads, stdout=self.stdout, jobs=not no_jobs)


def serve(*, host: str, port: int, threads: int = 8, stdout=None, jobs: bool = True):
    import waitress

    from esafety.web.jobs import start_worker_process, stop_worker_process
    from esafety.wsgi import application

    worker = start_worker_process() if jobs else None
    if stdout is not None:
        stdout.write(f"esafety is running at http://{host}:{port}/  (Ctrl+C to stop)")
        stdout.flush()
    try:
        waitress.serve(application, host=host, port=port, threads=threads, ident="esafety",
                       _quiet=True)
    finally:
        if worker is not None:
            stop_worker_process(worker)
