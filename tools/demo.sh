#!/usr/bin/env bash
# The main job on the embedded default: sets up if needed, then runs cim-nix against real
# example flakes with the default SQLite event store ($XDG_STATE_HOME/cim-nix/events.sqlite):
# checks the machine, creates a package flake and a local input, locks and checks it, builds the
# package, evaluates an expression, writes a module and an overlay, creates and activates a NixOS
# configuration stand-in on a temporary profile, then shows the input graph and the event log.
# Usage: bash tools/demo.sh [DIR]   (default: a new directory under /tmp)
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null 2>&1 || bash tools/setup.sh
export PATH="$PATH:/usr/sbin"
# This machine has no network: builds must not wait for cache.nixos.org.
export NIX_CONFIG="${NIX_CONFIG:-substituters =}"

dir=${1:-$(mktemp -d /tmp/cim-nix-demo.XXXXXX)}
mkdir -p "$dir"
# Modules and overlays are recorded by name: give this run's their own.
name="greeter$(date +%s)"
cim() { printf '\n\033[1m$ cim-nix %s\033[0m\n' "$*"; node tools/run-cli.mjs "$@"; }

cim doctor
cim flake create "$dir/greeting" --template package --description "a local input"
cim flake create "$dir/app" --template package --description "the demo application"
cim flake add-input "$dir/app" greeting "path:$dir/greeting"
cim flake check "$dir/app"
cim build "path:$dir/app" --out-link "$dir/result"
"$dir/result/bin/hello"
cim eval 'builtins.concatStringsSep ", " [ "cim" "nix" ]'
cim module create "$dir/modules/greeter.nix" --name "$name" --option services.greeter.enable:bool=false --option services.greeter.port:port=8080
cim overlay create "$dir/overlays/greeter.nix" --name "$name" --add greeter=./pkgs/greeter.nix
cim config create "$dir/fleet" --host demo-host
cim config activate "$dir/fleet" --host demo-host --mode switch --profile "$dir/profiles/system"
cim config generations --profile "$dir/profiles/system"
cim flake graph "$dir/app" --format mermaid
cim flake show "$dir/app"
cim events --limit 50

printf '\nEverything the demo made is in %s; the events are in %s.\n' "$dir" \
  "${XDG_STATE_HOME:-$HOME/.local/state}/cim-nix/events.sqlite"
