"""Squid's url_rewrite helper protocol around the decision function.

Squid writes one request a line (read by squid.py: ``[channel-ID] URL client-ip/fqdn user
method [key=value...]``) and reads one answer a line, in order per channel:

- ``[ID] ERR``                                   leave the request alone (pass);
- ``[ID] OK status=302 url="BLOCK-PAGE-URL"``    send the browser to the block page (or,
  for a person who has not accepted the AUP or a client nobody signed in at, to the AUP or
  sign-in page with ``?next=`` the URL they asked for: policy.py's ``redirect``);
- ``[ID] OK rewrite-url="URL"``                  fetch another URL instead (safe search).

The user is the one Squid knows: the name it authenticated (basic, Negotiate), used as is,
or on a network without proxy authentication the one the whois helper answered (whois.py).
Every line gets an answer, including blank, garbage and overlong ones, and the helper never
exits on bad input. Input is read in large chunks and answers written in one go per chunk
(serve.py), so a busy Squid (or a benchmark) pays one system call per batch, not per line.

Two modes:

- published: ``--snapshot DIR`` holds ``lists.snap`` and ``policy.json`` written by the web
  app; a background thread checks them twice a second and swaps in new ones, keeping the
  last good pair if a new file is corrupt. With no usable lists it blocks pupils; with no
  usable policy it blocks everyone, and says so on standard error.
  In this mode it also writes ``heartbeats/filter-<pid>.json`` every 5 seconds
  (heartbeat.py), for the IT manager's helper-status page.
- standalone: ``--lists DIR --block all|CAT,CAT`` reads the lists directly (or a compiled
  snapshot file) and blocks those categories for everyone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import BinaryIO
from urllib.parse import parse_qsl, quote

from esafety.engine.urls import fastpath
from esafety.engine.urls.heartbeat import Heartbeat
from esafety.engine.urls.lists import read_lists
from esafety.engine.urls.normalise import parse_target
from esafety.engine.urls.policy import Policy, PolicyError
from esafety.engine.urls.serve import MAX_LINE, serve_lines
from esafety.engine.urls.snapshot import (
    CompiledLists,
    SnapshotError,
    compile_lists,
    load_snapshot,
)
from esafety.engine.urls.squid import channel_of, parse_request_line
from esafety.engine.urls.whois import BINDINGS_FILE, bindings_version

_NEEDS_ESCAPE = re.compile(r"[%&#+\"'<>\\]").search


def _escape(url: str) -> str:
    """Percent-encode what would break url="..." for Squid or the block page's query."""
    if _NEEDS_ESCAPE(url) is None:
        return url
    for ch, code in (("%", "%25"), ("&", "%26"), ("#", "%23"), ("+", "%2B"), ('"', "%22"),
                     ("'", "%27"), ("<", "%3C"), (">", "%3E"), ("\\", "%5C")):
        if ch in url:
            url = url.replace(ch, code)
    return url


LISTS_FILE = "lists.snap"
POLICY_FILE = "policy.json"
DECISIONS_DIR = "decisions"
CHECK_EVERY = 1.0
WATCH_EVERY = 0.5
ROTATE_EVERY = 10.0
# Allowed requests are counted for this long before the counts go out with the next spool
# rotation: a pupil makes a request every few seconds, so a 10-second window would count
# almost every request on a line of its own; five minutes folds ~50 into a handful of lines.
# (Counts of a helper that is killed outright are lost; one that exits flushes them.)
COUNT_EVERY = 300.0


def log(message: str) -> None:
    sys.stderr.write(f"esafety-filter: {message}\n")
    sys.stderr.flush()


def default_snapshot_dir(school: str | None = None) -> Path:
    """$ESAFETY_DATA_DIR/filtering/<school>, as the web app publishes it (same default data
    folder as esafety.settings). Without a school, the only school there is."""
    base = Path(os.environ.get("ESAFETY_DATA_DIR") or Path.cwd() / "esafety-data")
    root = (base if base.is_absolute() else Path.cwd() / base) / "filtering"
    if school:
        return root / school
    schools = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if len(schools) == 1:
        return schools[0]
    raise SystemExit("esafety-filter: say which school with --school SLUG or --snapshot DIR"
                     + (f" (found: {', '.join(p.name for p in schools)})" if schools else ""))


# Search engines whose words the log keeps (DfE's filtering and monitoring standards: logs
# attribute activity to a person with date, time and search term). Only plain HTTP requests
# show them: a CONNECT (HTTPS without interception) carries a host and port, no query.
_SEARCH_SITES = re.compile(r"(?:^|\.)(?:(google)\.[a-z.]+|(bing)\.com|(duckduckgo)\.com"
                           r"|(youtube)\.com)$").search
