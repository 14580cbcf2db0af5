"""The compiled lists snapshot: one file the helper loads in a fraction of a second.

Format: a magic line, then a JSON header line (format version, category names, counts,
checksum of the body), then the body. The tables:

- ``domains``: {domain: combo}, where ``combo`` indexes ``combos`` (the category bit masks
  of the domain); small ints keep 640,000 entries cheap in memory;
- ``urls``: {stripped URL prefix ending in "/": combo} and ``url_hosts`` (hosts that have
  any URL entry, so most requests skip URL matching entirely);
- ``expressions``: [(category index, [patterns])].

Format 1 (still read) holds them all in one ``marshal`` body. Format 2 (written) holds the
small ones in a ``marshal`` body (with ``bare_labels``) followed by the three large ones
flat (see FlatTables; their sizes in the header's ``sections``): the helper's compiled
fast path builds its tables from those bytes directly, without making 400,000 Python
strings first, and Python reads them into dicts only when it needs them.

Writers go through a temporary file and ``os.replace``, so a reader never sees half a file.
A file whose checksum does not match is refused (the helper then keeps its last good one).
"""

from __future__ import annotations

import json
import marshal
import os
import re
import sys
import tempfile
import zlib
from array import array
from pathlib import Path

from esafety.engine.urls.expressions import required_literals
from esafety.engine.urls.lists import ListReport
from esafety.engine.urls.normalise import (
    _PREFIXED,
    Target,
    _strip_host_prefix,
    parse_target,
    url_prefixes,
)
from esafety.engine.urls.squid import PLAIN_REQUEST_LINE, parse_request_line

MAGIC = b"ESAFETY-URL-LISTS\n"
HOST_CACHE_SIZE = 1 << 18
FORMAT = 2  # written (format 1, all in marshal, is still read)
FORMATS = (1, 2)


class SnapshotError(Exception):
    """A snapshot file that is missing, truncated, corrupt or of another format."""


