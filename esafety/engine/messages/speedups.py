"""The classifier's optional compiled loops (_speedups.c), when built from this source.

scripts/build_speedups.py compiles _speedups.c next to it (both README commands run it, and
so does every test run). It is never built here, at import: a server does not run a
compiler, and its package folder may be read-only.
`compiled` is the module, or None when it is not built or was built from another version
of _speedups.c (a stale build is never trusted). Callers fall back to their Python code,
which gives the same answers and stays the reference the tests compare against.
"""

import hashlib
from pathlib import Path

HERE = Path(__file__).resolve().parent


def load():
    """The compiled module if it was built from the current _speedups.c, else None."""
    try:
        import esafety.engine.messages._speedups as _speedups
    except ImportError:
        return None
    try:
        source = hashlib.sha256((HERE / "_speedups.c").read_bytes()).hexdigest()
    except OSError:
        return None
    return _speedups if _speedups.SOURCE_SHA256 == source else None


compiled = load()