_SEARCH_PARAMS = {"google": ("q",), "bing": ("q",), "duckduckgo": ("q",),
                  "youtube": ("search_query", "q")}
MAX_TERM = 200


def search_term(host: str, url: str) -> str:
    """The words searched for, when `url` is a Google, Bing, DuckDuckGo or YouTube search
    ("" otherwise)."""
    if "?" not in url or not host:
        return ""
    found = _SEARCH_SITES(host)
    if found is None:
        return ""
    names = _SEARCH_PARAMS[next(g for g in found.groups() if g)]
    query = url.split("?", 1)[1].split("#", 1)[0]
    try:
        pairs = parse_qsl(query, keep_blank_values=False)
    except ValueError:
        return ""
    for name, value in pairs:
        if name in names and value.strip():
            return " ".join(value.split())[:MAX_TERM]
    return ""


# json.dumps(record, separators=(",", ":")), without making an encoder for each record.
_json_line = json.JSONEncoder(separators=(",", ":")).encode
# A str as json.dumps writes it (ensure_ascii, as above).
_json_string = json.encoder.encode_basestring_ascii


class DecisionSpool:
    """The helper's decision log, appended as JSON lines to a spool file: every blocked,
    flagged (safe search rewritten, an unblock used) request and every search, one line
    each, and the allowed rest as per-person, per-day, per-category counts (lines with
    ``"kind": "allowed"``), flushed by the helper with a rotation every COUNT_EVERY seconds
    and when it exits.

    The file is renamed to ``*.jsonl`` every few seconds; the web app's ``esafety filter
    ingest`` loads complete files into the database in bulk and removes them.
    """

    # write() takes records as dicts or as bytes of JSON lines (the compiled fast path's).
    takes_text = True

    def __init__(self, folder: Path):
        self.folder = folder
        self.folder.mkdir(parents=True, exist_ok=True)
        self.seq = 0
        # The open spool file and its path (both None between files).
        self.fh: BinaryIO | None = None
        self.opened_at = 0.0
        self.path: Path | None = None

    def _open(self) -> BinaryIO:
        self.seq += 1
        path = self.path = (self.folder
                            / f"{os.getpid()}-{int(time.time())}-{self.seq}.jsonl.part")
        fh = self.fh = open(path, "ab")
        self.opened_at = time.time()
        return fh

    def write(self, records: list[dict] | list[bytes] | list[dict | bytes]) -> None:
        """Append records: dicts, or bytes of JSON lines each ending in a newline."""
        if not records:
            return
        fh = self.fh
        if fh is None:
            fh = self._open()
        # Records come as dicts (the Python path) or as JSON lines already, each ending in
        # a newline (the compiled path writes the text json.dumps writes, in UTF-8).
        fh.write(b"".join(r if r.__class__ is bytes
                          else (_json_line(r) + "\n").encode()
                          for r in records))
        fh.flush()

    def rotate(self, force: bool = False) -> None:
        path = self.path
        if (self.fh is None or path is None
                or not (force or time.time() - self.opened_at >= ROTATE_EVERY)):
            return
        self.fh.close()
        os.replace(path, str(path)[: -len(".part")])
        self.fh = None


