"""A description of what esafety processes, why, for how long and who sees it, ready for the
school's data protection impact assessment. Built from the live retention schedule and the
permission table, so it always says what the system does now."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from esafety.retention import selectors

if TYPE_CHECKING:
    from esafety.directory.models import School


@dataclass
class Processing:
    what: str
    why: str
    kept: str
    kept_basis: str
    counted_from: str
    seen_by: list[str]


# Lawful basis and the people whose data it is: the same for every record esafety keeps.
LAWFUL_BASIS = ("Public task (UK GDPR Article 6(1)(e)): the school's duty to safeguard pupils "
                "(Education Act 2002 s.175, Keeping Children Safe in Education) and to meet the "
                "DfE filtering and monitoring standards; special category data under Article "
                "9(2)(g) with the Data Protection Act 2018 Schedule 1 condition for "
                "safeguarding of children.")
DATA_SUBJECTS = ("Pupils, their parents or carers, staff, governors, volunteers and visitors "
                 "who use the school's systems.")
SAFEGUARDS = [
    "Every view or change of a sensitive record is recorded in an audit trail that cannot be "
    "altered without detection (a keyed hash chain, checked daily).",
    "Who may see each kind of record is set in one permission table (below).",
    "Records are removed on the school's retention schedule, only after the headteacher or the "
    "designated safeguarding lead confirms a dry run; removal keeps the audit chain verifiable.",
    "Reports to governors are counts only, never names; counts under 5 are not shown.",
    "A person's own records can be given to them as a subject-access bundle, other people's "
    "names removed and checked by a reviewer.",
]


def describe(school: School) -> list[Processing]:
    return [Processing(what=row.record_type.label, why=row.record_type.purpose,
                       kept=row.period, kept_basis=row.record_type.minimum_basis,
                       counted_from=row.record_type.counted_from, seen_by=row.seen_by)
            for row in selectors.schedule(school)]


def as_text(school: School) -> str:
    """The same description as plain text (Markdown), for the school's DPIA document."""
    lines = [f"# What esafety processes at {school.name}", "", "## Whose data", "",
             DATA_SUBJECTS, "", "## Lawful basis", "", LAWFUL_BASIS, "",
             "## Records, purpose, retention and access", ""]
    for item in describe(school):
        lines += [f"### {item.what}", "", f"- Why: {item.why}",
                  f"- Kept for: {item.kept} from {item.counted_from} "
                  f"(minimum: {item.kept_basis})",
                  f"- Seen by: {', '.join(item.seen_by) or 'nobody but the service operator'}",
                  ""]
    lines += ["## Safeguards", ""] + [f"- {s}" for s in SAFEGUARDS]
    return "\n".join(lines) + "\n"
