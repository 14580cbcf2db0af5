#!/usr/bin/env bash
# Sourced by the other scripts: makes sure uv is there and the project's environment is in sync.
# Defines `uvx_` (uv run through the interpreter, so it works whether or not uv's folder is on PATH).
export UV_PYTHON_DOWNLOADS=never
if ! python3 -m uv --version >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv_() { python3 -m uv "$@"; }
uv_ sync --frozen --quiet
# The Squid helper's optional compiled fast path (same answers without it).
uv_ run --quiet python scripts/build_fastpath.py --quiet
