"""`esafety check` and `esafety scan`: the engine's checker on the command line.

Dispatched through ENGINE_COMMANDS (esafety/cli.py), so without a database Django is never
loaded. When a database exists, Django is set up only to read the school's directory
(people, domains, approved recipients, known correspondents); a database that is missing
or not migrated falls back to the empty directory, with a note on standard error.
"""

import argparse
import json
import mailbox
import os
import sys
from collections import Counter
from pathlib import Path

from esafety.checks.concern_rules import ConcernOutcome, concern_findings
from esafety.datadir import data_dir
from esafety.engine.messages.checker import VERDICTS, Verdict, check_parsed
from esafety.engine.messages.cli import quiet_pipe
from esafety.engine.messages.directory import Directory
from esafety.engine.messages.message import (
    DRAFT_AUDIENCES,
    EmptyMessage,
    ParsedMessage,
    message_from_text,
    parse_message,
)
from esafety.engine.messages.rulebook import RulebookError, load_rulebook

ROLE_HELP = ("who is sending: a role (teacher, pupil, headteacher...), 'staff', 'pupil' or "
             "'inbound' (received from outside); default: looked up from From")


class CommandError(Exception):
    """One clear line for the user; the command exits with status 2."""


def _database_configured() -> bool:
    if os.environ.get("DATABASE_URL"):
        return True
    return (data_dir() / "esafety.sqlite3").exists()


def load_directory(*, school: str | None, domains: list[str], no_db: bool) -> Directory:
    """The school's directory from the database, or an empty one (with the given domains)."""
    return load_school(school=school, domains=domains, no_db=no_db)[0]


def load_school(*, school: str | None, domains: list[str], no_db: bool):
    """(directory, school) from the database; (an empty directory with the given domains,
    None) without one."""
    empty = Directory(domains=frozenset(d.lower().lstrip("@") for d in domains))
    if no_db or not _database_configured():
        if school:
            raise CommandError("--school needs a database (none is configured here)")
        return empty, None
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    try:
        import django

        django.setup()
        from django.db import DatabaseError

        from esafety.checks.directory_view import build_directory, school_for_cli
        from esafety.errors import InvalidInput
    except Exception as exc:  # noqa: BLE001 - a broken configuration: say so, then carry on
        print(f"esafety: the database could not be opened ({exc}); using an empty directory",
              file=sys.stderr)
        return empty, None
    try:
        found = school_for_cli(school)
        if found is None:
            return empty, None
        return build_directory(found, extra_domains=empty.domains), found
    except InvalidInput as exc:
        raise CommandError(str(exc)) from None
    except DatabaseError:
        print("esafety: the database is not set up yet (run `esafety migrate`); "
              "using an empty directory", file=sys.stderr)
        return empty, None


class ConcernReporter:
    """Tells the designated person about checked messages that show someone may be at risk
    (a pupil's, or mail from outside: esafety/checks/concerns.py), for `check` and `scan`.

    Without a school in a database, or with --no-report, nobody can be told, and the
    output says so instead of claiming it.
    """

    def __init__(self, school, *, disabled: bool, command: str, reporter: str | None = None):
        """Raises CommandError for a --reporter who is not staff of the school."""
        self.school, self.disabled, self.command = school, disabled, command
        self.reporter = None
        if reporter and school is not None and not disabled:
            from esafety.directory.models import Person

            person = Person.objects.filter(school=school, username=reporter,
                                           is_active=True).first()
            if person is None or not person.is_staff_member:
                raise CommandError(f"--reporter {reporter!r} is not a member of staff of "
                                   f"{school}")
            self.reporter = person

    def report(self, verdict: Verdict, msg: ParsedMessage, label: str):
        """The outcome (concerns.ConcernOutcome), or None when nothing needs telling."""
        if not concern_findings(verdict):
            return None
        if self.disabled:
            return ConcernOutcome(not_recorded="--no-report was given")
        if self.school is None:
            return ConcernOutcome(not_recorded="no school database is configured here")
        from esafety.checks import concerns  # (Django is set up: a school was found)

        people = concerns.designated_people(self.school)
        if not people:
            return ConcernOutcome(
                not_recorded="the school has no designated safeguarding lead in esafety "
                             "(name one under Incidents > Incident settings)")
        # Raised by esafety itself unless --reporter names the member of staff running it.
        actor = self.reporter
        try:
            return concerns.message_check_concern_record(
                actor=actor, school=self.school, verdict=verdict, msg=msg, source="scan",
                checked_by=f"automatically, by `esafety {self.command}` ({label}), run by "
                           f"{actor.display_name}" if actor is not None else
                           f"automatically, by `esafety {self.command}` ({label})")
        except Exception as exc:  # noqa: BLE001 - say so plainly; the check itself stands
            return ConcernOutcome(not_recorded=f"it could not be recorded ({exc})")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--sender-role", metavar="ROLE", help=ROLE_HELP)
    parser.add_argument("--school", metavar="SLUG", help="the school whose directory to use")
    parser.add_argument("--domain", action="append", default=[], metavar="DOMAIN",
                        help="a school mail domain (repeatable; adds to the database's)")
    parser.add_argument("--no-db", action="store_true",
                        help="do not read the database: use an empty directory")
    parser.add_argument("--rulebook", metavar="PATH", help="use this rulebook file")
    parser.add_argument("--reporter", metavar="USERNAME",
                        help="the member of staff running the check, named as having "
                             "raised any concern (default: esafety itself)")
    parser.add_argument("--no-report", action="store_true",
                        help="do not record concerns for the designated safeguarding lead "
                             "(for trying the checker out); by default, with a school "
                             "database, a pupil's message or mail from outside that shows "
                             "self-harm, a child telling of harm done to them, extremism or "
                             "violence is raised as a concern for the safeguarding lead "
                             "(self-harm and a child's disclosure: emailed at once)")


