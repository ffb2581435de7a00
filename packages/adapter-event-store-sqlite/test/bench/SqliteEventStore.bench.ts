/**
 * Benchmarks of the SQLite event store, printed as a Markdown section for BENCHMARKS.md
 * (run with `node tools/bench/event-store.mjs sqlite`):
 * - appends of 1, 10 and 100 events to one stream at their expected versions, one after the
 *   other, against the same rows inserted with the raw better-sqlite3 driver (a prepared
 *   single-row INSERT in a `BEGIN IMMEDIATE` transaction per batch) on the same schema and
 *   pragmas, with `synchronous = FULL` (the default) and `NORMAL`; rounds interleaved, medians;
 * - a replay of a 100,000-event domain history (`DomainHistory`): reading it back with the raw
 *   driver (the floor: rows and `JSON.parse`, no validation) and with the adapter, checking it
 *   as domain events (as the projectors read them), and rebuilding the read models into SQLite and into memory in turn
 *   (three times each: the first, after which the process has only read and checked the
 *   history once, and the median).
 * `CIM_NIX_BETTER_SQLITE3` is the driver's path (the launcher sets it); `BENCH_ROUNDS` (default 3)
 * and `BENCH_REPLAY_EVENTS` (default 100,000) scale it.
 */
import { Chunk, Context, DateTime, Duration, Effect, Layer, Stream } from "effect"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import * as Os from "node:os"
import { dirname, join } from "node:path"
import { EventStore, ProjectionRunner, ProjectionStore, ReadModels } from "@cim-nix/application"
import { DomainHistory, InMemoryProjectionStore, TestEvents } from "@cim-nix/application/testing"
import type { EventEnvelope } from "@cim-nix/domain"
import { SqliteDatabase, SqliteEventStore, SqliteProjectionStore } from "../../src/index.js"

interface RawDatabase {
  pragma(source: string): unknown
  prepare(sql: string): { run(...params: ReadonlyArray<unknown>): unknown; get(): Record<string, unknown> }
  transaction<A>(f: (rows: A) => void): { immediate(rows: A): void }
  close(): void
}
const driverPath = process.env["CIM_NIX_BETTER_SQLITE3"]
if (driverPath === undefined) throw new Error("CIM_NIX_BETTER_SQLITE3 is not set: run node tools/bench/event-store.mjs sqlite")
const Raw = createRequire(import.meta.url)(driverPath) as new (file: string) => RawDatabase
const driverVersion = (JSON.parse(readFileSync(join(dirname(dirname(driverPath)), "package.json"), "utf8")) as { version: string }).version

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const replayEvents = Number(process.env["BENCH_REPLAY_EVENTS"] ?? 100_000)
type Synchronous = "full" | "normal"
const plans: Record<Synchronous, ReadonlyArray<readonly [batch: number, appends: number]>> = {
  full: [[1, 300], [10, 200], [100, 60]],
  normal: [[1, 2000], [10, 600], [100, 150]]
}

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const seconds = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(body), ([duration, value]) => [Duration.toMillis(duration) / 1000, value] as const)
const rate = (events: number, s: number) => Math.round(events / s).toLocaleString("en-US")

