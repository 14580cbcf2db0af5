"""Compiles the classifier's optional C scoring (esafety/engine/messages/_speedups.c) in place.

    python scripts/build_speedups.py [--quiet]

Run by scripts/python-env.sh, so `bash scripts/demo` and `bash scripts/test` build it, and by
tests/conftest.py at the start of every test run, so `uv run pytest` on a fresh clone does. Uses
the interpreter's own compiler settings (sysconfig) and the C compiler and Python headers
a machine of this kind has; without them it says so and exits 0, and the classifier scores
with numpy or pure Python instead (the same answers, within 1e-9). The module carries the
SHA-256 of the source it was built from: classifier.py ignores a module built from another
version of the source, and this script rebuilds only when that hash changes.
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

PACKAGE = Path(__file__).resolve().parent.parent / "esafety" / "engine" / "messages"
SOURCE = PACKAGE / "_speedups.c"


def built_from(path: Path) -> str | None:
    """The SOURCE_SHA256 of the compiled module at `path`, None if it does not load."""
    try:
        spec = importlib.util.spec_from_file_location("_speedups", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.SOURCE_SHA256
    except Exception:  # noqa: BLE001 - a broken or foreign file: build it again
        return None


def main(argv: list[str]) -> int:
    quiet = "--quiet" in argv
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()
    target = PACKAGE / ("_speedups" + sysconfig.get_config_var("EXT_SUFFIX"))
    if target.exists() and built_from(target) == digest:
        return 0
    compiler = shlex.split(sysconfig.get_config_var("CC") or "cc")
    flags = ["-O2", "-fPIC", "-shared", "-Wall", "-Werror", f"-DSOURCE_SHA256=\"{digest}\"",
             "-I", sysconfig.get_paths()["include"]]
    with tempfile.TemporaryDirectory() as tmp:
        built = Path(tmp) / target.name
        try:
            result = subprocess.run([*compiler, *flags, str(SOURCE), "-o", str(built), "-lm"],
                                    capture_output=True, text=True)
        except OSError as exc:
            print(f"esafety: no C compiler ({exc}); the classifier scores without "
                  "_speedups (same answers, slower)", file=sys.stderr)
            return 0
        if result.returncode != 0:
            print("esafety: _speedups.c did not compile; the classifier scores without it "
                  "(same answers, slower):\n" + result.stderr, file=sys.stderr)
            return 0
        os.replace(built, target)  # whole or not at all, even if a test is importing it
    if not quiet:
        print(f"esafety: built {target.relative_to(PACKAGE.parent.parent.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
