#!/usr/bin/env bash
# Sourced by the other scripts: makes sure uv is there and the project's environment is in sync.
# Usage: source scripts/python-env.sh [--no-dev]
set -euo pipefail
export UV_PYTHON_DOWNLOADS=never
if ! command -v uv >/dev/null 2>&1; then
  python3 -m pip install --quiet --disable-pip-version-check uv
fi
uv sync --frozen --quiet "$@"
