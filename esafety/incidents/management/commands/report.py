"""`esafety report incidents --school SLUG --from DATE --to DATE --format pdf|csv [--output F]`.

The anonymised governors' report (002: the governing body receives regular reports).
"""

import datetime
import sys

from django.core.management.base import BaseCommand, CommandError

from esafety.directory.models import School
from esafety.errors import EsafetyError
from esafety.incidents.pdf import report_pdf
from esafety.incidents.report import build_report, report_csv, shown


def _date(text: str) -> datetime.date:
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"{text!r} is not a date (use YYYY-MM-DD)") from None


class Command(BaseCommand):
    help = "Reports for governors."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True)
        incidents = sub.add_parser("incidents", help="anonymised online safety incident counts")
        incidents.add_argument("--school", required=True, help="the school's slug")
        incidents.add_argument("--from", dest="start", required=True, help="YYYY-MM-DD")
        incidents.add_argument("--to", dest="end", required=True, help="YYYY-MM-DD")
        incidents.add_argument("--format", choices=["pdf", "csv"], default="pdf")
        incidents.add_argument("--output", "-o",
                               help="file to write (default: a PDF file named after the school "
                                    "and dates; CSV goes to standard output)")

    def handle(self, *args, what, school, start, end, format, output=None, **options):
        found = School.objects.by_slug(school)
        try:
            report = build_report(school=found, start=_date(start), end=_date(end))
        except EsafetyError as exc:
            raise CommandError(str(exc)) from None
        if format == "csv":
            text = report_csv(report)
            if output and output != "-":
                with open(output, "w", newline="", encoding="utf-8") as fh:
                    fh.write(text)
                self.stderr.write(f"wrote {output}")
            else:
                self.stdout.write(text, ending="")
            return
        data = report_pdf(report)
        if output == "-":
            sys.stdout.buffer.write(data)
            sys.stdout.buffer.flush()
            return
        output = output or f"incidents-{found.slug}-{report.start}-{report.end}.pdf"
        with open(output, "wb") as fh:
            fh.write(data)
        self.stdout.write(f"wrote {output} ({shown(report.total)} incidents, {len(data)} bytes)")
