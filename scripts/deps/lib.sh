# Shared by the install scripts: install Debian/Ubuntu packages that are missing, once.
# Usage: . scripts/deps/lib.sh; need_packages pkg1 pkg2 ...

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# One `apt-get update` per run of the scripts, also across the child scripts test.sh starts:
# the first shell that sources this file names a stamp file (exported, removed at its exit),
# and the first install anywhere below it creates the file after updating.
if [ -z "${POWERHOOK_APT_STAMP:-}" ]; then
  POWERHOOK_APT_STAMP="$(mktemp -u -t powerhook-apt.XXXXXX)"
  export POWERHOOK_APT_STAMP
  trap 'rm -f "$POWERHOOK_APT_STAMP"' EXIT
fi

# Install these packages (no check).
install_packages() {
  [ $# -eq 0 ] && return 0
  echo "installing: $*" >&2
  if [ ! -e "$POWERHOOK_APT_STAMP" ]; then
    as_root apt-get update -qq
    : > "$POWERHOOK_APT_STAMP"
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# Install the packages that dpkg does not list as installed.
need_packages() {
  local missing=()
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  install_packages "${missing[@]}"
}

need_rust() {
  if ! command -v cargo >/dev/null; then
    [ -x "$HOME/.cargo/bin/cargo" ] || {
      need_packages curl ca-certificates
      curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --component clippy,rustfmt
    }
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
}
