#!/usr/bin/env bash
# Runs the test identity provider (devidp/) on loopback: tests and demo only, never production.
#   bash scripts/oidc-provider.sh --port 8900 --style entra --data esafety-data/devidp
#   bash scripts/oidc-provider.sh adduser --data esafety-data/devidp --password secret \
#        --claim preferred_username=t.teach@hollinspark.sch.uk
# Everything after the script name goes to `python -m devidp` (see devidp/README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/python-env.sh
exec python3 -m uv run python -m devidp "$@"
