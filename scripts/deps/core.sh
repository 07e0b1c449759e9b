#!/usr/bin/env bash
# What the core's tests need: a C compiler (bundled SQLite), a D-Bus daemon, and
# python-dbusmock for the system python (Debian's package, used as /usr/bin/python3).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
need_packages gcc libc6-dev dbus python3 python3-dbusmock
