"""Importing people from the CSV files a school MIS exports.

All or nothing: every row is validated first, each problem is reported with its row
number (the header is row 1, as in a spreadsheet), and nothing is written unless the
whole file is clean. Importing the same file again updates people instead of adding
them twice: people are matched on the MIS identifier within the school and file kind.
"""

import copy
import csv
import datetime
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from esafety.audit.events import snapshot
from esafety.directory import events, permissions, roles
from esafety.directory.actions import PERSON_FIELDS, person_snapshot, unique_username
from esafety.directory.models import Person, School
from esafety.network import actions as network

KINDS = ("staff", "pupils", "parents")

REQUIRED = {
    "staff": ["id", "first_name", "last_name", "email", "role"],
    "pupils": ["id", "first_name", "last_name", "year_group"],
    "parents": ["id", "first_name", "last_name", "email", "children"],
}
OPTIONAL = {
    "staff": ["username", "leaving_date", "access_expires"],
    "pupils": ["username", "form", "date_of_birth", "email", "leaving_date"],
    "parents": ["username"],
}
# Header spellings seen in MIS exports, mapped to ours.
ALIASES = {
    "forename": "first_name", "first name": "first_name", "legal forename": "first_name",
    "preferred forename": "first_name", "firstname": "first_name",
    "surname": "last_name", "last name": "last_name", "legal surname": "last_name",
    "lastname": "last_name", "family name": "last_name",
    "year": "year_group", "year group": "year_group", "nc year": "year_group",
    "reg group": "form", "registration group": "form", "tutor group": "form", "class": "form",
    "dob": "date_of_birth", "date of birth": "date_of_birth",
    "leaving date": "leaving_date", "date of leaving": "leaving_date",
    "access expires": "access_expires", "expires": "access_expires",
    "e-mail": "email", "email address": "email",
    "child ids": "children", "pupil ids": "children", "child_ids": "children",
    "mis id": "id", "staff code": "id", "admission number": "id", "contact id": "id",
}


@dataclass
class ImportProblem:
    row: int
    message: str

    def __str__(self):
        return f"row {self.row}: {self.message}" if self.row else self.message


@dataclass
class ImportResult:
    kind: str
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    left: int = 0
    not_in_file: int = 0
    people: list = field(default_factory=list)

    def summary(self) -> str:
        text = (f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
                f"{self.left} marked as leavers")
        if self.not_in_file:
            text += f"; {self.not_in_file} {self.kind} already known are not in this file (left as they are)"
        return text


class ImportFailed(Exception):
    code = "import-failed"

    def __init__(self, problems: list[ImportProblem]):
        self.problems = problems
        super().__init__(f"{len(problems)} problem(s); nothing was imported")


