/**
 * Benchmarks of the PostgreSQL event store against plain INSERTs of the same rows through the
 * same driver (`@effect/sql-pg`, one autocommitted multi-row INSERT per batch, no lock, no
 * checks), interleaved in the same run on a database of its own:
 * - appends of 1, 10 and 100 events to one stream, each at its expected version, one after
 *   the other;
 * - four writers appending batches of 10 to four streams at once (the table lock serializes
 *   the adapter's appends);
 * - reading everything back: `readAll` (decoded envelopes) vs a plain SELECT of the rows.
 * Prints a Markdown section. Run with `node tools/bench/event-store-postgres.mjs`, which writes
 * it into BENCHMARKS.md; the server is `CIM_NIX_TEST_POSTGRES_URL` (src/testing.ts).
 */
import * as PgClient from "@effect/sql-pg/PgClient"
import { Context, DateTime, Duration, Effect, Layer, Redacted, Stream } from "effect"
import * as Os from "node:os"
import { EventStore } from "@cim-nix/application"
import { TestEvents } from "@cim-nix/application/testing"
import { PostgresEventStore } from "../../src/index.js"
import { newDatabase, withDatabase } from "../../src/testing.js"

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const sequential: ReadonlyArray<readonly [batch: number, appends: number]> = [[1, 300], [10, 200], [100, 60]]
const writers = 4
const concurrentAppends = 50

const database = newDatabase("cim_nix_bench")
let schemas = 0

/** Seconds `body` takes. */
const seconds = <E, R>(body: Effect.Effect<unknown, E, R>) =>
  Effect.map(Effect.timed(body), ([duration]) => Duration.toMillis(duration) / 1000)

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

/** `appends` batches of `batch` new events for each of `streams` streams. */
const workload = (streams: number, batch: number, appends: number) =>
  Array.from({ length: streams }, (_, s) => {
    const stream = { aggregateType: "Flake", aggregateId: `bench-${s}` }
    return { stream, batches: Array.from({ length: appends }, () => TestEvents.newEvents(stream, batch)) }
  })

type Workload = ReturnType<typeof workload>

/** A store on a new schema; the schema's table also takes the plain INSERTs. */
const freshStore = Effect.gen(function* () {
  const schema = `bench_${schemas++}`
  const context = yield* Layer.build(PostgresEventStore.layer({ url: database.url, schema }))
  return { schema, store: Context.get(context, EventStore.EventStore) }
})

/** Seconds `store` takes to append `work`. */
const append = (store: EventStore.Service, work: Workload) =>
  seconds(Effect.forEach(
    work,
    ({ batches, stream }) => Effect.forEach(batches, (events, i) => store.append(stream, events, i * events.length)),
    { concurrency: "unbounded" }
  ))

/** Seconds a new store takes to append `work`; the store is closed afterwards (its listener too). */
const adapterAppends = (work: Workload) => Effect.scoped(Effect.flatMap(freshStore, ({ store }) => append(store, work)))

const columns = "position, event_id, aggregate_type, aggregate_id, version, type, occurred_at, correlation_id, causation_id, schema_version, payload"

const plainAppends = (work: Workload) =>
  Effect.scoped(Effect.gen(function* () {
    const sql = yield* PgClient.PgClient
    const { schema } = yield* freshStore
    let position = 0
    const rows = work.map(({ batches }) =>
      batches.map((events, i) =>
        events.flatMap((e, j) => [
          ++position,
          e.eventId,
          e.aggregateType,
          e.aggregateId,
          i * events.length + j + 1,
          e.type,
          DateTime.formatIso(e.occurredAt),
          e.correlationId,
          e.causationId,
          e.schemaVersion,
          JSON.stringify(e.payload)
        ])))
    const insert = (params: ReadonlyArray<unknown>) => {
      const values = Array.from({ length: params.length / 11 }, (_, r) =>
        `(${Array.from({ length: 11 }, (_, c) => `$${r * 11 + c + 1}`).join(", ")})`)
      return sql.unsafe(`INSERT INTO ${schema}.events (${columns}) VALUES ${values.join(", ")}`, params)
    }
    return yield* seconds(Effect.forEach(rows, (batches) => Effect.forEach(batches, insert), { concurrency: "unbounded" }))
  }))

