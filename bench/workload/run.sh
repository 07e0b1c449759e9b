#!/usr/bin/env bash
# Workload analyzer scan cost (500 fixture processes on a fake root, and the live /proc).
# Prints a markdown table; see docs/workload.md for the figures and how they were taken.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo bench --bench workload
