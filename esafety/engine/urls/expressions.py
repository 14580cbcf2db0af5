"""Cheap pre-checks for list expressions.

Python's regular expressions try every position of a URL for every alternative, which
costs microseconds per URL per category. Most expressions contain literal text that any
match must include (``/banner/``, ``google.``): if none of those literals is in the URL,
the expression cannot match and is not run at all.
"""

from __future__ import annotations

import sys

# The Squid helper runs on the system python3, which may be older than the project's.
if sys.version_info >= (3, 11):  # noqa: UP036
    import re._constants as _c
    import re._parser as _p
else:  # pragma: no cover
    import sre_constants as _c
    import sre_parse as _p


def _required(items) -> set[str] | None:
    """A set of literals, one of which every match of this sequence must contain."""
    best: set[str] | None = None
    run: list[str] = []

    def consider(candidate: set[str] | None):
        nonlocal best
        if not candidate or any(not lit for lit in candidate):
            return
        if best is None or min(map(len, candidate)) > min(map(len, best)):
            best = candidate

    for op, arg in items:
        if op is _c.LITERAL:
            run.append(chr(arg).lower())
            continue
        if run:
            consider({"".join(run)})
            run = []
        if op is _c.SUBPATTERN:
            consider(_required(arg[-1]))
        elif op is _c.BRANCH:
            alternatives = [_required(branch) for branch in arg[1]]
            found = [a for a in alternatives if a]
            if len(found) == len(alternatives):
                consider(set().union(*found))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and arg[0] >= 1:
            consider(_required(arg[2]))
    if run:
        consider({"".join(run)})
    return best


def required_literals(pattern: str) -> set[str] | None:
    """Literals one of which must appear in any text the pattern matches (lower case), or
    None if no such set could be found (the pattern must then always be run)."""
    try:
        parsed = _p.parse(pattern)
    except Exception:
        return None
    found = _required(list(parsed))
    if found and min(map(len, found)) >= 2:
        return found
    return None
