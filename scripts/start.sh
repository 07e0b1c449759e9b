#!/usr/bin/env bash
# Install what is missing, build, and start powerhook: the headless agent (the tray app is
# not built yet; see the README). SQLite is built in; sync stays off until configured.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps/lib.sh
need_packages gcc libc6-dev
need_rust
cargo build --release --bin powerhook
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  echo "powerhook: a display is present, but the tray app is not built yet; starting the headless agent" >&2
fi
exec target/release/powerhook daemon "$@"
