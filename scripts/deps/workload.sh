#!/usr/bin/env bash
# System packages for the workload tests (tests/workload_live.rs): Debian's python3 with numpy,
# which maps a BLAS/LAPACK library when it multiplies matrices. Idempotent; Debian 12, as root.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

need=()
[ -x /usr/bin/python3 ] || need+=(python3)
/usr/bin/python3 -c 'import numpy' 2>/dev/null || need+=(python3-numpy)

install_packages "${need[@]}"
