#!/usr/bin/env bash
# The whole check: setup if needed, then lint, typecheck, build and every test (unit and
# integration, with real nix, SQLite and a nats-server the tests start themselves).
# `.ci/run` calls exactly this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/setup.sh
export NX_DAEMON=false NX_NO_CLOUD=true NX_TUI=false NX_SKIP_NX_CACHE=${NX_SKIP_NX_CACHE:-false}
export PATH="$PATH:/usr/sbin"
pnpm exec nx run-many -t lint typecheck build test --parallel=2 --outputStyle=stream
