"""Only an app's events.py writes audit rows.

Each app's `events.py` has one typed function per kind of event and is the only caller of
`esafety.audit.events.record`; nothing else creates AuditEvent rows. The trail's own
machinery (audit/events.py's `record`, audit/chain.py's `append`) and migrations are the
exceptions. The source is read with `ast`, so a call through any alias is found.
"""

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "esafety"

# The trail's own writer and chain: they are what the events modules call.
MACHINERY = {"audit/events.py", "audit/chain.py"}

# Files that still write audit rows themselves while they move into their app's events.py
# (filtering's and incidents' have: empty since). Remove each entry as it goes.
ALLOWED_FOR_NOW: dict[str, str] = {}

ROW_MAKERS = {"create", "bulk_create", "get_or_create", "update_or_create"}


class _Writers(ast.NodeVisitor):
    """Finds calls that write audit rows, whatever name the writer was imported under."""

    def __init__(self):
        self.events_modules: set[str] = set()   # names bound to esafety.audit.events
        self.record_functions: set[str] = set()  # names bound to its record()
        self.chain_modules: set[str] = set()    # names bound to esafety.audit.chain
        self.append_functions: set[str] = set()  # names bound to chain.append
        self.audit_models: set[str] = set()     # names bound to esafety.audit.models
        self.models: set[str] = set()           # names bound to AuditEvent
        self.found: list[str] = []

    def visit_Import(self, node):
        for alias in node.names:
            if alias.name == "esafety.audit.events" and alias.asname:
                self.events_modules.add(alias.asname)
            elif alias.name == "esafety.audit.chain" and alias.asname:
                self.chain_modules.add(alias.asname)
            elif alias.name == "esafety.audit.models" and alias.asname:
                self.audit_models.add(alias.asname)

    def visit_ImportFrom(self, node):
        for alias in node.names:
            name = alias.asname or alias.name
            if node.module == "esafety.audit":
                {"events": self.events_modules, "chain": self.chain_modules,
                 "models": self.audit_models}.get(alias.name, set()).add(name)
            elif node.module == "esafety.audit.events" and alias.name == "record":
                self.record_functions.add(name)
            elif node.module == "esafety.audit.chain" and alias.name == "append":
                self.append_functions.add(name)
            elif node.module == "esafety.audit.models" and alias.name == "AuditEvent":
                self.models.add(name)

    def visit_Call(self, node):
        dotted = _dotted(node.func)
        if dotted and self._writes(dotted):
            self.found.append(f"line {node.lineno}: {'.'.join(dotted)}()")
        self.generic_visit(node)

    def _writes(self, dotted: list[str]) -> bool:
        head, rest = dotted[0], dotted[1:]
        if dotted in (["esafety", "audit", "events", "record"],
                      ["esafety", "audit", "chain", "append"]):
            return True
        if not rest:
            return head in self.record_functions | self.append_functions | self.models
        if rest == ["record"] and head in self.events_modules:
            return True
        if rest == ["append"] and head in self.chain_modules:
            return True
        # The model however it is reached: built directly, or made through its manager.
        if head in self.models:
            after = rest
        elif head in self.audit_models and rest[0] == "AuditEvent":
            after = rest[1:]
        elif dotted[:4] == ["esafety", "audit", "models", "AuditEvent"]:
            after = dotted[4:]
        else:
            return False
        return not after or after[-1] in ROW_MAKERS

    def visit_Constant(self, node):
        if isinstance(node.value, str) and "insert into audit_auditevent" in node.value.lower():
            self.found.append(f"line {node.lineno}: SQL inserting into the trail")


def _dotted(func) -> list[str] | None:
    parts = []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    parts.append(func.id)
    return parts[::-1]


def writes_in(text: str) -> list[str]:
    scan = _Writers()
    scan.visit(ast.parse(text))
    return scan.found


def audit_writers() -> dict[str, list[str]]:
    """Every module under esafety/ (outside migrations, events.py and the trail's own
    machinery) that writes audit rows, with where."""
    found = {}
    for path in sorted(SOURCE.rglob("*.py")):
        name = path.relative_to(SOURCE).as_posix()
        if "migrations" in path.parts or path.name == "events.py" or name in MACHINERY:
            continue
        writes = writes_in(path.read_text(encoding="utf-8"))
        if writes:
            found[name] = writes
    return found


def test_only_events_modules_write_audit_rows():
    offenders = {name: writes for name, writes in audit_writers().items()
                 if name not in ALLOWED_FOR_NOW}
    assert offenders == {}, (
        "write audit rows through a typed function in the app's events.py: "
        f"{offenders}")


def test_the_allow_list_names_only_files_that_still_write():
    # Once a file no longer writes audit rows itself, its entry goes, so it cannot start again.
    still = audit_writers()
    done = sorted(name for name in ALLOWED_FOR_NOW if name not in still)
    assert done == [], f"remove these from ALLOWED_FOR_NOW in tests/test_audit_writers.py: {done}"


def test_every_app_that_records_events_has_an_events_module():
    for app in ("directory", "policies", "checks", "audit"):
        assert (SOURCE / app / "events.py").exists(), app


def test_the_scan_finds_every_way_of_writing_a_row():
    shapes = [
        "from esafety.audit import events\nevents.record(event_type='x')",
        "from esafety.audit import events as audit\naudit.record(event_type='x')",
        "from esafety.audit.events import record\nrecord(event_type='x')",
        "from esafety.audit.events import record as write\nwrite(event_type='x')",
        "import esafety.audit.events\nesafety.audit.events.record(event_type='x')",
        "import esafety.audit.events as trail\ntrail.record(event_type='x')",
        "from esafety.audit.models import AuditEvent\nAuditEvent.objects.create(event_type='x')",
        "from esafety.audit.models import AuditEvent\nAuditEvent.objects.bulk_create([])",
        "from esafety.audit.models import AuditEvent as E\nE(event_type='x').save()",
        "from esafety.audit import models\nmodels.AuditEvent.objects.create()",
        "from esafety.audit import models\nmodels.AuditEvent(event_type='x')",
        "from esafety.audit import chain\nchain.append(event)",
        "from esafety.audit.chain import append\nappend(event)",
        "cursor.execute('INSERT INTO audit_auditevent (seq) VALUES (1)')",
    ]
    for text in shapes:
        assert writes_in(text), text


def test_the_scan_leaves_reads_and_other_records_alone():
    innocent = [
        "from esafety.audit.models import AuditEvent\nAuditEvent.objects.filter(school=s)",
        "from esafety.audit import events\nevents.snapshot(obj, ['name'])",
        "from esafety.checks import concerns\nconcerns.message_check_concern_record(actor=a)",
        "from esafety.directory import events\nevents.person_left(actor=a, person=p, after={})",
        "def record(request, pk):\n    return None\nrecord(None, 1)",
        "actions.sanction_record(actor=a)",
        "items = []\nitems.append(1)",
    ]
    for text in innocent:
        assert writes_in(text) == [], text
