"""CSV exports that a spreadsheet opens as text, never as formulas.

A name like `=HYPERLINK("http://evil.example","Click")` or `+cmd|' /C calc'!A0` typed into a
form would run as a formula when a school opens the export in Excel or LibreOffice (CSV or
formula injection). Every cell that starts with = + - @, a tab or a carriage return gets a
leading apostrophe, which spreadsheets show as text (OWASP's advice). Numbers are written as
they are, so a negative count stays a number.
"""

import csv

DANGEROUS_FIRST = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """The value as a spreadsheet should see it: text starting with a formula sign is quoted."""
    if value is None or isinstance(value, (bool, int, float)):
        return value
    text = str(value)
    if text.startswith(DANGEROUS_FIRST):
        return "'" + text
    return text


class SafeWriter:
    """csv.writer with every cell passed through safe_cell."""

    def __init__(self, fileobj, *args, **kwargs):
        self._writer = csv.writer(fileobj, *args, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)

    @property
    def dialect(self):
        return self._writer.dialect


def download(filename: str, header, rows):
    """A formula-safe CSV attachment: the header line, then the rows (the one way every
    register's export answers)."""
    from django.http import HttpResponse

    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    out = writer(response)
    out.writerow(header)
    out.writerows(rows)
    return response


def writer(fileobj, *args, **kwargs) -> SafeWriter:
    """Drop-in for csv.writer: `csvsafe.writer(response)`."""
    return SafeWriter(fileobj, *args, **kwargs)
