#!/usr/bin/env bash
# Sourced by the other scripts: makes sure uv is there and the project's environment is in sync.
# Defines `uvx_` (uv run through the interpreter, so it works whether or not uv's folder is on PATH).
export UV_PYTHON_DOWNLOADS=never
if ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv_() { python3 -m uv "$@"; }
# Compiled once here, not in every process: where PYTHONDONTWRITEBYTECODE is set (as on
# CI machines) each start of Python would otherwise compile Django, numpy and esafety anew
# (`esafety help` 1.6 s against 0.8 s; the tests start hundreds of such processes).
uv_ sync --frozen --quiet --compile-bytecode
uv_ run --quiet python -m compileall -q esafety >/dev/null
# The Squid helper's optional compiled fast path (same answers without it).
uv_ run --quiet python scripts/build_fastpath.py --quiet
