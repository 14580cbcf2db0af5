"""esafety demo: migrate a local SQLite database, load the demo school if it is missing,
print one login per role and serve the web app on 127.0.0.1:8000."""

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from esafety.directory import demo
from esafety.web.management.commands.serve import serve


class Command(BaseCommand):
    help = "Run the demo school."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-serve", action="store_true",
                            help="prepare the database and print the logins, then stop")
        parser.add_argument("--pupils", type=int, default=300, help=argparse_help())
        parser.add_argument("--no-provider", action="store_true",
                            help="do not start the test identity provider (devidp/) on port 8900")

    def handle(self, *args, host, port, no_serve, pupils, no_provider=False, **options):
        db = settings.DATABASES["default"]
        where = db["NAME"] if db["ENGINE"].endswith("sqlite3") else db["ENGINE"]
        self.stdout.write(f"Database: {where}")
        call_command("migrate", interactive=False, verbosity=0)
        if demo.demo_exists():
            self.stdout.write("The demo school is already loaded.")
        else:
            self.stdout.write("Loading the demo school (takes a few seconds)...")
            started = time.monotonic()
            demo.load_demo(pupils=pupils, progress=self.stdout.write)
            self.stdout.write(f"Loaded in {time.monotonic() - started:.1f} s.")
        logins = demo.demo_logins()
        self.stdout.write("")
        self.stdout.write(f"Demo logins (password for all: {demo.DEMO_PASSWORD})")
        width = max(len(login.role) for login in logins)
        for login in logins:
            note = f"  {login.note}" if login.note else ""
            self.stdout.write(f"  {login.role:<{width}}  {login.username:<22}{note}")
        self.stdout.write("Two-factor sign-in is switched off for the demo school, so these logins "
                          "work without an authenticator app (a real school keeps it on for its "
                          "leaders; see Sign-in as itm).")
        self.stdout.write("")
        if not no_serve:
            provider = None if no_provider else start_test_provider(port, self.stdout)
            try:
                serve(host=host, port=port, stdout=self.stdout)
            finally:
                if provider is not None:
                    provider[0].stop(provider[1])


def start_test_provider(port, stdout):
    """The local identity provider the tests use (devidp/, a checkout with the dev
    dependencies only), so a newcomer can try the school sign-in: (module, process) or None."""
    try:
        import oauth2_provider  # noqa: F401  (django-oauth-toolkit, a dev dependency)

        from devidp import demo as devidp_demo
    except ImportError:
        return None
    process = devidp_demo.start(data_dir=settings.DATA_DIR / "devidp", esafety_port=port,
                                stdout=stdout)
    return (devidp_demo, process) if process is not None else None


def argparse_help():
    return "how many pupils the demo school has (default 300)"