class CompiledLists:
    """Category lists ready for matching: which categories does a request fall in?"""

    def __init__(self, categories: list[str], domains: dict | None, urls: dict | None,
                 url_hosts: set | None, combos: list[int], expressions: list,
                 usage: dict | None = None, aliases: dict | None = None, version: str = "",
                 flat: FlatTables | None = None):
        self.categories = categories
        self.index = {name: i for i, name in enumerate(categories)}
        # The three large tables: dicts and a set, or (a format 2 snapshot) `flat`, read
        # into them only when first used, or never when the compiled fast path looks
        # them up for the Python path too (use_lookups).
        self._domains = domains
        self._urls = urls
        self._url_hosts = url_hosts
        self.flat = flat
        self.combos = combos
        self.expression_sources = expressions
        self.expressions = []
        for i, patterns in expressions:
            # A leading .* changes nothing for a search but makes it quadratic.
            patterns = [p[2:] if p.startswith(".*") else p for p in patterns if p]
            if not patterns:
                continue
            # Literals one of which every match contains; none if some pattern has none.
            literals: set[str] = set()
            for p in patterns:
                found = required_literals(p)
                if found is None:
                    literals = set()
                    break
                literals |= found
            joined = "|".join(f"(?:{p})" for p in patterns)
            self.expressions.append((1 << i, re.compile(joined, re.IGNORECASE),
                                     tuple(sorted(literals)) if literals else None))
        # One search for every literal of every expression: most URLs contain none.
        self.literal_prefilter = None
        if self.expressions and all(lit is not None for _, _, lit in self.expressions):
            found = {x for _, _, lit in self.expressions if lit is not None for x in lit}
            # A literal containing another adds nothing: "images.google." needs "images".
            every = sorted((x for x in found if not any(o != x and o in x for o in found)),
                           key=len, reverse=True)
            self.literal_prefilter = re.compile("|".join(re.escape(x) for x in every))
        # Whether any list holds a single label ("com", "local"): if not, hosts' top-level
        # domains need no lookup.
        self.bare_labels = (flat.bare_labels if flat is not None
                            else any("." not in d for d in domains or ()))
        # Hosts repeat a lot in real traffic: remember their category masks (bounded).
        self.host_cache: dict[str, int] = {}
        self.names_cache: dict[int, tuple[str, ...]] = {}
        self.usage = usage or {}
        self.aliases = aliases or {}
        self.version = version

    # -- the large tables ----------------------------------------------------------------
    @property
    def domains(self) -> dict:
        if self._domains is None:
            self._read_flat()
        return self._domains  # type: ignore[return-value]

    @property
    def urls(self) -> dict:
        if self._urls is None:
            self._read_flat()
        return self._urls  # type: ignore[return-value]

    @property
    def url_hosts(self) -> set:
        if self._url_hosts is None:
            self._read_flat()
        return self._url_hosts  # type: ignore[return-value]

    def _read_flat(self) -> None:
        flat = self.flat
        if flat is None:
            raise SnapshotError("lists without their tables")
        self._domains = flat.table("domains")
        self._urls = flat.table("urls")
        self._url_hosts = set(flat.keys("url_hosts"))

    @property
    def tables_read(self) -> bool:
        """Whether the large tables are here (dicts, or lookups), not only flat."""
        return self._domains is not None

    def use_lookups(self, domains, urls, url_hosts) -> bool:
        """Look the three tables up through these objects (with .get and `in`, the
        compiled fast path's copy of the same tables) instead of reading them into dicts,
        if that has not happened yet. True if they are used."""
        if self._domains is not None:
            return False
        self._domains, self._urls, self._url_hosts = domains, urls, url_hosts
        return True

    # -- category names and bit masks ---------------------------------------------------
    def mask_of(self, names) -> int:
        mask = 0
        for name in names:
            i = self.index.get(name)
            if i is not None:
                mask |= 1 << i
        return mask

    def names_of(self, mask: int) -> list[str]:
        # A few hundred masks recur (one per combination of categories): remember them.
        known = self.names_cache.get(mask)
        if known is not None:
            return list(known)
        out = []
        rest = mask
        while rest:
            low = rest & -rest
            out.append(self.categories[low.bit_length() - 1])
            rest ^= low
        if len(self.names_cache) >= HOST_CACHE_SIZE:
            self.names_cache.clear()
        self.names_cache[mask] = tuple(out)
        return out

    def first_name(self, mask: int) -> str | None:
        if not mask:
            return None
        return self.categories[(mask & -mask).bit_length() - 1]

    # -- matching ----------------------------------------------------------------------
    def host_mask(self, host: str) -> int:
        cached = self.host_cache.get(host)
        if cached is not None:
            return cached
        get = self.domains.get
        combos = self.combos
        mask = 0
        v = get(host)
        if v:
            mask = combos[v]
        # Parent domains; the top-level domain alone only if some list holds one.
        last = len(host) if self.bare_labels else host.rfind(".")
        i = host.find(".")
        while 0 <= i < last:
            v = get(host[i + 1:])
            if v:
                mask |= combos[v]
            i = host.find(".", i + 1)
        if len(self.host_cache) >= HOST_CACHE_SIZE:
            self.host_cache.clear()
        self.host_cache[host] = mask
        return mask

    def match(self, target: Target, host_only: bool = False, enough: int = 0) -> int:
        """Bit mask of the categories the request falls in.

        With `enough`, matching stops as soon as one of those categories is found (the
        helper only needs to know *that* a blocked category matched).
        """
        mask = self.host_mask(target.host)
        if host_only or mask & enough:
            return mask
        stripped = target.stripped
        if stripped[:stripped.find("/")] in self.url_hosts:
            get = self.urls.get
            for prefix in url_prefixes(stripped):
                v = get(prefix)
                if v:
                    mask |= self.combos[v]
        # The one search for all the expressions' literals finds none in most URLs; then
        # no expression can match.
        if self.expressions and (self.literal_prefilter is None
                                 or self.literal_prefilter.search(target.url)):
            url = target.url
            for bit, rx, literals in self.expressions:
                if mask & bit:
                    continue
                if literals is not None:
                    for literal in literals:
                        if literal in url:
                            break
                    else:
                        continue
                if rx.search(url):
                    mask |= bit
        return mask

    def blocked_lines(self, lines: list[str], enough: int) -> list[str | tuple[str, str]]:
        """For each Squid request line: its channel prefix ("7 ", or "" without channel IDs)
        if it matches none of the `enough` categories, else (channel prefix, URL).
        Malformed lines pass.

        The standalone helper's hot loop. Plain requests (ASCII host, no userinfo, no
        percent sign, no doubled slash) are parsed inline; anything else goes through
        `parse_target` and `match`, which define the semantics this must agree with.
        """
        out: list[str | tuple[str, str]] = []
        append = out.append
        simple = PLAIN_REQUEST_LINE.match
        domains_get = self.domains.get
        combos = self.combos
        url_hosts = self.url_hosts
        urls_get = self.urls.get
        expressions = self.expressions
        prefilter = self.literal_prefilter
        cache = self.host_cache
        cache_get = cache.get
        bare_labels = self.bare_labels
        for raw in lines:
            m = simple(raw)
            if m is None:
                append(self._blocked_slow(raw, enough))
                continue
            channel, url, host, port, path, method = m.groups()
            host = host.lower()
            if host[-1:] == ".":
                append(self._blocked_slow(raw, enough))
                continue
            if channel is None:
                channel = ""
            mask = cache_get(host)
            if mask is None:
                mask = 0
                v = domains_get(host)
                if v:
                    mask = combos[v]
                last = len(host) if bare_labels else host.rfind(".")
                i = host.find(".")
                while 0 <= i < last:
                    v = domains_get(host[i + 1:])
                    if v:
                        mask |= combos[v]
                    i = host.find(".", i + 1)
                if len(cache) >= HOST_CACHE_SIZE:
                    cache.clear()
                cache[host] = mask
            if not mask & enough and method != "CONNECT":
                if not path:
                    path = "/"
                elif "//" in path:
                    append(self._blocked_slow(raw, enough))
                    continue
                else:
                    path = path.lower()
                    if path[0] != "/":
                        path = "/" + path
                short = host
                if host[:3] in _PREFIXED and not (host[-1].isdigit()
                                                  and host.replace(".", "").isdigit()):
                    short = _strip_host_prefix(host)
                if short in url_hosts:
                    for prefix in url_prefixes(short + path):
                        v = urls_get(prefix)
                        if v:
                            mask |= combos[v]
                if expressions and not mask & enough:
                    bare = host + path if port is None else f"{host}:{port}{path}"
                    if prefilter is None or prefilter.search(bare):
                        for bit, rx, _literals in expressions:
                            if not mask & bit and rx.search(bare):
                                mask |= bit
            append((channel, url) if mask & enough else channel)
        return out

    def _blocked_slow(self, raw: str, enough: int) -> str | tuple[str, str]:
        line = parse_request_line(raw)
        if not line.url:
            return line.channel
        target = parse_target(line.url, line.method)
        if target is None:
            return line.channel
        mask = self.match(target, line.method == "CONNECT", enough)
        return (line.channel, line.url) if mask & enough else line.channel

    def categories_of(self, target: Target) -> list[str]:
        return self.names_of(self.match(target))

    def stats(self) -> dict:
        flat = self.flat
        return {"categories": len(self.categories),
                "domains": flat.count("domains") if flat else len(self.domains),
                "urls": flat.count("urls") if flat else len(self.urls),
                "expressions": sum(len(p) for _, p in self.expression_sources)}


