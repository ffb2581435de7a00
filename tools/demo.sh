#!/usr/bin/env bash
# The main job on the embedded default: sets up if needed, then runs `cim-nix demo` against real
# example flakes with the default SQLite event store ($XDG_STATE_HOME/cim-nix/events.sqlite):
# checks the machine, creates a package flake and a local input, locks and checks it, builds the
# package, evaluates an expression, writes a module and an overlay, creates and activates a NixOS
# configuration stand-in on a temporary profile, then shows the input graph and the event log.
# Usage: bash tools/demo.sh [DIR] [cim-nix demo options, e.g. --json]
#        (DIR: new or empty; default: a new directory under the temp dir)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null 2>&1 || bash tools/setup.sh
export PATH="$PATH:/usr/sbin"
# This machine has no network: builds must not wait for cache.nixos.org.
export NIX_CONFIG="${NIX_CONFIG:-substituters =}"

args=()
if [[ $# -gt 0 && $1 != -* ]]; then args=(--dir "$1"); shift; fi
exec node tools/run-cli.mjs demo "${args[@]}" "$@"
