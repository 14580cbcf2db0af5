"""esafety lists import DIR [--school SLUG] [--actor USERNAME] | esafety lists status"""

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from esafety.engine.urls.lists import read_lists
from esafety.errors import EsafetyError
from esafety.filtering.actions import lists_import
from esafety.filtering.management.commands._common import person_by_username, school_by_slug
from esafety.filtering.models import Category


class Command(BaseCommand):
    help = "Import and inspect web filtering category lists (squidGuard / UT1 layout)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="import|status")
        imp = sub.add_parser("import", help="import a folder of category lists")
        imp.add_argument("folder", help="one sub-folder per category with domains/urls files")
        imp.add_argument("--school", help="the school's short name (slug)")
        imp.add_argument("--actor", help="username recorded in the audit trail")
        imp.add_argument("--only", help="import only these categories (comma separated)")
        imp.add_argument("--show-warnings", type=int, default=10, metavar="N",
                         help="print the first N skipped lines (default 10)")
        status = sub.add_parser("status", help="list the imported categories")
        status.add_argument("--school", help="the school's short name (slug)")

    def handle(self, *args, what, **options):
        school = school_by_slug(options.get("school"))
        if what == "status":
            return self._status(school)
        actor = person_by_username(options.get("actor"), school)
        only = set(options["only"].split(",")) if options.get("only") else None
        bar = tqdm(total=0, unit="category", disable=None, file=self.stderr._out,
                   desc="Reading lists")

        def progress(name, done, total):
            bar.total = total
            bar.set_postfix_str(name)
            bar.update(1)

        try:
            report = read_lists(options["folder"], only=only, progress=progress)
        except FileNotFoundError as exc:
            raise CommandError(str(exc)) from None
        finally:
            bar.close()
        try:
            record = lists_import(actor=actor, school=school, source=options["folder"],
                                  report=report)
        except EsafetyError as exc:
            raise CommandError(f"{exc.code}: {exc}") from None
        self.stdout.write(
            f"Imported {record.categories} categories into {school.name}: "
            f"{record.domains:,} domains, {record.urls:,} URLs from {record.lines_read:,} lines; "
            f"{record.warning_count} line(s) skipped.")
        for warning in report.warnings[:options["show_warnings"]]:
            self.stderr.write(f"  skipped {warning}")
        if report.warning_count > options["show_warnings"]:
            self.stderr.write(f"  ... and {report.warning_count - options['show_warnings']} more")
        self.stdout.write("Published the new lists for the Squid helper.")

    def _status(self, school):
        categories = Category.objects.filter(school=school).order_by("name")
        if not categories:
            self.stdout.write(f"No lists imported for {school.name} yet.")
            return
        for c in categories:
            flags = " statutory" if c.statutory else ""
            self.stdout.write(f"{c.name:24} {c.domain_count:>8,} domains {c.url_count:>7,} urls "
                              f"{c.uk_sic or '-':14}{flags}  {c.label}")
