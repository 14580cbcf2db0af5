"""Who is at this computer: Squid's external ACL helper for networks without proxy sign-in.

    python3 -m esafety.engine.urls whois --snapshot DIR      (or: esafety filter whois)

Squid asks with the client's address (``external_acl_type ... concurrency=N %SRC``), one
request a line: ``[channel-ID] <client ip> [...]``. The answer, one a line, in order:

- ``[channel-ID] OK user=<username>``  the address has a live binding (the person signed in
  on the "sign in to the internet" page, and the binding's ``until`` is still ahead) to a
  person who may use the school's systems now: in policy.json's ``users`` or
  ``aup_pending``, and not in ``refused``;
- ``[channel-ID] ERR``                 anything else: no binding, an expired one, a leaver,
  an expired guest, a deactivated account, a blank or garbage line.

Squid then hands the user to the url_rewrite helper through ``%un``; with ERR the request
has no user and the filter treats it as unidentified (policy.json ``unidentified``).

The answers come from two files the web app writes atomically into the snapshot folder,
``bindings.json`` and ``policy.json``, never from a database. A background thread checks
them twice a second and swaps in a new answer table, keeping the last good one if a new file
is damaged. Each lookup is one dictionary read and a time comparison.

The helper also writes ``heartbeats/whois-<pid>.json`` every 5 seconds (heartbeat.py) and
``activity/whois-<pid>.json`` every 10 seconds: ``{"at", "seen": {client ip: last time it
answered OK for it}}``, bounded to the addresses bound now. The web app's ``esafety filter
ingest`` reads them to end bindings that have gone idle.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import os
import re
import sys
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from esafety.engine.urls.heartbeat import ACTIVITY_DIR, Heartbeat, JsonFile
from esafety.engine.urls.serve import serve_lines
from esafety.engine.urls.snapshot import snapshot_version
from esafety.engine.urls.squid import parse_acl_line

POLICY_FILE = "policy.json"
BINDINGS_FILE = "bindings.json"
LISTS_FILE = "lists.snap"
BINDINGS_FORMAT = 1
CHECK_EVERY = 0.5
ACTIVITY_EVERY = 10.0

Stamp = tuple[int, int, int] | None
# client ip -> (until, answer text after the channel), for people who may browse
Table = dict[str, tuple[float, str]]


def log(message: str) -> None:
    sys.stderr.write(f"esafety-whois: {message}\n")
    sys.stderr.flush()


def canonical_address(text: str) -> str:
    """One spelling per address: IPv4 as dotted quad (also when written IPv4-mapped IPv6,
    as a dual-stack socket reports it), IPv6 compressed and lower case. Anything that is
    not an address is returned unchanged (it matches no binding)."""
    try:
        address = ipaddress.ip_address(text.strip("[]"))
    except ValueError:
        return text
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def _stamp(path: Path) -> Stamp:
    try:
        st = path.stat()
        return (st.st_mtime_ns, st.st_size, st.st_ino)
    except OSError:
        return None


_VERSION = re.compile(rb'"version"\s*:\s*(\d+)')


def bindings_version(path: Path) -> int:
    """The ``version`` of a bindings.json without parsing all of it (0 if none): the
    url_rewrite helper reports it in its heartbeat."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(512)
    except OSError:
        return 0
    found = _VERSION.search(head)
    if found is None:
        try:
            data = json.loads(path.read_bytes())
            return int(data.get("version", 0)) if isinstance(data, dict) else 0
        except (OSError, ValueError, TypeError):
            return 0
    return int(found.group(1))


class BindingsError(Exception):
    """A bindings.json or policy.json that cannot be used."""