class PublishedPolicy:
    """The policy and lists the web app published, reloaded when they change."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.lists: CompiledLists | None = None
        self.lists_stamp: tuple[int, int, int] | str | None = "never read"
        self.policy_stamp: tuple[int, int, int] | str | None = "never read"
        self.policy_data: dict | None = None
        self.policy = Policy.fail_closed("No filtering policy has been published yet: "
                                         "everything is blocked.")
        self.checked_at = 0.0
        self.loading = False
        self.lock = threading.Lock()
        self.reloading = threading.Lock()  # one reload at a time (batch trigger or watcher)
        self.reload(block=True)

    @staticmethod
    def _stamp(path: Path) -> tuple[int, int, int] | None:
        try:
            st = path.stat()
            return (st.st_mtime_ns, st.st_size, st.st_ino)
        except OSError:
            return None

    def maybe_reload(self, now: float) -> None:
        if now - self.checked_at < CHECK_EVERY or self.loading:
            return
        self.checked_at = now
        lists_stamp = self._stamp(self.folder / LISTS_FILE)
        policy_stamp = self._stamp(self.folder / POLICY_FILE)
        if lists_stamp != self.lists_stamp or policy_stamp != self.policy_stamp:
            self.loading = True
            threading.Thread(target=self.reload, daemon=True).start()

    def watch(self, every: float = WATCH_EVERY) -> None:
        """Look for a new publication from a thread of its own too (besides each batch of
        requests), so that a helper that was idle has the new answer before its next
        request: a leaver's access ends within a second."""
        while True:
            time.sleep(every)
            if (self._stamp(self.folder / LISTS_FILE) != self.lists_stamp
                    or self._stamp(self.folder / POLICY_FILE) != self.policy_stamp):
                self.reload()

    def reload(self, block: bool = False) -> None:
        with self.reloading:
            self._reload()

    def _reload(self) -> None:
        try:
            lists_path = self.folder / LISTS_FILE
            policy_path = self.folder / POLICY_FILE
            lists_stamp = self._stamp(lists_path)
            policy_stamp = self._stamp(policy_path)
            lists = self.lists
            if lists_stamp != self.lists_stamp:
                if lists_stamp is None:
                    if lists is None:
                        log(f"NO LISTS at {lists_path}: pupils are blocked from everything")
                else:
                    try:
                        lists = load_snapshot(lists_path)
                        log(f"loaded lists {lists.version or ''} {lists.stats()}")
                    except SnapshotError as exc:
                        log(f"REFUSED lists snapshot: {exc}; "
                            + ("keeping the last good one" if lists is not None
                               else "pupils are blocked from everything"))
                self.lists_stamp = lists_stamp
            data = self.policy_data
            if policy_stamp != self.policy_stamp:
                try:
                    fresh = Policy.load(policy_path, lists)
                    data = fresh.data
                    log(f"loaded policy version {fresh.version}")
                except PolicyError as exc:
                    log(f"REFUSED policy: {exc}; "
                        + ("keeping the last good one" if data is not None
                           else "EVERYTHING IS BLOCKED until a policy is published"))
                self.policy_stamp = policy_stamp
            if data is not None:
                policy = Policy(data, lists)
            else:
                policy = Policy.fail_closed("No usable filtering policy: everything is "
                                            "blocked until one is published.")
            with self.lock:
                self.lists, self.policy_data, self.policy = lists, data, policy
        except Exception as exc:  # never let a reload kill the helper
            log(f"reload failed: {exc!r}; keeping what was loaded")
        finally:
            self.loading = False


def block_page_url(base: str, url: str, decision, user: str) -> str:
    query = (f"url={_escape(url[:1024])}&category={quote(decision.category or '')}"
             f"&rule={quote(decision.rule)}&group={quote(decision.group or '')}")
    if user:
        query += f"&user={quote(user, safe='')}"
    return f"{base}{'&' if '?' in base else '?'}{query}"