def read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Decode and split a CSV file: (header, [(row number, cells)]). Raises ImportFailed."""
    if not data or not data.strip():
        raise ImportFailed([ImportProblem(0, "the file is empty")])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise ImportFailed([ImportProblem(
            row, f"not UTF-8 text (byte 0x{data[exc.start]:02x}); save the file as 'CSV UTF-8' "
                 "and import it again")]) from None
    try:
        sample = text[:4096]
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t") if sample.count("\n") else csv.excel
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows = []
    try:
        for cells in reader:
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        raise ImportFailed([ImportProblem(reader.line_num, f"cannot be read as CSV ({exc})")]) from None
    if not rows:
        raise ImportFailed([ImportProblem(0, "the file is empty")])
    header_row, header = rows[0]
    return header, [(n, cells) for n, cells in rows[1:] if any(c.strip() for c in cells)]


def normalise_header(header: list[str], kind: str) -> tuple[list[str], list[ImportProblem]]:
    problems = []
    names = []
    for cell in header:
        key = re.sub(r"\s+", " ", cell.strip().lower())
        key = ALIASES.get(key, key.replace(" ", "_"))
        names.append(key)
    allowed = REQUIRED[kind] + OPTIONAL[kind]
    for name in names:
        if name not in allowed:
            problems.append(ImportProblem(1, f"unknown column '{name}' (a {kind} file has: "
                                             f"{', '.join(allowed)})"))
    seen = set()
    for name in names:
        if name in seen:
            problems.append(ImportProblem(1, f"column '{name}' appears twice"))
        seen.add(name)
    for name in REQUIRED[kind]:
        if name not in names:
            problems.append(ImportProblem(1, f"missing column '{name}'"))
    return names, problems


def parse_date(text: str) -> datetime.date:
    text = text.strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"'{text}' is not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def parse_moment(text: str) -> datetime.datetime:
    """A date (access ends at the end of that day) or a date and time."""
    text = text.strip()
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        day = parse_date(text)
        moment = datetime.datetime.combine(day, datetime.time(23, 59, 59))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


@dataclass
class _Row:
    number: int
    values: dict
    problems: list


def _validate_row(kind: str, number: int, values: dict, school: School,
                  known_pupils: dict[str, Person]) -> _Row:
    problems = []
    clean = {}

    def need(name):
        value = values.get(name, "").strip()
        if not value:
            problems.append(f"{name} is empty")
        return value

    def optional(name, parse):
        """An optional column: None when blank, else parsed; a bad value is a problem."""
        value = values.get(name, "").strip()
        if not value:
            return None
        try:
            return parse(value)
        except ValueError as exc:
            problems.append(f"{name} {exc}")
            return None

    clean["external_id"] = need("id")
    clean["first_name"] = need("first_name")
    clean["last_name"] = need("last_name")
    for name in ("first_name", "last_name"):
        if len(clean[name]) > 150:
            problems.append(f"{name} is longer than 150 characters")

    email = values.get("email", "").strip()
    if "email" in REQUIRED[kind] and not email:
        problems.append("email is empty")
    if email:
        try:
            validate_email(email)
        except ValidationError:
            problems.append(f"'{email}' is not an email address")
    clean["email"] = email.lower()
    username = values.get("username", "").strip()
    if username and not re.fullmatch(r"[\w.@+-]{1,150}", username):
        problems.append(f"username '{username}' may only hold letters, digits and . @ + - _")
    clean["username"] = username

    if kind == "staff":
        role = values.get("role", "").strip().lower().replace(" ", "_").replace("-", "_")
        role = {"head": roles.HEADTEACHER, "principal": roles.HEADTEACHER,
                "designated_safeguarding_lead": roles.DSL, "support": roles.SUPPORT_STAFF,
                "guest": roles.VISITOR, "supply": roles.SUPPLY_TEACHER}.get(role, role)
        if role not in roles.STAFF_FILE_ROLES:
            problems.append(f"unknown role '{values.get('role', '').strip()}' (use one of: "
                            f"{', '.join(sorted(roles.STAFF_FILE_ROLES))})")
        clean["role"] = role
        clean["access_expires_at"] = optional("access_expires", parse_moment)
        if role in roles.GUEST_ROLES and not values.get("access_expires", "").strip():
            problems.append("a supply teacher, trainee or visitor needs an access_expires date")
    elif kind == "pupils":
        clean["role"] = roles.PUPIL
        try:
            clean["year_group"] = roles.parse_year_group(values.get("year_group", ""))
        except ValueError as exc:
            problems.append(str(exc))
        clean["form"] = values.get("form", "").strip()[:32]
        clean["date_of_birth"] = optional("date_of_birth", parse_date)
        if clean["date_of_birth"] and clean["date_of_birth"] >= timezone.localdate():
            problems.append(f"date_of_birth '{values['date_of_birth'].strip()}' is not in the past")
    else:
        clean["role"] = roles.PARENT
        child_ids = [c for c in re.split(r"[;|\s]+", values.get("children", "").strip()) if c]
        if not child_ids:
            problems.append("children is empty (list the pupil ids, separated by ';')")
        unknown = [c for c in child_ids if c not in known_pupils]
        for child in unknown:
            problems.append(f"child '{child}' is not a pupil of {school.name}")
        clean["children"] = [known_pupils[c] for c in child_ids if c in known_pupils]

    clean["left_on"] = optional("leaving_date", parse_date)
    return _Row(number, clean, problems)


def validate_file(data: bytes, *, school: School, kind: str) -> list[_Row]:
    """Check every row; raise ImportFailed listing every problem, or return the clean rows."""
    if kind not in KINDS:
        raise ImportFailed([ImportProblem(0, f"unknown kind '{kind}' (use {', '.join(KINDS)})")])
    header, rows = read_csv(data)
    names, problems = normalise_header(header, kind)
    if problems:
        raise ImportFailed(problems)
    if not rows:
        raise ImportFailed([ImportProblem(0, "the file has a header but no people")])

    known_pupils = {}
    if kind == "parents":
        known_pupils = {p.external_id: p for p in Person.objects.filter(
            school=school, role=roles.PUPIL).exclude(external_id="")}

    checked = []
    first_seen: dict[str, int] = {}
    for number, cells in rows:
        if len(cells) != len(names):
            problems.append(ImportProblem(
                number, f"{len(cells)} values, but the header has {len(names)} columns"))
            continue
        row = _validate_row(kind, number, dict(zip(names, cells, strict=True)), school, known_pupils)
        ext = row.values.get("external_id")
        if ext:
            if ext in first_seen:
                row.problems.append(f"id '{ext}' is also on row {first_seen[ext]}")
            else:
                first_seen[ext] = number
        problems.extend(ImportProblem(number, message) for message in row.problems)
        checked.append(row)
    if problems:
        raise ImportFailed(problems)
    return checked


def import_people(data: bytes, *, school: School, kind: str, actor: Person | None = None,
                  dry_run: bool = False) -> ImportResult:
    """Validate the whole file, then add or update its people in one transaction.

    `actor` is who imports (None: the service operator on the command line). An import
    never gives, changes or takes away a senior or safeguarding role, never changes the
    importer's own record, and never gives a role the importer could not give by hand
    (`permissions.GRANTS`): such rows are refused with their row number, and then
    nothing is imported: a CSV file must not be a way to climb above one's own role.
    """
    rows = validate_file(data, school=school, kind=kind)
    result = ImportResult(kind=kind)
    role_kind = kind
    today = timezone.localdate()
    with transaction.atomic():
        existing = {p.external_id: p for p in Person.objects.select_for_update().filter(
            school=school, role_kind=role_kind).exclude(external_id="")}
        refused = [ImportProblem(row.number, message) for row in rows
                   if (message := _refusal(row, existing.get(row.values["external_id"]),
                                           actor=actor, today=today))]
        if refused:
            raise ImportFailed(refused)
        if dry_run:
            return result
        taken: set[str] = set()
        for row in rows:
            values = dict(row.values)
            children = values.pop("children", None)
            wanted_username = values.pop("username")
            found = existing.get(values["external_id"])
            before: dict | None
            if found is None:
                person = Person(school=school)
                person.username = wanted_username or unique_username(
                    values["first_name"], values["last_name"], taken)
                person.set_unusable_password()
                before = None
            else:
                person = found
                before = person_snapshot(person)
            leaving_now = _apply_row(person, values, wanted_username, before, today)
            if wanted_username and Person.objects.filter(username=person.username).exclude(
                    pk=person.pk).exists():
                raise ImportFailed([ImportProblem(row.number, f"username '{person.username}' "
                                                              "belongs to someone else")])
            person.save()
            if children is not None:
                person.children.set(children)
            after = person_snapshot(person)
            if before is None:
                result.added += 1
                events.person_imported(actor=actor, person=person, after=after,
                                       row=row.number, kind=kind)
            elif after != before:
                result.updated += 1
                events.person_updated_by_import(actor=actor, person=person, before=before,
                                                after=after, row=row.number, kind=kind)
            else:
                result.unchanged += 1
            if leaving_now and (before is None or not before.get("left_on")):
                result.left += 1
                events.person_left(actor=actor, person=person, after=after,
                                   details={"source": f"{kind} import, row {row.number}"})
            result.people.append(person)
        in_file = {row.values["external_id"] for row in rows}
        result.not_in_file = sum(1 for ext, p in existing.items()
                                 if ext not in in_file and p.is_active)
        network.people_changed(school=school)
    return result


def _apply_row(person: Person, values: dict, wanted_username: str, before: dict | None,
               today: datetime.date) -> bool:
    """Set a row's values on `person` (not saved); True when the row makes them a leaver now."""
    if before is not None and wanted_username and wanted_username != person.username:
        person.username = wanted_username
    for name, value in values.items():
        setattr(person, name, value)
    leaving_now = person.left_on is not None and person.left_on <= today
    if leaving_now:
        person.is_active = False
    elif before is not None and before.get("left_on") and person.left_on is None:
        person.is_active = True  # a leaving date removed by the MIS: a returner
    return leaving_now