const eventCount = (work: Workload) => work.reduce((n, { batches }) => n + batches.flat().length, 0)

const rate = (events: number, time: number) => `${Math.round(events / time).toLocaleString("en-US")} events/s`

/** Runs each measurement `rounds` times, adapter and plain interleaved; returns the medians. */
const compare = <E1, E2, R1, R2>(adapter: Effect.Effect<number, E1, R1>, plain: Effect.Effect<number, E2, R2>) =>
  Effect.map(
    Effect.replicateEffect(Effect.all([adapter, plain]), rounds),
    (runs) => [median(runs.map(([a]) => a)), median(runs.map(([, p]) => p))] as const
  )

const main = Effect.gen(function* () {
  const sql = yield* PgClient.PgClient
  const [settings] = yield* sql.unsafe<{ version: string; fsync: string; commit: string }>(
    "SELECT current_setting('server_version') AS version, current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS commit"
  )
  const lines: Array<string> = []
  const row = (workload: string, [adapter, plain]: readonly [number, number], events: number, appends?: number) => {
    const perAppend = (time: number) => appends === undefined ? "" : ` (${(time / appends * 1000).toFixed(2)} ms per batch)`
    lines.push(`| ${workload} | ${rate(events, adapter)}${perAppend(adapter)} | ${rate(events, plain)}${perAppend(plain)} | ${(adapter / plain).toFixed(2)}x |`)
  }

  for (const [batch, appends] of sequential) {
    const work = workload(1, batch, appends)
    const times = yield* compare(adapterAppends(work), plainAppends(work))
    row(`appends of ${batch} event${batch === 1 ? "" : "s"} to one stream, one after the other (${appends})`, times, batch * appends, appends)
  }

  const concurrent = workload(writers, 10, concurrentAppends)
  row(
    `${writers} writers at once, batches of 10 to their own streams (${writers} x ${concurrentAppends})`,
    yield* compare(adapterAppends(concurrent), plainAppends(concurrent)),
    eventCount(concurrent)
  )

  const [batch, appends] = sequential[sequential.length - 1]!
  const { schema, store } = yield* freshStore
  yield* append(store, workload(1, batch, appends))
  row(
    `reading ${(batch * appends).toLocaleString("en-US")} events back (\`readAll\`, decoded, vs a plain SELECT)`,
    yield* compare(
      seconds(Stream.runDrain(store.readAll())),
      seconds(sql.unsafe(`SELECT ${columns} FROM ${schema}.events ORDER BY position`))
    ),
    batch * appends
  )

  const cpus = Os.cpus()
  return [
    "## Event store on PostgreSQL (adapter-event-store-postgres)",
    "",
    `Run with \`node tools/bench/event-store-postgres.mjs\` (about a minute; needs the PostgreSQL server of the tests). Measured`,
    `${new Date().toISOString().slice(0, 10)} with PostgreSQL ${settings!.version} on 127.0.0.1 (fsync ${settings!.fsync}, synchronous_commit`,
    `${settings!.commit}), Node ${process.version}, ${cpus.length} cores (${cpus[0]?.model.trim()}), load average ${Os.loadavg()[0]!.toFixed(1)} at the end;`,
    `medians of ${rounds} interleaved rounds, each on a new schema. Plain = the same rows in one autocommitted multi-row`,
    "`INSERT` per batch through the same driver (`@effect/sql-pg`), without the adapter's lock, checks and notification.",
    "",
    "| workload | adapter | plain INSERT / SELECT | adapter time / plain time |",
    "| --- | --- | --- | --- |",
    ...lines
  ].join("\n")
})

const program = Effect.scoped(Effect.gen(function* () {
  yield* withDatabase(database.name)
  return yield* Effect.provide(main, PgClient.layer({ url: Redacted.make(database.url) }))
}))

Effect.runPromise(program).then((section) => console.log(section))
