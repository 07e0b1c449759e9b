#!/usr/bin/env bash
# Side-by-side benchmark of powerhook's solver against dwave-samplers 1.8.0 (one table).
# Creates bench/.venv with the pinned peer from PyPI, builds powerhook in release mode, runs.
# Usage: bench/solver/run.sh            (env POWERHOOK_SHARED: the shared folder, default ../shared)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
shared="${POWERHOOK_SHARED:-$root/../shared}"
venv="$root/bench/.venv"

want='dwave-samplers==1.8.0 dimod==0.12.23'
if ! "$venv/bin/python" - <<'PY' 2>/dev/null
import importlib.metadata as m, sys
sys.exit(0 if m.version("dwave-samplers") == "1.8.0" and m.version("dimod") == "0.12.23" else 1)
PY
then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet $want
fi

(cd "$root" && cargo build --release --quiet)
exec "$venv/bin/python" "$here/compare.py" \
    --powerhook "$root/target/release/powerhook" --shared "$shared" "$@"