class Helper:
    def __init__(self, source, block_page: str, spool: DecisionSpool | None = None,
                 compiled: bool = True):
        self.source = source  # has .policy (and maybe .maybe_reload)
        self.block_page = block_page
        self.spool = spool
        # The compiled fast path (fastpath.py) when it is built and `compiled` is true;
        # the answers are the same either way.
        self.use_compiled = compiled
        self._fast: tuple[object, str, tuple | None] | None = None
        # Allowed requests, not logged one by one: (day, user, client when nobody is
        # known, group, category) -> how many. Written to the spool with each rotation.
        self.allowed: dict[tuple[str, str, str, str, str], int] = {}
        self.allowed_since = time.time()

    def allowed_records(self) -> list[dict]:
        """The allowed counts so far as spool lines, and a fresh count."""
        records = [{"kind": "allowed", "day": day, "user": user, "client": client,
                    "group": group, "category": category, "n": n}
                   for (day, user, client, group, category), n in self.allowed.items()]
        self.allowed = {}
        self.allowed_since = time.time()
        return records

    def allowed_lines(self) -> bytes:
        """The allowed counts so far as the spool's JSON lines (the text json.dumps writes
        for allowed_records(), made without a dict and an encoder call a record), and a
        fresh count."""
        q = _json_string
        text = "".join(f'{{"kind":"allowed","day":{q(day)},"user":{q(user)},"client":'
                       f'{q(client)},"group":{q(group)},"category":{q(category)},"n":{n:d}}}\n'
                       for (day, user, client, group, category), n in self.allowed.items())
        self.allowed = {}
        self.allowed_since = time.time()
        return text.encode()

    def flush(self, force: bool = False) -> None:
        """After each batch: hand the spool file over every few seconds; every COUNT_EVERY
        seconds the allowed counts go into it first (with that rotation)."""
        spool = self.spool
        if spool is None:
            return
        try:
            if self.allowed and (force or time.time() - self.allowed_since >= COUNT_EVERY):
                spool.write([self.allowed_lines()] if getattr(spool, "takes_text", False)
                            else self.allowed_records())
                spool.rotate(force=True)
            else:
                spool.rotate(force)
        except OSError as exc:
            log(f"cannot write decision log: {exc}")

    def _compiled(self, policy: Policy, base: str) -> tuple | None:
        """(module, tables) of the compiled fast path for this policy, or None: not built,
        not wanted, or a policy it does not handle. Built once per policy loaded."""
        module = fastpath.compiled
        if module is None or not self.use_compiled:
            return None
        cached = self._fast
        if cached is not None and cached[0] is policy and cached[1] == base:
            return cached[2]
        fast = None
        try:
            spec = fastpath.tables(policy, base)
            if spec is not None:
                fast = (module, module.build(spec))
        except Exception as exc:  # the Python path answers instead
            log(f"compiled fast path not used for this policy: {exc!r}")
        self._fast = (policy, base, fast)
        return fast

    def answer_bytes(self, data: bytes, now: float) -> bytes:
        """The answers to Squid's request lines in `data` (the bytes as read, without the
        last newline; b"" is one empty line): one a line, in order, each ending in a
        newline, in latin-1 (a character it lacks as "?"). What serve() writes back."""
        out = self._answer(data, now)
        if isinstance(out, bytes):
            return out
        return ("\n".join(out) + "\n").encode("latin-1", errors="replace")

    def answer_lines(self, lines: list[str], now: float) -> list[str]:
        """One answer a line, in order (the same answers as answer_bytes)."""
        out = self._answer(lines, now)
        if isinstance(out, bytes):
            return out.decode("latin-1").split("\n")[:-1]
        return out

    def _answer(self, batch: list[str] | bytes, now: float) -> list[str] | bytes:
        """Answers to `batch` (lines, or Squid's bytes): bytes from the compiled path,
        which reads and answers Squid's bytes without a Python string a line, else a list."""
        policy = self.source.policy
        base = policy.block_page or self.block_page
        data: bytes | None = None
        lines: list[str]
        if isinstance(batch, bytes):
            data = batch
            lines = ([] if not policy.standalone and self._compiled(policy, base) is not None
                     else data.decode("latin-1").split("\n"))
        else:
            lines = batch
        if policy.standalone:
            answers: list[str] = []
            append = answers.append
            enough = policy.groups["all"]["always"]
            prefix = 'OK status=302 url="' + base + ("&" if "?" in base else "?") + "url="
            escape = _escape
            for verdict in policy.lists.blocked_lines(lines, enough):
                if verdict.__class__ is str:
                    append(verdict + "ERR")
                else:
                    append(verdict[0] + prefix + escape(verdict[1][:1024]) + '"')
            return answers
        logging = self.spool is not None
        allowed = self.allowed
        day = time.strftime("%Y-%m-%d", time.gmtime(now))
        stamp = round(now, 3)
        records: list[dict | bytes] = []
        add_record = records.append

        def one(raw: str) -> str:
            """The answer to one line (logging or counting it): the reference path."""
            try:
                if len(raw) > MAX_LINE:
                    raw = raw[:MAX_LINE]
                line = parse_request_line(raw)
                channel, url, user = line.channel, line.url, line.user
                if not url:
                    return channel + "ERR"
                target = parse_target(url, line.method)
                decision = policy.decide(target, user, now, line.method, url)
                if decision.redirect is not None:  # sign in or accept the AUP first
                    return f'{channel}OK status=302 url="{decision.redirect}"'
                if decision.action == "block":
                    answer = (f'{channel}OK status=302 '
                              f'url="{block_page_url(base, url, decision, user)}"')
                    action = "block"
                elif decision.rewrite:
                    answer = f'{channel}OK rewrite-url="{decision.rewrite}"'
                    action = "rewrite"
                else:
                    answer = channel + "ERR"
                    action = "allow" if decision.rule == "unblock" else ""
                if not logging:
                    return answer
                term = (search_term(target.host, url)
                        if target is not None and line.method != "CONNECT" else "")
                if action or term:
                    record = {"t": stamp, "user": user, "url": url[:2000],
                              "host": target.host if target is not None else "",
                              "client": line.client, "action": action or "search",
                              "category": decision.category, "group": decision.group,
                              "rule": decision.rule, "policy": policy.version}
                    if term:
                        record["term"] = term
                    add_record(record)
                else:
                    key = (day, user, "" if user else line.client, decision.group or "",
                           decision.category or "")
                    allowed[key] = allowed.get(key, 0) + 1
                return answer
            except Exception as exc:  # one bad line must never stop the others
                log(f"could not decide {raw[:200]!r}: {exc!r}")
                return channel_of(raw) + "ERR"

        fast = self._compiled(policy, base)
        out: list[str] | bytes
        if fast is not None and data is None and lines:
            # Lines as serve.py makes them (latin-1, no newline) go through the bytes.
            joined = "\n".join(lines)
            if joined.count("\n") == len(lines) - 1:
                try:
                    data = joined.encode("latin-1")
                except UnicodeEncodeError:
                    pass
        if fast is None or data is None:
            out = [one(raw) for raw in lines]
        else:
            module, handle = fast
            working = bool(policy.working_time) and policy.is_working_time(now)
            try:
                out = module.answer(handle, data, working, records if logging else None,
                                    allowed if logging else None, day, json.dumps(stamp),
                                    one)
            except Exception as exc:  # e.g. out of memory: answer the batch in Python
                log(f"compiled fast path failed ({exc!r}); answering in Python")
                del records[:]
                out = [one(raw) for raw in data.decode("latin-1").split("\n")]
        if records and self.spool is not None:
            if not getattr(self.spool, "takes_text", False):  # a spool that wants dicts
                records = [x for r in records
                           for x in ([json.loads(t) for t in r.splitlines()]
                                     if isinstance(r, bytes) else [r])]
            try:
                self.spool.write(records)
            except OSError as exc:
                log(f"cannot write decision log: {exc}")
        return out

    def serve(self, infd: int = 0, outfd: int = 1) -> None:
        reload = getattr(self.source, "maybe_reload", None)
        serve_lines(self.answer_lines, infd, outfd, before=reload,
                    after=self.flush if self.spool is not None else None,
                    answer_bytes=self.answer_bytes)
        self.flush(force=True)

    def status(self) -> dict:
        """What the heartbeat reports (heartbeat.py): the versions this helper decides by.
        It does not use bindings; it reports the folder's, so it never looks behind."""
        policy = self.source.policy
        lists = getattr(self.source, "lists", None)
        folder = getattr(self.source, "folder", None)
        return {"policy_version": policy.version,
                "lists_version": lists.version if lists is not None else "",
                "bindings_version": (bindings_version(folder / BINDINGS_FILE)
                                     if folder is not None else 0)}


