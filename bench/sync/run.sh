#!/usr/bin/env bash
# The sync catch-up benchmark: our uploader vs one row per request vs COPY, one table.
# Needs PostgreSQL 15 and PostgREST 12.0.2 (installed by scripts/deps/sync.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps/sync.sh >/dev/null
cargo bench --bench sync_catchup "$@"
