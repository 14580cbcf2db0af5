"""Every kind of audit event the code records has a plain-English label
("viewed the record", not `person_viewed`)."""

import re
from pathlib import Path

from esafety.audit.labels import EVENT_LABELS, event_label
from esafety.policies.models import Acceptance

SOURCE = Path(__file__).resolve().parents[2] / "esafety"
# event_type="..." (and a conditional's other branch), and event types passed to a helper
# that records them (filtering's _decide_unblock, incidents' _audit).
LITERAL = re.compile(r'event_type=(?:f?"([a-z_{}]+)")(?:\s+if [^\n]*? else "([a-z_]+)")?')
PASSED = re.compile(r'_decide_unblock\([^)]*?"([a-z_]+)"')


def recorded_event_types() -> set[str]:
    found = set()
    for path in SOURCE.rglob("*.py"):
        if "migrations" in path.parts:
            continue
        text = path.read_text()
        for match in LITERAL.finditer(text):
            found.update(name for name in match.groups() if name)
        found.update(PASSED.findall(text))
    expanded = set()
    for name in found:
        if name == "aup_{decision}":
            expanded |= {f"aup_{Acceptance.ACCEPTED}", f"aup_{Acceptance.DECLINED}"}
        else:
            expanded.add(name)
    return expanded


def test_the_source_scan_finds_the_event_types():
    found = recorded_event_types()
    assert {"person_viewed", "incident_reported", "aup_accepted", "unblock_approved",
            "school_added", "person_added_in_admin", "history_checked"} <= found


def test_every_event_type_the_code_records_has_a_label():
    missing = sorted(recorded_event_types() - set(EVENT_LABELS))
    assert missing == [], f"add these to esafety/audit/labels.py: {missing}"


def test_labels_are_words_not_codes():
    for event_type, label in EVENT_LABELS.items():
        assert "_" not in label and label[0].isupper(), event_type


def test_an_unknown_type_still_reads_as_words():
    assert event_label("something_new_happened") == "Something new happened"