def read_people(path: Path) -> tuple[str, frozenset[str]]:
    """(policy version, lower-cased usernames who may browse) from policy.json."""
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as exc:
        raise BindingsError(f"cannot use {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != 1:
        raise BindingsError(f"{path}: not an esafety filtering policy (format 1)")
    users = data.get("users") or {}
    pending = data.get("aup_pending") or []
    refused = data.get("refused") or {}
    if not isinstance(users, dict) or not isinstance(pending, list) \
            or not isinstance(refused, dict):
        raise BindingsError(f"{path}: users, aup_pending or refused has the wrong shape")
    may = {str(u).lower() for u in users} | {str(u).lower() for u in pending}
    may -= {str(u).lower() for u in refused}
    return str(data.get("version", "")), frozenset(may)


def read_bindings(path: Path) -> tuple[int, dict[str, tuple[float, str]]]:
    """(version, {canonical client ip: (until, username)}) from bindings.json; a missing
    file is no bindings. Entries of the wrong shape are skipped."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return 0, {}
    except OSError as exc:
        raise BindingsError(f"cannot read {path}: {exc}") from exc
    try:
        data = json.loads(raw)
    except ValueError as exc:
        raise BindingsError(f"{path}: damaged ({exc})") from exc
    if not isinstance(data, dict) or data.get("format") != BINDINGS_FORMAT \
            or not isinstance(data.get("bindings"), dict):
        raise BindingsError(f"{path}: not an esafety bindings file (format {BINDINGS_FORMAT})")
    out: dict[str, tuple[float, str]] = {}
    for address, entry in data["bindings"].items():
        if not isinstance(entry, dict):
            continue
        user, until = entry.get("user"), entry.get("until")
        if not isinstance(user, str) or not user or isinstance(until, bool) \
                or not isinstance(until, int | float):
            continue
        out[canonical_address(str(address))] = (float(until), user)
    version = data.get("version", 0)
    return (version if isinstance(version, int) else 0), out


def build_table(bindings: dict[str, tuple[float, str]], may: frozenset[str]) -> Table:
    return {address: (until, "OK user=" + quote(user, safe="@"))
            for address, (until, user) in bindings.items() if user.lower() in may}


class Whois:
    """The answer table, kept up to date from the snapshot folder."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.table: Table = {}
        self.bindings: dict[str, tuple[float, str]] = {}
        self.may: frozenset[str] = frozenset()
        self.policy_version = ""
        self.bindings_version = 0
        self.lists_version = ""
        self.stamps: dict[str, Stamp | str] = {name: "never read" for name in
                                               (POLICY_FILE, BINDINGS_FILE, LISTS_FILE)}
        self.seen: dict[str, float] = {}
        self.activity = JsonFile(folder / ACTIVITY_DIR / f"whois-{os.getpid()}.json")
        self.activity_at = 0.0
        self.stopped = threading.Event()
        self.reload()

    # -- keeping up with the web app ---------------------------------------------------
    def reload(self) -> bool:
        """Read whatever changed; True if the answer table was rebuilt."""
        changed = False
        for name in (POLICY_FILE, BINDINGS_FILE, LISTS_FILE):
            path = self.folder / name
            stamp = _stamp(path)
            if stamp == self.stamps[name]:
                continue
            self.stamps[name] = stamp
            try:
                if name == POLICY_FILE:
                    if stamp is None:
                        log(f"NO POLICY at {path}: nobody is identified")
                        self.policy_version, self.may = "", frozenset()
                    else:
                        self.policy_version, self.may = read_people(path)
                        log(f"loaded policy version {self.policy_version}: "
                            f"{len(self.may)} people may browse")
                    changed = True
                elif name == BINDINGS_FILE:
                    self.bindings_version, self.bindings = read_bindings(path)
                    changed = True
                else:
                    self.lists_version = snapshot_version(path)
            except BindingsError as exc:
                log(f"REFUSED {exc}; keeping the last good one")
        if changed:
            self.table = build_table(self.bindings, self.may)
        return changed

    def watch(self) -> None:
        while not self.stopped.wait(CHECK_EVERY):
            try:
                self.reload()
            except Exception as exc:  # never let a reload kill the helper
                log(f"reload failed: {exc!r}; keeping what was loaded")

    def status(self) -> dict[str, Any]:
        return {"policy_version": self.policy_version, "lists_version": self.lists_version,
                "bindings_version": self.bindings_version}

    def write_activity(self, now: float, force: bool = False) -> None:
        if not force and now - self.activity_at < ACTIVITY_EVERY:
            return
        self.activity_at = now
        bound = self.bindings
        seen = {a: round(t, 3) for a, t in self.seen.copy().items() if a in bound}
        if len(seen) < len(self.seen):
            self.seen = dict(seen)  # forget addresses no longer bound
        self.activity.write({"at": round(now, 3), "seen": seen})

    # -- answering ----------------------------------------------------------------------
    def answer_lines(self, lines: list[str], now: float) -> list[str]:
        get = self.table.get
        seen = self.seen
        out: list[str] = []
        append = out.append
        parse = parse_acl_line
        for raw in lines:
            channel, address = parse(raw)
            hit = get(address)
            if hit is None and ":" in address:
                address = canonical_address(address)
                hit = get(address)
            if hit is not None and now < hit[0]:
                append(channel + hit[1])
                seen[address] = now
            else:
                append(channel + "ERR")
        return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="esafety filter whois",
        description="Squid external ACL helper: which signed-in person is at a client address")
    parser.add_argument("--snapshot", help="folder with policy.json and bindings.json "
                        "(default: $ESAFETY_DATA_DIR/filtering/SCHOOL)")
    parser.add_argument("--school", help="the school's short name (slug)")
    args = parser.parse_args(argv)
    if args.snapshot:
        folder = Path(args.snapshot)
    else:  # (the url_rewrite helper's modules load only when needed: a faster start)
        from esafety.engine.urls.helper import default_snapshot_dir

        folder = default_snapshot_dir(args.school)
    whois = Whois(folder)
    threading.Thread(target=whois.watch, name="whois-watch", daemon=True).start()
    heartbeat = Heartbeat(folder, "whois", whois.status, also=whois.write_activity).start()
    try:
        serve_lines(whois.answer_lines)
    except (KeyboardInterrupt, BrokenPipeError):
        pass
    finally:
        whois.stopped.set()
        heartbeat.stop()
        whois.write_activity(time.time(), force=True)
    return 0
