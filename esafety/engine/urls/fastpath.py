"""The Squid helper's optional compiled fast path for school-mode decisions (_fastpath.c).

scripts/build_fastpath.py compiles _fastpath.c next to this file (scripts/python-env.sh and
every test run do; a school's server can run it too). It uses only Python's stable ABI, so
the one build (``_fastpath.abi3.so``) loads in the system ``python3`` Squid runs the helper
with, from Python 3.10 on, whatever version built it. It is never built here, at import:
the helper's folder may be read-only and Squid's user has no compiler.

`compiled` is the module, or None when it is not built, was built from another version of
_fastpath.c (a stale build is never trusted) or this Python is older than 3.10. Then the
helper answers every line in Python, with the same answers: the Python path in helper.py is
the reference, and the compiled one answers only the common plain lines (see _fastpath.c),
handing every other line back to it. tests/engine_urls/test_fastpath.py checks the two
agree, answer for answer and decision-log record for record.

`tables(policy, base)` (pure Python) turns a Policy into what the compiled module needs,
or None when the policy is one it does not handle (standalone, no policy or no lists,
more than 64 categories deciding anything, an expression without a literal to look for).
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from types import ModuleType
from urllib.parse import quote

from esafety.engine.urls.policy import Policy
from esafety.engine.urls.snapshot import CompiledLists

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "_fastpath.c"

# People codes (state | group index << 3), as _fastpath.c reads them.
USER, REFUSED, AUP, FALLBACK, UNKNOWN, SIGNIN = 0, 1, 2, 3, 4, 5
WEB, SCHOOL_BLOCK, SCHOOL_ALLOW = 1, 2, 4


def load() -> ModuleType | None:
    """The compiled module if it was built from the current _fastpath.c, else None."""
    if sys.version_info < (3, 10):  # noqa: UP036 - the school's python3 may be older
        return None
    try:
        from esafety.engine.urls import _fastpath  # type: ignore[attr-defined]
    except ImportError:
        return None
    try:
        source = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    except OSError:
        return None
    return _fastpath if getattr(_fastpath, "SOURCE_SHA256", None) == source else None


compiled = load()


def _page_prefix(page: str, key: str) -> bytes:
    # Answers go out in latin-1 (serve.py), a character it lacks as "?".
    return f'OK status=302 url="{page}{"&" if "?" in page else "?"}{key}='.encode(
        "latin-1", "replace")


_lists_tables: tuple[CompiledLists, object] | None = None


class Lookup:
    """One of the lists' large tables as the Python path uses it (.get and `in`), looked
    up in the compiled module's copy: a lists snapshot read this way is never made into
    Python dicts (CompiledLists.use_lookups)."""

    def __init__(self, module: ModuleType, handle: object, table: int, size: int):
        self._lookup = module.lookup
        self._handle = handle
        self._table = table
        self._size = size

    def get(self, key: str, default: int | None = None) -> int | None:
        found = self._lookup(self._handle, self._table, key)
        return default if found < 0 else found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._lookup(self._handle, self._table, key) >= 0

    def __len__(self) -> int:
        return self._size


def lists_tables(lists: CompiledLists) -> object:
    """The compiled module's copy of the lists' tables, built once per lists snapshot (a
    new policy, published after every change, reuses it). From a format 2 snapshot not yet
    read into dicts it is built from the file's bytes, and the Python path then looks the
    tables up in it too."""
    global _lists_tables
    if _lists_tables is None or _lists_tables[0] is not lists:
        module = compiled
        if module is None:
            raise RuntimeError("the compiled fast path is not built")
        flat = lists.flat
        if flat is not None and not (lists.tables_read and isinstance(lists.domains, dict)):
            names = ("domains.keys", "domains.values", "urls.keys", "urls.values",
                     "url_hosts.keys")
            handle = module.build_lists_flat(flat.data, tuple(flat.sections[n] for n in names))
            lists.use_lookups(Lookup(module, handle, 0, flat.count("domains")),
                              Lookup(module, handle, 1, flat.count("urls")),
                              Lookup(module, handle, 2, flat.count("url_hosts")))
        else:
            handle = module.build_lists(lists.domains, lists.urls, lists.url_hosts)
        _lists_tables = (lists, handle)
    return _lists_tables[1]


def tables(policy: Policy, base: str) -> tuple | None:
    """The compiled module's tables for `policy` with block page `base`, or None."""
    lists = policy.lists
    if policy.standalone or policy.fail_reason is not None or lists is None:
        return None
    if lists.expressions and lists.literal_prefilter is None:
        return None
    if lists.flat is None and not isinstance(lists.url_hosts, (set, frozenset)):
        return None
    literals = sorted({x for _, _, found in lists.expressions for x in found or ()})
    relevant = policy.statutory_mask
    for spec in policy.groups.values():
        relevant |= spec["always"] | spec["working"]
    rel = [i for i in range(relevant.bit_length()) if relevant >> i & 1]
    if len(rel) > 64:
        return None
    position = {i: j for j, i in enumerate(rel)}

    def narrow(mask: int) -> int:
        out = 0
        while mask:
            low = mask & -mask
            j = position.get(low.bit_length() - 1)
            if j is not None:
                out |= 1 << j
            mask ^= low
        return out

    combo_rel = [narrow(m) for m in lists.combos]
    combo_first = [(m & -m).bit_length() - 1 if m else -1 for m in lists.combos]
    categories = list(lists.categories)
    # Groups: those with rules, then any other a person or the default group names.
    group_names = list(policy.groups)
    others = {policy.default_group, *(v[0] for v in policy.users.values() if v)}
    group_names += sorted(g for g in others if g not in policy.groups)
    group_index = {g: i for i, g in enumerate(group_names)}
    plain_group = {g: g in policy.groups and not policy.groups[g]["approved_only"]
                   for g in group_names}
    unblock_groups: set[str] = set()
    unblock_forms: set[str] = set()
    unblock_users: set[str] = set()
    for u in policy.unblocks:
        unblock_groups |= u["groups"]
        unblock_forms |= u["forms"]
        unblock_users |= u["users"]
    suspended = set(policy.suspensions)
    signin = policy.unidentified == "signin"

    def code(name: str) -> int:
        group, form = policy.group_of(name)
        gi = group_index[group]
        if name and name in policy.refused:
            state = REFUSED
        elif name and name in policy.aup_pending:
            state = AUP
        elif signin and not name:
            state = SIGNIN
        elif signin and name not in policy.users:
            state = UNKNOWN
        elif (not plain_group[group] or group in unblock_groups
              or (form and form in unblock_forms) or name in unblock_users
              or name in suspended):
            state = FALLBACK
        else:
            state = USER
        return state | gi << 3

    names = {*policy.users, *policy.refused, *policy.aup_pending, *unblock_users, *suspended}
    people = {name: code(name) for name in names}
    flags: dict[str, int] = {}
    for hosts, flag in ((policy.web_hosts, WEB), (policy.school_block, SCHOOL_BLOCK),
                        (policy.school_allow, SCHOOL_ALLOW)):
        for host in hosts:
            flags[host] = flags.get(host, 0) | flag
    # A name nobody listed: code("") rules for no name; for an unknown name the same rules
    # as any name outside `people` (a placeholder that cannot be a Squid username).
    unknown = code("\x00unlisted")
    block_prefix = _page_prefix(base, "url")
    aup = _page_prefix(policy.aup_page, "next") if policy.aup_page else b""
    sign = _page_prefix(policy.signin_page, "next") if policy.signin_page else b""
    return (lists_tables(lists), None, None, people, flags, lists.bare_labels,
            combo_rel, combo_first, categories,
            [quote(c).encode() for c in categories],
            [json.dumps(c).encode() for c in categories],
            rel, narrow(policy.statutory_mask), group_names,
            [quote(g).encode() for g in group_names],
            [json.dumps(g).encode() for g in group_names],
            [narrow(policy.groups[g]["always"]) if g in policy.groups else 0
             for g in group_names],
            [narrow(policy.groups[g]["working"]) if g in policy.groups else 0
             for g in group_names],
            code(""), unknown, [x.encode() for x in literals], block_prefix, aup, sign,
            json.dumps(policy.version).encode(),
            [((bit & -bit).bit_length() - 1, narrow(bit), rx.search,
              None if found is None else [x.encode() for x in found])
             for bit, rx, found in lists.expressions],
            [int(g in policy.groups and bool(policy.groups[g]["safe_search"]))
             for g in group_names])

