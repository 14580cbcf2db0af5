"""Compiles the Squid helper's optional fast path (esafety/engine/urls/_fastpath.c) in place.

    python scripts/build_fastpath.py [--quiet]

Run by scripts/python-env.sh (so `bash scripts/demo` and `bash scripts/test` build it) and by
tests/conftest.py at the start of every test run. The module uses only Python's stable ABI (Py_LIMITED_API, 3.10 and later), so
the one file it writes, `_fastpath.abi3.so`, also loads in a school's system `python3` of
another version. Without a C compiler or Python's headers it says so and exits 0, and the
helper answers every line in Python (the same answers). The module carries the SHA-256 of
the source it was built from: fastpath.py ignores a module built from another version,
and this script rebuilds only when that hash changes.
"""

import hashlib
import importlib.util
import os
import shlex
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "esafety" / "engine" / "urls"
SOURCE = PACKAGE / "_fastpath.c"
TARGET = PACKAGE / "_fastpath.abi3.so"


def built_from(path: Path) -> str | None:
    """The SOURCE_SHA256 of the compiled module at `path`, None if it does not load."""
    try:
        spec = importlib.util.spec_from_file_location("_fastpath", path)
        if spec is None or spec.loader is None:
            return None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return str(module.SOURCE_SHA256)
    except Exception:  # noqa: BLE001 - a broken or foreign file: build it again
        return None


def main(argv: list[str]) -> int:
    quiet = "--quiet" in argv
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    if TARGET.exists() and built_from(TARGET) == digest:
        return 0
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    flags = ["-O2", "-fPIC", "-shared", "-Wall", "-Werror", f"-DSOURCE_SHA256=\"{digest}\"",
             "-I", sysconfig.get_paths()["include"]]
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / TARGET.name
        try:
            result = subprocess.run([*compiler, *flags, str(SOURCE), "-o", str(built)],
                                    capture_output=True, text=True)
        except OSError as exc:
            print(f"esafety: no C compiler ({exc}); the Squid helper answers without "
                  "_fastpath (same answers, slower)", file=sys.stderr)
            return 0
        if result.returncode != 0:
            print("esafety: _fastpath.c did not compile; the Squid helper answers without "
                  "it (same answers, slower):\n" + result.stderr, file=sys.stderr)
            return 0
        os.replace(built, TARGET)  # whole or not at all, even if a test is importing it
    if not quiet:
        print(f"esafety: built {TARGET.relative_to(PACKAGE.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