def _sender_role(value: str | None) -> str | None:
    if value is None:
        return None
    from esafety.directory import roles

    value = value.strip().lower().replace("-", "_")
    allowed = set(roles.ROLE_LABELS) | {"staff", "pupils", "inbound", "external"}
    if value not in allowed:
        raise CommandError(f"unknown sender role {value!r} (try teacher, pupil, staff or inbound)")
    return "inbound" if value == "external" else value


def format_verdict(verdict: Verdict, concern=None) -> str:
    lines = [f"Verdict: {verdict.verdict.upper()}"
             + (f" (rating: {verdict.rating})" if verdict.rating else "")]
    if verdict.read_as:
        lines.append(f"Read as: {verdict.read_as}.")
    if concern is not None:
        lines.append(f"Who has been told: {concern.sentence()}")
    if not verdict.findings:
        lines.append("No findings: nothing in the rulebook applies to this message.")
    for finding in verdict.findings:
        lines.append("")
        lines.append(f"[{finding.action}] {finding.rule.id}: {finding.rule.title}")
        for evidence in finding.evidence:
            lines.append(f"  {evidence.part}: {evidence.excerpt}")
        lines.append("  Policy: " + "; ".join(str(c) for c in finding.rule.clauses))
        lines.append(f"  What to do: {finding.rule.advice}")
    return "\n".join(lines)


# `esafety check --deploy` (and Django's other check options) is Django's system check,
# `manage.py check --deploy`; `esafety check FILE` checks a message.
DJANGO_CHECK_OPTIONS = frozenset({"--deploy", "--tag", "-t", "--list-tags", "--fail-level",
                                  "--database"})