def compile_lists(report: ListReport, extra: dict[str, dict] | None = None,
                  version: str = "") -> CompiledLists:
    """Compile what `read_lists` returned (plus `extra` {category: {"domains": [...],
    "urls": [...], "expressions": [...]}}, e.g. a school's own entries) into match tables."""
    sources: dict[str, dict] = {}
    usage = {}
    aliases = {}
    for name, cat in report.categories.items():
        sources[name] = {"domains": cat.domains, "urls": cat.urls,
                         "expressions": cat.expressions}
        usage[name] = cat.usage
        aliases[name] = list(cat.aliases)
    for name, entries in (extra or {}).items():
        merged = sources.setdefault(name, {"domains": [], "urls": [], "expressions": []})
        for kind in ("domains", "urls", "expressions"):
            if entries.get(kind):
                merged[kind] = list(merged[kind]) + list(entries[kind])
    return compile_sources(sources, usage=usage, aliases=aliases, version=version)


def compile_sources(sources: dict[str, dict], usage: dict | None = None,
                    aliases: dict | None = None, version: str = "") -> CompiledLists:
    categories = sorted(sources)
    combos: list[int] = [0]
    combo_index: dict[int, int] = {}

    def combo(mask: int) -> int:
        i = combo_index.get(mask)
        if i is None:
            i = combo_index[mask] = len(combos)
            combos.append(mask)
        return i

    domain_masks: dict[str, int] = {}
    url_masks: dict[str, int] = {}
    expressions = []
    for i, name in enumerate(categories):
        bit = 1 << i
        get = domain_masks.get
        for d in sources[name].get("domains", ()):
            domain_masks[d] = get(d, 0) | bit
        for u in sources[name].get("urls", ()):
            url_masks[u] = url_masks.get(u, 0) | bit
        if sources[name].get("expressions"):
            expressions.append((i, list(sources[name]["expressions"])))
    domains = {d: combo(m) for d, m in domain_masks.items()}
    urls = {u: combo(m) for u, m in url_masks.items()}
    url_hosts = {u.split("/", 1)[0].split("?", 1)[0] for u in urls}
    return CompiledLists(categories, domains, urls, url_hosts, combos, expressions,
                         usage=usage, aliases=aliases, version=version)


