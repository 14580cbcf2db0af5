"""Read category lists in the squidGuard / UT1 layout.

One folder per category holding ``domains`` (a domain a line; matches it and every
subdomain), ``urls`` (a URL prefix a line, no scheme) and optionally ``expressions``
(regular expressions) and ``usage`` (``black`` or ``white``). Alias files at the top level
(a file whose only word is another category's folder name, e.g. ``porn`` -> ``adult``) are
how the UT1 tarball keeps its symbolic links when copied without them.

Bad lines (garbage, spaces, a path in a domains file, an invalid expression) are skipped
with a warning; comments, blank lines, a byte order mark and CRLF line ends are fine.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from esafety.engine.urls.normalise import normalise_host, normalise_list_url

_DOMAIN_OK = re.compile(r"[a-z0-9_*](?:[a-z0-9_.*-]{0,252})").fullmatch
_CATEGORY_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,63}").fullmatch
LIST_FILES = ("domains", "urls", "expressions")
MAX_WARNINGS_KEPT = 200


@dataclass
class CategoryList:
    name: str
    domains: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)
    expressions: list[str] = field(default_factory=list)
    usage: str = "black"
    aliases: list[str] = field(default_factory=list)


@dataclass
class ListReport:
    """What was read: the categories, and every line that was skipped and why."""

    categories: dict[str, CategoryList] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    warning_count: int = 0
    lines_read: int = 0

    def warn(self, message: str) -> None:
        self.warning_count += 1
        if len(self.warnings) < MAX_WARNINGS_KEPT:
            self.warnings.append(message)

    @property
    def domain_count(self) -> int:
        return sum(len(c.domains) for c in self.categories.values())

    @property
    def url_count(self) -> int:
        return sum(len(c.urls) for c in self.categories.values())


def _read_lines(path: Path, report: ListReport) -> list[str]:
    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("utf-8", errors="replace")
        report.warn(f"{path}: not valid UTF-8; undecodable bytes replaced and those lines skipped")
    lines = text.splitlines()
    report.lines_read += len(lines)
    return lines


def parse_domains(lines: list[str], where: str, report: ListReport) -> list[str]:
    out: list[str] = []
    append = out.append
    for number, line in enumerate(lines, 1):
        entry = line.strip().lower()
        if not entry or entry[0] == "#":
            continue
        if "#" in entry:
            entry = entry.split("#", 1)[0].strip()
        if entry[0] == ".":
            entry = entry.lstrip(".")
        if entry.isascii():
            entry = entry.rstrip(".")
            if _DOMAIN_OK(entry) and ".." not in entry:
                append(entry)
                continue
        elif "\ufffd" not in entry:
            host = normalise_host(entry)
            if host and _DOMAIN_OK(host):
                append(host)
                continue
        report.warn(f"{where}:{number}: not a domain, skipped: {line.strip()[:80]!r}")
    return out


def parse_urls(lines: list[str], where: str, report: ListReport) -> list[str]:
    out = []
    for number, line in enumerate(lines, 1):
        entry = line.strip()
        if not entry or entry[0] == "#":
            continue
        if " " in entry or "\t" in entry or "\ufffd" in entry:
            report.warn(f"{where}:{number}: not a URL, skipped: {entry[:80]!r}")
            continue
        normalised = normalise_list_url(entry)
        if not normalised or normalised.startswith("/"):
            report.warn(f"{where}:{number}: not a URL, skipped: {entry[:80]!r}")
            continue
        out.append(normalised)
    return out


def parse_expressions(lines: list[str], where: str, report: ListReport) -> list[str]:
    out = []
    for number, line in enumerate(lines, 1):
        entry = line.strip()
        if not entry or entry[0] == "#":
            continue
        try:
            re.compile(entry, re.IGNORECASE)
        except re.error as exc:
            report.warn(f"{where}:{number}: invalid expression ({exc}), skipped: {entry[:80]!r}")
            continue
        out.append(entry)
    return out


def read_category(folder: Path, report: ListReport, name: str | None = None) -> CategoryList:
    category = CategoryList(name=name or folder.name)
    for kind in LIST_FILES:
        path = folder / kind
        if not path.is_file():
            continue
        lines = _read_lines(path, report)
        where = f"{category.name}/{kind}"
        if kind == "domains":
            category.domains = parse_domains(lines, where, report)
        elif kind == "urls":
            category.urls = parse_urls(lines, where, report)
        else:
            category.expressions = parse_expressions(lines, where, report)
    usage = folder / "usage"
    if usage.is_file():
        words = [w.strip().lower() for w in usage.read_text(errors="replace").splitlines()]
        if "white" in words and "black" not in words:
            category.usage = "white"
    return category


def is_category_folder(path: Path) -> bool:
    return path.is_dir() and any((path / kind).is_file() for kind in LIST_FILES)


def read_lists(root: str | os.PathLike, only: set[str] | None = None,
               progress=None) -> ListReport:
    """Read every category under `root` (or only those named in `only`).

    `progress`, if given, is called as progress(category_name, done, total) after each one.
    Raises FileNotFoundError if `root` is not a folder.
    """
    root = Path(root)
    if not root.is_dir():
        raise FileNotFoundError(f"{root} is not a folder")
    report = ListReport()
    folders = sorted(p for p in root.iterdir() if is_category_folder(p))
    if only is not None:
        folders = [p for p in folders if p.name in only]
    linked = {}
    for folder in list(folders):
        if folder.is_symlink() and folder.resolve().parent == root.resolve():
            linked[folder.name] = folder.resolve().name
            folders.remove(folder)
    for done, folder in enumerate(folders, 1):
        if not _CATEGORY_NAME(folder.name):
            report.warn(f"{folder.name}: not a usable category name, folder skipped")
            continue
        report.categories[folder.name] = read_category(folder, report)
        if progress is not None:
            progress(folder.name, done, len(folders))
    # Alias files: tiny files naming another category (symbolic links flattened to text).
    for path in sorted(root.iterdir()):
        if not path.is_file() or path.stat().st_size > 64:
            continue
        target = path.read_text(errors="replace").strip()
        if target in report.categories and _CATEGORY_NAME(path.name):
            report.categories[target].aliases.append(path.name)
    for alias, target in linked.items():
        if target in report.categories:
            report.categories[target].aliases.append(alias)
    return report