def django_check(argv: list[str]) -> int:
    """Run Django's system checks (`manage.py check ...`) with these arguments."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "esafety.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["esafety", "check", *argv])  # exits non-zero on errors
    return 0


@quiet_pipe
def check_main(argv: list[str]) -> int:
    if any(arg.split("=", 1)[0] in DJANGO_CHECK_OPTIONS for arg in argv):
        return django_check(argv)
    parser = argparse.ArgumentParser(
        prog="esafety check",
        description="Check one message (RFC 822, or plain text with --text) against the "
                    "communication rulebook and print the verdict. (`esafety check --deploy` "
                    "runs Django's deployment checks instead.)")
    parser.add_argument("file", nargs="?", default="-", help="the message file, or - for stdin")
    parser.add_argument("--text", action="store_true", help="the input is plain text, not mail")
    parser.add_argument("--subject", default="", help="subject for --text input")
    parser.add_argument("--audience", choices=DRAFT_AUDIENCES, default="",
                        help="who a --text draft is going to (it has no To: line); without "
                             "it the draft is checked as if it leaves the school. Implies "
                             "--sender-role staff unless another is given")
    _common(parser)
    args = parser.parse_args(argv)
    try:
        if args.audience and not args.text:
            raise CommandError("--audience is for --text drafts (a message with headers names "
                               "its recipients)")
        role = _sender_role(args.sender_role or ("staff" if args.audience else None))
        if args.file == "-":
            raw = sys.stdin.buffer.read()
        else:
            try:
                raw = Path(args.file).read_bytes()
            except OSError as exc:
                raise CommandError(f"cannot read {args.file}: {exc.strerror}") from None
        rulebook = load_rulebook(args.rulebook) if args.rulebook else None
        directory, school = load_school(school=args.school, domains=args.domain,
                                        no_db=args.no_db)
        if args.text:
            text = raw.decode("utf-8", "replace")
            if not text.strip() and not args.subject.strip():
                raise CommandError("the text is empty")
            msg = message_from_text(text, subject=args.subject, audience=args.audience)
        else:
            msg = parse_message(raw)
        verdict = check_parsed(msg, directory=directory, sender_role=role, rulebook=rulebook)
        reporter = ConcernReporter(school, disabled=args.no_report, command="check",
                                   reporter=args.reporter)
    except (CommandError, RulebookError, EmptyMessage) as exc:
        print(f"esafety check: {exc}", file=sys.stderr)
        return 2
    concern = reporter.report(verdict, msg, "file " + args.file if args.file != "-" else
                              "standard input")
    if args.json:
        out = verdict.as_dict()
        if concern is not None:
            out["told"] = concern.as_dict()
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(format_verdict(verdict, concern))
    return 0


def iter_messages(path: Path):
    """(label, raw bytes or an exception) for each message in a file, mbox, maildir or folder."""
    if path.is_file():
        with open(path, "rb") as fh:
            head = fh.read(5)
        if head == b"From ":
            box = mailbox.mbox(str(path), create=False)
            for key in box.iterkeys():
                try:
                    yield f"{path.name}#{key}", box.get_bytes(key)
                except Exception as exc:  # noqa: BLE001 - report and carry on
                    yield f"{path.name}#{key}", exc
            return
        yield path.name, path.read_bytes()
        return
    if all((path / sub).is_dir() for sub in ("cur", "new", "tmp")):
        maildir = mailbox.Maildir(str(path), factory=None, create=False)
        for key in sorted(maildir.iterkeys()):
            try:
                yield key, maildir.get_bytes(key)
            except Exception as exc:  # noqa: BLE001
                yield key, exc
        return
    files = sorted(p for p in path.rglob("*") if p.is_file()
                   and not any(part.startswith(".") for part in p.relative_to(path).parts))
    emls = [p for p in files if p.suffix.lower() == ".eml"]
    for file in emls or files:
        try:
            yield str(file.relative_to(path)), file.read_bytes()
        except OSError as exc:
            yield str(file.relative_to(path)), exc


def _count(path: Path) -> int | None:
    if path.is_dir() and not all((path / s).is_dir() for s in ("cur", "new", "tmp")):
        files = [p for p in path.rglob("*") if p.is_file()]
        emls = [p for p in files if p.suffix.lower() == ".eml"]
        return len(emls or files)
    return None


@quiet_pipe
def scan_main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="esafety scan",
        description="Check every message in an mbox, a maildir or a folder of .eml files.")
    parser.add_argument("path", help="mbox file, maildir, or folder of messages")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    _common(parser)
    args = parser.parse_args(argv)
    path = Path(args.path)
    try:
        if not path.exists():
            raise CommandError(f"{path} does not exist")
        role = _sender_role(args.sender_role)
        rulebook = load_rulebook(args.rulebook) if args.rulebook else None
        directory, school = load_school(school=args.school, domains=args.domain,
                                        no_db=args.no_db)
        reporter = ConcernReporter(school, disabled=args.no_report, command="scan",
                                   reporter=args.reporter)
    except (CommandError, RulebookError) as exc:
        print(f"esafety scan: {exc}", file=sys.stderr)
        return 2
    told: list[str] = []

    from tqdm import tqdm

    verdicts: Counter = Counter()
    by_rule: Counter = Counter()
    ratings: Counter = Counter()
    unreadable: list[str] = []
    total = 0
    progress = tqdm(iter_messages(path), total=_count(path), unit="msg", file=sys.stderr,
                    disable=args.quiet or None, desc="Scanning")
    out = sys.stdout
    for label, raw in progress:
        total += 1
        if isinstance(raw, Exception):
            unreadable.append(f"{label}: {raw}")
            if args.json:
                out.write(json.dumps({"message": label, "error": str(raw)}) + "\n")
            continue
        try:
            msg = parse_message(raw)
            verdict = check_parsed(msg, directory=directory, sender_role=role,
                                   rulebook=rulebook)
        except EmptyMessage as exc:
            unreadable.append(f"{label}: {exc}")
            if args.json:
                out.write(json.dumps({"message": label, "error": str(exc)}) + "\n")
            continue
        except Exception as exc:  # noqa: BLE001 - one bad message must not stop a scan
            unreadable.append(f"{label}: could not be checked ({type(exc).__name__})")
            if args.json:
                out.write(json.dumps({"message": label, "error": "could not be checked"}) + "\n")
            continue
        verdicts[verdict.verdict] += 1
        if verdict.rating:
            ratings[verdict.rating] += 1
        for finding in verdict.findings:
            by_rule[finding.rule.id] += 1
        concern = reporter.report(verdict, msg, f"message {label} in {path.name}")
        if concern is not None:
            told.append(f"{label}: {concern.sentence()}")
        if args.json:
            line = {"message": label, **verdict.as_dict()}
            if concern is not None:
                line["told"] = concern.as_dict()
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    progress.close()
    summary = [f"{total} messages scanned, {len(unreadable)} unreadable",
               "Verdicts: " + ", ".join(f"{v} {verdicts[v]}" for v in VERDICTS),
               "Ratings: " + (", ".join(f"{r} {ratings[r]}" for r in ("mild", "serious", "gross"))),
               "Findings by rule:" if by_rule else "Findings by rule: none"]
    summary += [f"  {rule:36} {count}" for rule, count in by_rule.most_common()]
    summary += [f"Unreadable: {line}" for line in unreadable[:20]]
    summary += [f"Someone may be at risk in {len(told)} message{'s' if len(told) != 1 else ''}:"
                ] + [f"  {line}" for line in told] if told else []
    print("\n".join(summary), file=sys.stderr if args.json else sys.stdout)
    return 0
