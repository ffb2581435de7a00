#!/usr/bin/env bash
# The main job on the embedded default: setup if needed, then cim-nix against a real example
# flake with the default SQLite event store.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh >/dev/null 2>&1 || bash tools/setup.sh
export PATH="$PATH:/usr/sbin"
node tools/run-cli.mjs doctor
