"""The compiled lists snapshot: one file the helper loads in a fraction of a second.

Format: a magic line, then a JSON header line (format version, category names, counts,
checksum of the body), then a ``marshal`` body holding

- ``domains``: {domain: combo}, where ``combo`` indexes ``combos`` (the category bit masks
  of the domain); small ints keep 640,000 entries cheap in memory;
- ``urls``: {stripped URL prefix ending in "/": combo} and ``url_hosts`` (hosts that have
  any URL entry, so most requests skip URL matching entirely);
- ``expressions``: [(category index, [patterns])].

Writers go through a temporary file and ``os.replace``, so a reader never sees half a file.
A file whose checksum does not match is refused (the helper then keeps its last good one).
"""

from __future__ import annotations

import json
import marshal
import os
import re
import tempfile
import zlib
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
FORMAT = 1


class SnapshotError(Exception):
    """A snapshot file that is missing, truncated, corrupt or of another format."""


class CompiledLists:
    """Category lists ready for matching: which categories does a request fall in?"""

    def __init__(self, categories: list[str], domains: dict, urls: dict, url_hosts: set,
                 combos: list[int], expressions: list, usage: dict | None = None,
                 aliases: dict | None = None, version: str = ""):
        self.categories = categories
        self.index = {name: i for i, name in enumerate(categories)}
        self.domains = domains
        self.urls = urls
        self.url_hosts = url_hosts
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
        self.bare_labels = any("." not in d for d in domains)
        # Hosts repeat a lot in real traffic: remember their category masks (bounded).
        self.host_cache: dict[str, int] = {}
        self.names_cache: dict[int, tuple[str, ...]] = {}
        self.usage = usage or {}
        self.aliases = aliases or {}
        self.version = version

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
        return {"categories": len(self.categories), "domains": len(self.domains),
                "urls": len(self.urls),
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


def write_snapshot(lists: CompiledLists, path: str | os.PathLike) -> Path:
    """Write atomically (temporary file + rename) and return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    body = marshal.dumps({
        "categories": lists.categories, "domains": lists.domains, "urls": lists.urls,
        "url_hosts": sorted(lists.url_hosts), "combos": lists.combos,
        "expressions": lists.expression_sources, "usage": lists.usage,
        "aliases": lists.aliases,
    })
    header = {"format": FORMAT, "version": lists.version, "checksum": zlib.crc32(body),
              "length": len(body), **lists.stats()}
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
    if header.get("format") != FORMAT:
        raise SnapshotError(f"{path}: snapshot format {header.get('format')} not supported")
    body = memoryview(data)[newline + 1:]
    if len(body) != header.get("length") or zlib.crc32(body) != header.get("checksum"):
        raise SnapshotError(f"{path}: snapshot is truncated or corrupt (checksum mismatch)")
    try:
        payload = marshal.loads(body)
    except (ValueError, EOFError, TypeError) as exc:
        raise SnapshotError(f"{path}: snapshot body unreadable") from exc
    return CompiledLists(payload["categories"], payload["domains"], payload["urls"],
                         set(payload["url_hosts"]), payload["combos"], payload["expressions"],
                         usage=payload.get("usage"), aliases=payload.get("aliases"),
                         version=header.get("version", ""))


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
