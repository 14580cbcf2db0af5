"""esafety serve: the web app on a production-grade WSGI server (waitress)."""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve the esafety web app."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args, host, port, threads, **options):
        serve(host=host, port=port, threads=threads, stdout=self.stdout)


def serve(*, host: str, port: int, threads: int = 8, stdout=None):
    import waitress

    from esafety.wsgi import application

    if stdout is not None:
        stdout.write(f"esafety is running at http://{host}:{port}/  (Ctrl+C to stop)")
        stdout.flush()
    waitress.serve(application, host=host, port=port, threads=threads, ident="esafety",
                   _quiet=True)
