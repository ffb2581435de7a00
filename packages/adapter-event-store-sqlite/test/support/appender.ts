/**
 * A child process appending to a SQLite event store, driven by the two-process and crash
 * tests. `node child.mjs <file> <mode> <count>`, one JSON line on stdout per step:
 * - `race`: prints {"ready"}, waits for a line on stdin, appends `count` events to stream
 *   Race/shared expecting no stream, prints {"ok": [first, last version]} or {"conflict": actual}.
 * - `retry`: appends `count` single events to Retry/shared, each retried on conflicts,
 *   prints {"ids": [...], "conflicts": n}.
 * - `big`: prints {"appending"}, appends `count` events in one call, prints {"done"}.
 */
import { Effect, Either } from "effect"
import { EventStore } from "@cim-nix/application"
import { TestEvents } from "@cim-nix/application/testing"
import { SqliteEventStore } from "../../src/index.js"

const [filename, mode, count] = process.argv.slice(2) as [string, string, string]
const n = Number(count)
const say = (line: object) => Effect.sync(() => process.stdout.write(`${JSON.stringify(line)}\n`))
const waitForGo = Effect.async<void>((resume) => {
  process.stdin.once("data", () => resume(Effect.void))
})

const program = Effect.gen(function* () {
  const store = yield* EventStore.EventStore
  if (mode === "race") {
    const stream = { aggregateType: "Race", aggregateId: "shared" }
    const events = TestEvents.newEvents(stream, n)
    yield* say({ ready: true })
    yield* waitForGo
    const result = yield* Effect.either(store.append(stream, events, "no-stream"))
    if (Either.isRight(result)) return yield* say({ ok: [result.right[0]!.version, result.right[n - 1]!.version] })
    if (result.left._tag !== "ConcurrencyConflict") return yield* result.left
    return yield* say({ conflict: result.left.actualVersion })
  }
  if (mode === "retry") {
    const stream = { aggregateType: "Retry", aggregateId: "shared" }
    const ids: Array<string> = []
    let conflicts = 0
    for (let i = 0; i < n; i++) {
      const events = TestEvents.newEvents(stream, 1)
      for (;;) {
        const version = (yield* store.readStream(stream)).length
        const result = yield* Effect.either(store.append(stream, events, version))
        if (Either.isRight(result)) break
        if (result.left._tag !== "ConcurrencyConflict") return yield* result.left
        conflicts++
      }
      ids.push(events[0]!.eventId)
    }
    return yield* say({ ids, conflicts })
  }
  const stream = { aggregateType: "Big", aggregateId: "batch" }
  const events = TestEvents.newEvents(stream, n)
  yield* say({ appending: true })
  yield* store.append(stream, events, "any")
  return yield* say({ done: true })
})

Effect.runPromise(program.pipe(Effect.provide(SqliteEventStore.layerFile({ filename })))).then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