const tempFile = Effect.acquireRelease(
  Effect.sync(() => mkdtempSync(join(Os.tmpdir(), "cim-nix-bench-sqlite-"))),
  (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
).pipe(Effect.map((dir) => join(dir, "events.sqlite")))

const stream = { aggregateType: "Package", aggregateId: "bench" }
const batchesOf = (batch: number, appends: number) => Array.from({ length: appends }, () => TestEvents.newEvents(stream, batch))

/** Seconds the adapter takes to append the batches one after the other, each at its expected version. */
const adapterAppends = (synchronous: Synchronous, batches: ReadonlyArray<ReadonlyArray<EventEnvelope.NewEvent>>) =>
  Effect.scoped(Effect.gen(function* () {
    const filename = yield* tempFile
    const store = Context.get(yield* Layer.build(SqliteEventStore.layerFile({ filename, synchronous })), EventStore.EventStore)
    const [s] = yield* seconds(Effect.forEach(batches, (events, i) => store.append(stream, events, i * events.length), { discard: true }))
    return s
  }))

/** Seconds the raw driver takes to insert the same rows, one transaction per batch, on the same schema and pragmas. */
const rawInserts = (synchronous: Synchronous, batches: ReadonlyArray<ReadonlyArray<EventEnvelope.NewEvent>>) =>
  Effect.scoped(Effect.gen(function* () {
    const filename = yield* tempFile
    yield* Effect.scoped(Layer.build(SqliteDatabase.layer({ filename })))
    const db = new Raw(filename)
    db.pragma("journal_mode = WAL")
    db.pragma(`synchronous = ${synchronous.toUpperCase()}`)
    const insert = db.prepare(
      "INSERT INTO events (position, event_id, aggregate_type, aggregate_id, version, type, occurred_at, correlation_id, causation_id, schema_version, payload) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    )
    const write = db.transaction((rows: ReadonlyArray<ReadonlyArray<unknown>>) => {
      for (const row of rows) insert.run(...row)
    })
    let n = 0
    const [s] = yield* seconds(Effect.sync(() => {
      for (const events of batches) {
        write.immediate(events.map((e) => {
          n++
          return [n, e.eventId, e.aggregateType, e.aggregateId, n, e.type, DateTime.formatIso(e.occurredAt), e.correlationId, e.causationId, e.schemaVersion, JSON.stringify(e.payload)]
        }))
      }
    }))
    db.close()
    return s
  }))

const appendTable = (synchronous: Synchronous) =>
  Effect.gen(function* () {
    const lines: Array<string> = []
    for (const [batch, appends] of plans[synchronous]) {
      const adapter: Array<number> = []
      const raw: Array<number> = []
      for (let r = 0; r < rounds; r++) {
        adapter.push(yield* adapterAppends(synchronous, batchesOf(batch, appends)))
        raw.push(yield* rawInserts(synchronous, batchesOf(batch, appends)))
      }
      const events = batch * appends
      const [a, b] = [median(adapter), median(raw)]
      lines.push(`| ${synchronous.toUpperCase()} | ${batch} | ${appends} | ${rate(events, a)} (${(a / appends * 1000).toFixed(2)} ms per append) | ${rate(events, b)} | ${(b / a).toFixed(2)}${b / a >= 0.5 ? "" : " (below 0.5)"} |`)
    }
    return lines
  })

/** Seconds the raw driver takes to read every row in pages of 1,000 and parse its payload and time: the floor of any replay. */
const rawReplay = (filename: string) => {
  const db = new Raw(filename)
  const page = db.prepare(
    "SELECT position, event_id, aggregate_type, aggregate_id, version, type, occurred_at, correlation_id, causation_id, schema_version, payload FROM events WHERE position >= ? ORDER BY position LIMIT 1000"
  ) as unknown as {
    raw(on: boolean): { all(from: number): Array<Array<unknown>> }
  }
  const rows = page.raw(true)
  const started = performance.now()
  let read = 0
  let checksum = 0
  for (let from = 1; ; from += 1000) {
    const found = rows.all(from)
    for (const row of found) {
      const payload = JSON.parse(String(row[10])) as object
      checksum += Object.keys(payload).length + new Date(String(row[6])).getTime() % 2
    }
    read += found.length
    if (found.length < 1000) break
  }
  const s = (performance.now() - started) / 1000
  db.close()
  if (read !== replayEvents || checksum === 0) throw new Error(`the raw read found ${read} of ${replayEvents} events`)
  return s
}

const replay = Effect.scoped(Effect.gen(function* () {
  const filename = yield* tempFile
  const database = yield* Layer.build(SqliteDatabase.layer({ filename, synchronous: "normal" }))
  const context = yield* Layer.build(
    Layer.merge(SqliteEventStore.layer(), SqliteProjectionStore.layer).pipe(Layer.provide(Layer.succeedContext(database)))
  )
  const store = Context.get(context, EventStore.EventStore)
  const [setup] = yield* seconds(DomainHistory.appendAll(store, DomainHistory.history(replayEvents)))
  const raw = rawReplay(filename)
  // The envelopes read here are dropped before the rebuilds, which run with the heap of a process that holds none.
  const [read, check] = yield* Effect.flatMap(seconds(Stream.runCollect(store.readAllEncoded({ batchSize: 1000 }))), ([read, all]) =>
    Effect.map(seconds(Effect.forEach(Chunk.toReadonlyArray(all), ReadModels.check, { discard: true })), ([check]) => {
      if (all.length !== replayEvents) throw new Error(`read ${all.length} of ${replayEvents} events`)
      return [read, check] as const
    }))
  const rebuild = (layer: Layer.Layer<ProjectionStore.ProjectionStore>) =>
    Effect.map(seconds(ProjectionRunner.rebuild(ReadModels.config).pipe(Effect.provide(layer), Effect.provide(context))), ([s, reached]) => {
      if (reached !== replayEvents) throw new Error(`replayed ${reached} of ${replayEvents} events`)
      return s
    })
  // Rebuilds into SQLite and into memory take turns; the first of each runs in a process that
  // has rebuilt nothing yet (it has read and checked the history once, above).
  const sqlite: Array<number> = []
  const memory: Array<number> = []
  for (let r = 0; r < 3; r++) {
    sqlite.push(yield* rebuild(Layer.succeedContext(context)))
    memory.push(yield* rebuild(InMemoryProjectionStore.layer))
  }
  const first = sqlite[0]!
  const verdict = replayEvents / first >= 100_000 ? "met" : "not met"
  return {
    verdict: `Rebuild target (100,000 events/s, first rebuild): ${verdict}. Reading and checking alone (\`readAllEncoded\`, then \`ReadModels.check\`) ` +
      `run at ${rate(replayEvents, read + check)} events/s here, a ceiling for any rebuild whatever the projectors and the store do; ` +
      `they take ${Math.round((read + check) / first * 100)}% of the first SQLite rebuild, the projectors, checking and writing the documents the rest. ` +
      `The raw driver's read of the same rows, with \`JSON.parse\` and \`new Date\` but no validation, takes ${(raw / replayEvents * 1e6).toFixed(1)} µs per event of the ${(1e6 / 100_000).toFixed(0)} µs the target allows.`,
    lines: [
      `| appending the history, one event per append at its expected version (${replayEvents} appends, NORMAL) | ${rate(replayEvents, setup)} |`,
      `| raw driver: the same rows read in pages of 1,000, payloads parsed, no validation (baseline) | ${rate(replayEvents, raw)} |`,
      `| \`readAllEncoded\` (envelopes checked in their JSON form, as rebuilds read them; pages of 1,000) | ${rate(replayEvents, read)} |`,
      `| checking the payloads as domain events (\`ReadModels.check\`, no typed values built) | ${rate(replayEvents, check)} |`,
      `| rebuilding the four read models into SQLite (\`ProjectionRunner.rebuild\`, its default commits: every second or 100,000 events): the process's first rebuild (after the read and check above) | **${rate(replayEvents, first)}** |`,
      `| the same, median of 3 rebuilds in one process | ${rate(replayEvents, median(sqlite))} |`,
      `| rebuilding the four read models into memory: the first, and the median of 3 | ${rate(replayEvents, memory[0]!)}, ${rate(replayEvents, median(memory))} |`
    ]
  }
}))

const cpuModel = () => {
  try {
    return /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? Os.cpus()[0]?.model ?? "?"
  } catch {
    return Os.cpus()[0]?.model ?? "?"
  }
}

const program = Effect.gen(function* () {
  const sqliteVersion = (() => {
    const db = new Raw(":memory:")
    const version = String(db.prepare("SELECT sqlite_version() AS v").get()["v"])
    db.close()
    return version
  })()
  const full = yield* appendTable("full")
  const normal = yield* appendTable("normal")
  const replayed = yield* replay
  const load = Os.loadavg().map((l) => l.toFixed(1)).join(", ")
  return [
    "## Event store on SQLite (adapter-event-store-sqlite)",
    "",
    `Run with \`node tools/bench/event-store.mjs sqlite\` (a few minutes). Measured ${new Date().toISOString().slice(0, 10)} on`,
    `${Os.cpus().length} cores (\`nproc\`) of ${cpuModel()}, ${(Os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version},`,
    `better-sqlite3 ${driverVersion} (SQLite ${sqliteVersion}), WAL, files in ${Os.tmpdir()};`,
    `load average ${load} at the end (other jobs share the machine: compare columns of one run, not runs).`,
    "",
    `Appends to one stream, one after the other, each at its expected version; raw = the same rows with`,
    `better-sqlite3 directly (serialized the same way, prepared single-row INSERT, one \`BEGIN IMMEDIATE\``,
    `transaction per batch, no checks). Medians of ${rounds} interleaved rounds, each on a new file. Target: at`,
    "least half the raw rate.",
    "",
    "| synchronous | events per append | appends | adapter, events/s | raw driver, events/s | adapter / raw |",
    "| --- | --- | --- | --- | --- | --- |",
    ...full,
    ...normal,
    "",
    `Replay of a ${replayEvents.toLocaleString("en-US")}-event domain history (\`DomainHistory\`: 100 flakes, 50 configurations,`,
    "builds of 500 packages, checks, lock updates, activations) from one file; reads once, then rebuilds into SQLite and into memory in turn, three times each. Target: rebuilding",
    "the read models at 100,000 events/s or more.",
    "",
    "| step | events/s |",
    "| --- | --- |",
    ...replayed.lines,
    "",
    replayed.verdict
  ].join("\n")
})

Effect.runPromise(program).then(
  (markdown) => process.stdout.write(`${markdown}\n`),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