def _row_changes(person: Person, row: _Row, today: datetime.date) -> bool:
    """Whether importing `row` would change anything about the existing `person`."""
    values = dict(row.values)
    children = values.pop("children", None)
    wanted_username = values.pop("username")
    before = person_snapshot(person)
    shadow = copy.copy(person)
    _apply_row(shadow, values, wanted_username, before, today)
    if snapshot(shadow, PERSON_FIELDS) != snapshot(person, PERSON_FIELDS):
        return True
    if children is not None:
        return sorted(c.pk for c in children) != sorted(
            person.children.values_list("pk", flat=True))
    return False


def _refusal(row: _Row, person: Person | None, *, actor: Person | None, today: datetime.date) -> str:
    """Why this row may not be imported by `actor` ('' when it may)."""
    role = row.values["role"]
    label = roles.ROLE_LABELS.get(role, role).lower()
    name = f"{row.values['first_name']} {row.values['last_name']}".strip()
    if person is None:
        if role in roles.PROTECTED_ROLES:
            return (f"{name} would be added as {label}: an import never gives a senior or "
                    f"safeguarding role ({PROTECTED_LIST}). Import them with another role, "
                    "then the headteacher gives the role on their page (on a new install, "
                    "the service operator: esafety people role USERNAME ROLE)")
        if not permissions.may_grant(actor, role):
            return f"your role cannot give the role {label} (ask the headteacher)"
        return ""
    if not _row_changes(person, row, today):
        return ""  # the same as we hold: a full MIS export can be imported again
    if actor is not None and person.pk == actor.pk:
        return ("this is your own record: an import never changes the record of the person "
                "importing it (ask the headteacher to change it)")
    current = roles.ROLE_LABELS.get(person.role, person.role).lower()
    if person.role in roles.PROTECTED_ROLES or role in roles.PROTECTED_ROLES:
        change = "their record" if role == person.role else f"their role to {label}"
        return (f"{person.display_name} is {current} in esafety and this row would change "
                f"{change}: an import never changes someone with a senior or safeguarding "
                f"role ({PROTECTED_LIST}). The headteacher changes it on their page; or make "
                "the row match what esafety holds")
    if not (permissions.may_grant(actor, person.role) and permissions.may_grant(actor, role)):
        return f"your role cannot change the record of someone who is {current} or give {label}"
    return ""


PROTECTED_LIST = ", ".join(roles.ROLE_LABELS[r].lower() for r in sorted(
    roles.PROTECTED_ROLES, key=list(roles.ROLE_LABELS).index))