class FlatTables:
    """A format 2 snapshot's large tables as written: for each table its keys joined by
    newlines (UTF-8) and, for the dicts, their values as little-endian uint32s. The
    compiled fast path builds its tables straight from these bytes; Python reads them
    into dicts only if it needs them."""

    def __init__(self, data: bytes, sections: dict[str, tuple[int, int, int]],
                 bare_labels: bool):
        self.data = data  # the whole file
        self.sections = sections  # name -> (offset in data, length, count)
        self.bare_labels = bare_labels

    def count(self, table: str) -> int:
        return self.sections[table + ".keys"][2]

    def view(self, name: str) -> memoryview:
        offset, length, _ = self.sections[name]
        return memoryview(self.data)[offset:offset + length]

    def keys(self, table: str) -> list[str]:
        if not self.count(table):
            return []
        return str(self.view(table + ".keys"), "utf-8").split("\n")

    def table(self, table: str) -> dict:
        values = array("I")
        values.frombytes(self.view(table + ".values"))
        if sys.byteorder != "little":
            values.byteswap()
        return dict(zip(self.keys(table), values, strict=True))


def _flat_sections(lists: CompiledLists) -> list[tuple[str, bytes, int]] | None:
    """The large tables as FlatTables' sections, or None if a key cannot be written so
    (holds a newline or a character UTF-8 cannot encode): then the snapshot is format 1."""
    out = []
    for name, table in (("domains", lists.domains), ("urls", lists.urls),
                        ("url_hosts", dict.fromkeys(sorted(lists.url_hosts), 1))):
        try:
            keys = "\n".join(table).encode("utf-8")
        except UnicodeEncodeError:
            return None
        if table and keys.count(b"\n") != len(table) - 1:
            return None
        out.append((name + ".keys", keys, len(table)))
        if name != "url_hosts":
            values = array("I", table.values())
            if sys.byteorder != "little":
                values.byteswap()
            out.append((name + ".values", values.tobytes(), len(table)))
    return out