class _Fixed:
    def __init__(self, policy):
        self.policy = policy


def load_standalone(lists_path: str, block: str) -> Policy:
    path = Path(lists_path)
    if path.is_file():
        lists = load_snapshot(path)
    else:
        lists = compile_lists(read_lists(path))
    names = "all" if block.strip() == "all" else [c.strip() for c in block.split(",") if c.strip()]
    if names != "all":
        unknown = [n for n in names if n not in lists.index]
        if unknown:
            raise SystemExit(f"esafety-filter: unknown categories: {', '.join(unknown)}")
    return Policy.standalone_blocking(lists, names)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="esafety filter helper",
                                     description="Squid url_rewrite helper")
    parser.add_argument("--snapshot", help="folder with lists.snap and policy.json "
                        "(default: $ESAFETY_DATA_DIR/filtering/SCHOOL)")
    parser.add_argument("--school", help="the school's short name (slug)")
    parser.add_argument("--lists", help="standalone: a UT1-layout folder or a lists.snap file")
    parser.add_argument("--block", default="all",
                        help="standalone: 'all' or categories to block, comma separated")
    parser.add_argument("--block-page", default="http://127.0.0.1/filtering/blocked/",
                        help="block page URL when the policy names none")
    parser.add_argument("--no-log", action="store_true", help="do not spool decisions")
    parser.add_argument("--python-only", action="store_true",
                        help="answer every line in Python, without the compiled fast path "
                        "(the same answers; for measuring and checking)")
    args = parser.parse_args(argv)
    heartbeat: Heartbeat | None = None
    if args.lists:
        try:
            policy = load_standalone(args.lists, args.block)
        except (OSError, SnapshotError) as exc:
            log(f"cannot load lists: {exc}")
            return 2
        helper = Helper(_Fixed(policy), args.block_page)
    else:
        folder = Path(args.snapshot) if args.snapshot else default_snapshot_dir(args.school)
        spool = None
        if not args.no_log:
            try:
                spool = DecisionSpool(folder / DECISIONS_DIR)
            except OSError as exc:  # filtering matters more than the log
                log(f"cannot write decisions to {folder / DECISIONS_DIR}: {exc}; not logging")
        published = PublishedPolicy(folder)
        threading.Thread(target=published.watch, name="filter-watch", daemon=True).start()
        helper = Helper(published, args.block_page, spool, compiled=not args.python_only)
        heartbeat = Heartbeat(folder, "filter", helper.status).start()
    try:
        helper.serve()
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        if heartbeat is not None:
            heartbeat.stop()
    return 0
