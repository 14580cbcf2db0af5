"""The governors' pack as a PDF: made and recorded."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING

from django.db import transaction
from django.template.loader import render_to_string

from esafety.directory.permissions import require
from esafety.governance import events
from esafety.governance.pack import build_pack

if TYPE_CHECKING:
    from esafety.directory.models import Person, School


def pack_pdf(pack) -> bytes:
    from weasyprint import HTML

    # base_url=None and no <link>/<img> to fetch: nothing leaves the machine; the charts are
    # inline SVG drawn in Python.
    return HTML(string=render_to_string("governance/pdf/pack.html", {"pack": pack}),
                base_url=None).write_pdf()


def pack_download(*, actor: Person, school: School, start: datetime.date,
                  end: datetime.date) -> tuple[str, bytes]:
    """The pack as a PDF (file name, bytes); audited."""
    require(actor, "view_governors_pack", school, what="download the governors' pack")
    pack = build_pack(school=school, start=start, end=end)
    data = pack_pdf(pack)
    with transaction.atomic():
        events.governors_pack_downloaded(actor=actor, school=school, start=pack.start,
                                         end=pack.end)
    return f"governors-pack-{school.slug}-{pack.start}-{pack.end}.pdf", data
