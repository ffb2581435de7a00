#!/usr/bin/env bash
# One-time (and idempotent) setup of a Debian/Ubuntu machine for cim-domain-nix:
# pnpm 12.4.2, Debian's nix-bin (Nix 2.8), nats-server, PostgreSQL's server programs (the tests
# start throwaway servers with them: tools/vitest/postgres.mjs), then `pnpm install --frozen-lockfile`.
# Runs as root or with sudo. Prints each step; fails with a clear message when a step cannot be done.
# The project passes `--extra-experimental-features 'nix-command flakes'` on every nix call, so
# /etc/nix/nix.conf and the user's ~/.config/nix are left untouched.
set -euo pipefail

PNPM_VERSION=12.4.2
cd "$(dirname "$0")/.."

step() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
ok() { printf '    %s\n' "$*" >&2; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null 2>&1; then sudo "$@"
  else die "need root to run: $* (run this script as root or install sudo)"
  fi
}

apt_updated=""
apt_install() {
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install $* by hand (this script supports Debian/Ubuntu)"
  if [ -z "$apt_updated" ]; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed: check the machine's Debian mirror"
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
    || die "could not install $* with apt-get: check the Debian mirror, or install it by hand"
}

step "Node.js"
command -v node >/dev/null 2>&1 || die "node not found: install Node.js 20 or newer first"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || die "Node.js $(node --version) is too old: version 20 or newer is needed"
ok "node $(node --version)"

step "pnpm $PNPM_VERSION"
if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  ok "installing pnpm@$PNPM_VERSION with npm"
  as_root npm install -g --silent "pnpm@$PNPM_VERSION" >/dev/null || die "npm install -g pnpm@$PNPM_VERSION failed"
  hash -r
fi
[ "$(pnpm --version 2>/dev/null || true)" = "$PNPM_VERSION" ] || die "pnpm $PNPM_VERSION is not first on PATH (found: $(command -v pnpm || echo none))"
ok "pnpm $(pnpm --version)"

step "Nix"
if ! command -v nix >/dev/null 2>&1; then
  ok "installing Debian's nix-bin"
  apt_install nix-bin
fi
ok "$(nix --version)"
# Single-user mode as root needs the store and state directories; Debian's package creates them
# on first use, but make sure they are writable before the first test runs.
if [ "$(id -u)" = 0 ]; then mkdir -p /nix/store /nix/var/nix/profiles /nix/var/nix/gcroots; fi
nix --extra-experimental-features 'nix-command flakes' eval --expr '1 + 1' >/dev/null \
  || die "nix is installed but cannot evaluate: run 'nix --extra-experimental-features \"nix-command flakes\" eval --expr \"1 + 1\"' to see why"
ok "nix-command and flakes work"

step "nats-server"
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  ok "installing Debian's nats-server"
  apt_install nats-server
fi
ok "$(PATH="$PATH:/usr/sbin" nats-server --version)"

step "PostgreSQL (initdb and pg_ctl, for the tests' throwaway servers)"
initdb_path() { command -v initdb 2>/dev/null || ls /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(initdb_path)" ]; then
  ok "installing Debian's postgresql"
  apt_install postgresql
fi
[ -n "$(initdb_path)" ] || die "initdb not found after installing postgresql: install PostgreSQL's server programs by hand, or set CIM_NIX_TEST_POSTGRES_URL for the tests"
# initdb and postgres refuse to run as root: as root the tests run them as the postgres user.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  die "the postgres user is missing (the tests run initdb as it when run as root): reinstall Debian's postgresql-common"
fi
ok "$("$(initdb_path)" --version)"

step "pnpm install --frozen-lockfile"
# better-sqlite3 compiles against the local Node headers; pnpm only reads nodedir from the environment.
export npm_config_nodedir=${npm_config_nodedir:-/usr}
[ -f "$npm_config_nodedir/include/node/node.h" ] || ok "warning: no Node headers in $npm_config_nodedir/include/node (native builds may fail; install nodejs headers or set npm_config_nodedir)"
export NX_DAEMON=false NX_NO_CLOUD=true
pnpm install --frozen-lockfile --reporter=append-only >&2 || die "pnpm install failed (see above)"
ok "dependencies installed"
step "setup done"
