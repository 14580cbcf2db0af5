"""The governors' pack has no records of its own: it reads every other area's. The demo
only checks that this term's pack can be made from the demo school's records."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.directory.models import School
from esafety.governance.pack import build_pack


def load_demo_governance(school: School) -> None:
    today = timezone.localdate()
    build_pack(school=school, start=today - datetime.timedelta(days=90), end=today)
