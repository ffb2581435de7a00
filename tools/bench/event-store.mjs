// Benchmarks of the SQLite and NATS JetStream event stores (the *.bench.ts files under
// packages/adapter-event-store-{sqlite,nats}/test/bench), each against its raw driver in the same
// run; writes the "event-store-sqlite" and "event-store-nats" sections of BENCHMARKS.md. Usage:
// node tools/bench/event-store.mjs [sqlite] [nats] [--no-write]   (both when none is named;
// BENCH_ROUNDS=n, BENCH_REPLAY_EVENTS=n scale them; the NATS one starts its own nats-server
// unless CIM_NIX_TEST_NATS_URL is set)
import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { betterSqlite3Path, bundle } from "./event-store-bundle.mjs"
import { writeSection } from "./report.mjs"

const root = join(import.meta.dirname, "..", "..")
const benches = {
  sqlite: "packages/adapter-event-store-sqlite/test/bench/SqliteEventStore.bench.ts",
  nats: "packages/adapter-event-store-nats/test/bench/NatsEventStore.bench.ts"
}
const named = Object.keys(benches).filter((name) => process.argv.includes(name))

for (const name of named.length === 0 ? Object.keys(benches) : named) {
  const dir = mkdtempSync(join(tmpdir(), "cim-nix-bench-"))
  try {
    const outfile = join(dir, `${name}.bench.mjs`)
    await bundle(join(root, benches[name]), outfile)
    const run = spawnSync(process.execPath, [outfile], {
      stdio: ["ignore", "pipe", "inherit"],
      encoding: "utf8",
      maxBuffer: 1 << 24,
      env: { ...process.env, CIM_NIX_BETTER_SQLITE3: betterSqlite3Path }
    })
    if (run.status !== 0) process.exit(run.status ?? 1)
    process.stdout.write(run.stdout)
    if (!process.argv.includes("--no-write")) writeSection(`event-store-${name}`, run.stdout)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