def write_snapshot(lists: CompiledLists, path: str | os.PathLike) -> Path:
    """Write atomically (temporary file + rename) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"categories": lists.categories, "combos": lists.combos,
            "expressions": lists.expression_sources, "usage": lists.usage,
            "aliases": lists.aliases}
    sections = _flat_sections(lists)
    if sections is None:  # format 1: everything in the marshal body
        body = marshal.dumps({**meta, "domains": lists.domains, "urls": lists.urls,
                              "url_hosts": sorted(lists.url_hosts)})
        header = {"format": 1, "version": lists.version, "checksum": zlib.crc32(body),
                  "length": len(body), **lists.stats()}
    else:  # format 2: the marshal body, then the large tables flat (FlatTables)
        head = marshal.dumps({**meta, "bare_labels": lists.bare_labels})
        body = head + b"".join(data for _, data, _ in sections)
        header = {"format": FORMAT, "version": lists.version, "checksum": zlib.crc32(body),
                  "length": len(body), **lists.stats(), "marshal": len(head),
                  "sections": [[name, len(data), count] for name, data, count in sections]}
    write_atomic(path, MAGIC + json.dumps(header).encode() + b"\n" + body)
    return path


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` in one step, so a reader sees the old file or the new one, never half.

    World-readable: Squid's unprivileged helper user must be able to read what is published.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def load_snapshot(path: str | os.PathLike) -> CompiledLists:
    """Load a snapshot written by `write_snapshot`. Raises SnapshotError if it is unusable."""
    try:
        with open(path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        raise SnapshotError(f"cannot read lists snapshot {path}: {exc.strerror}") from exc
    if not data.startswith(MAGIC):
        raise SnapshotError(f"{path} is not an esafety lists snapshot")
    newline = data.find(b"\n", len(MAGIC))
    try:
        header = json.loads(data[len(MAGIC):newline])
    except ValueError as exc:
        raise SnapshotError(f"{path}: damaged header") from exc
    if header.get("format") not in FORMATS:
        raise SnapshotError(f"{path}: snapshot format {header.get('format')} not supported")
    body = memoryview(data)[newline + 1:]
    if len(body) != header.get("length") or zlib.crc32(body) != header.get("checksum"):
        raise SnapshotError(f"{path}: snapshot is truncated or corrupt (checksum mismatch)")
    flat = None
    try:
        if header["format"] == 1:
            payload = marshal.loads(body)
        else:
            head = header["marshal"]
            payload = marshal.loads(body[:head])
            sections = {}
            at = newline + 1 + head
            for name, length, count in header["sections"]:
                sections[name] = (at, length, count)
                at += length
            if at != len(data) or not {"domains.keys", "domains.values", "urls.keys",
                                        "urls.values", "url_hosts.keys"} <= set(sections):
                raise ValueError("sections")
            flat = FlatTables(data, sections, bool(payload["bare_labels"]))
    except (ValueError, EOFError, TypeError, KeyError) as exc:
        raise SnapshotError(f"{path}: snapshot body unreadable") from exc
    if flat is None:
        return CompiledLists(payload["categories"], payload["domains"], payload["urls"],
                             set(payload["url_hosts"]), payload["combos"],
                             payload["expressions"], usage=payload.get("usage"),
                             aliases=payload.get("aliases"), version=header.get("version", ""))
    return CompiledLists(payload["categories"], None, None, None, payload["combos"],
                         payload["expressions"], usage=payload.get("usage"),
                         aliases=payload.get("aliases"), version=header.get("version", ""),
                         flat=flat)


def snapshot_version(path: str | os.PathLike) -> str:
    """The version in a snapshot's header, without reading its body ("" if unreadable):
    what a helper that does not match URLs (whois) reports in its heartbeat."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(8192)
    except OSError:
        return ""
    if not head.startswith(MAGIC):
        return ""
    try:
        header = json.loads(head[len(MAGIC):head.find(b"\n", len(MAGIC))])
    except ValueError:
        return ""
    return str(header.get("version", "")) if isinstance(header, dict) else ""
