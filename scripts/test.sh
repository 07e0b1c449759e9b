#!/usr/bin/env bash
# Install what the tests need, then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps/lib.sh
need_rust
for deps in scripts/deps/*.sh; do
  [ "$(basename "$deps")" = lib.sh ] && continue
  bash "$deps"
done
cargo test --all-features --locked "$@"
