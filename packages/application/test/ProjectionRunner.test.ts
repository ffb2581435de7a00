import { describe, expect, it } from "@effect/vitest"
import { Cause, Effect, Either, Exit, FastCheck as fc, Fiber, Layer, Option, ParseResult, Schedule, Schema } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import * as EventStore from "../src/ports/EventStore.js"
import * as Projection from "../src/projections/Projection.js"
import * as ProjectionRunner from "../src/projections/ProjectionRunner.js"
import * as ProjectionStore from "../src/projections/ProjectionStore.js"
import { InMemoryEventStore, InMemoryProjectionStore, TestEvents } from "../src/testing/index.js"

type Event = { readonly index: number }

const check = (envelope: EventEnvelope.Encoded) =>
  envelope.type === "Poison"
    ? Either.left(new EventStore.CorruptEvent({ store: "test", position: envelope.position, reason: "poison", message: "poison", hint: "none" }))
    : Either.right({ index: (envelope.payload as { index: number }).index })

const Count = Schema.Struct({ count: Schema.Number, indices: Schema.Array(Schema.Number), lastPosition: Schema.Number })
const perStream: Projection.Projection<typeof Count.Type, typeof Count.Encoded, Event> = {
  name: "per-stream",
  version: 1,
  document: Count,
  keys: (_, envelope) => [envelope.aggregateId],
  apply: Projection.eachEvent((doc: Option.Option<typeof Count.Encoded>, event: Event, envelope) =>
    Option.some({
      count: Option.match(doc, { onNone: () => 1, onSome: (d) => d.count + 1 }),
      indices: [...Option.match(doc, { onNone: () => [], onSome: (d) => d.indices }), event.index],
      lastPosition: envelope.position
    }))
}
/** Two documents per event (by type and overall), and odd indices remove the per-type one. */
const Total = Schema.Struct({ n: Schema.Number })
const perType: Projection.Projection<typeof Total.Type, typeof Total.Encoded, Event> = {
  name: "per-type",
  version: 1,
  document: Total,
  keys: (_, envelope) => [`type:${envelope.type}`, "all"],
  apply: Projection.eachEvent((doc: Option.Option<typeof Total.Encoded>, event: Event, _, key) =>
    key !== "all" && event.index % 3 === 2 ? Option.none() : Option.some({ n: Option.match(doc, { onNone: () => 1, onSome: (d) => d.n + 1 }) }))
}
const projections = [perStream, perType]

const streams = [
  { aggregateType: "Flake", aggregateId: "a" },
  { aggregateType: "Flake", aggregateId: "b" },
  { aggregateType: "Package", aggregateId: "c" }
]

const readModel = Effect.gen(function* () {
  const store = yield* ProjectionStore.ProjectionStore
  return yield* Effect.forEach(projections, (p) =>
    Effect.all([store.checkpoint(p.name), store.list(p.name, { limit: 100_000 })]))
})

const appendPlan = (plan: ReadonlyArray<readonly [number, number]>) =>
  Effect.flatMap(EventStore.EventStore, (s) =>
    Effect.forEach(plan, ([which, count]) => s.append(streams[which]!, TestEvents.newEvents(streams[which]!, count), "any")))

const stores = Layer.merge(InMemoryEventStore.layer, InMemoryProjectionStore.layer)

/** The in-memory projection store, counting its commits. */
const counted = (commits: { n: number }) =>
  Layer.effect(
    ProjectionStore.ProjectionStore,
    Effect.map(InMemoryProjectionStore.make, (store) => ({ ...store, commit: (c: ReadonlyArray<ProjectionStore.Commit>) => Effect.zipRight(Effect.sync(() => commits.n++), store.commit(c)) }))
  )

describe("ProjectionRunner", () => {
  it.live("commits every batchSize events or every commitInterval, whichever comes first, and at the end", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 1000], [1, 1000], [2, 500]])
      const runs: Array<readonly [Partial<ProjectionRunner.Config<Event>>, number]> = [
        // Pages of batchSize events (at most 5,000): each page is a commit when the interval is 0.
        [{ batchSize: 1_000_000, commitInterval: 0 }, 1],
        [{ batchSize: 1000, commitInterval: 0 }, 3],
        [{ batchSize: 1000, commitInterval: "1 hour" }, 3],
        [{ batchSize: 2000, commitInterval: "1 hour" }, 2],
        // The defaults (100,000 events, 1 second): one commit for a run this short.
        [{}, 1]
      ]
      for (const [options, expected] of runs) {
        const commits = { n: 0 }
        const end = yield* ProjectionRunner.rebuild({ projections, check, ...options }).pipe(Effect.provide(counted(commits)))
        expect(end).toBe(2500)
        expect(commits.n).toBe(expected)
      }
    }).pipe(Effect.provide(InMemoryEventStore.layer)))

  it.live.prop(
    "read models built incrementally in random batches equal read models rebuilt from zero",
    [
      fc.array(fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 1, max: 5 })), { minLength: 1, maxLength: 30 }),
      fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1, maxLength: 6 })
    ],
    ([plan, batchSizes]) =>
      Effect.gen(function* () {
        const segment = Math.ceil(plan.length / batchSizes.length)
        for (let i = 0; i < batchSizes.length; i++) {
          yield* appendPlan(plan.slice(i * segment, (i + 1) * segment))
          yield* ProjectionRunner.catchUp({ projections, check, batchSize: batchSizes[i]! })
        }
        const incremental = yield* readModel
        const end = yield* ProjectionRunner.rebuild({ projections, check, batchSize: 1000 })
        expect(end).toBe(plan.reduce((n, [, count]) => n + count, 0))
        expect(yield* readModel).toEqual(incremental)
        const total = yield* Effect.flatMap(ProjectionStore.ProjectionStore, (s) => s.get("per-type", ["all"]))
        expect(total.get("all")).toEqual({ n: end })
      }).pipe(Effect.provide(stores)),
    { fastCheck: { numRuns: 60 } }
  )

  it.live("resumes from its checkpoint and rebuilds a projection whose version changed", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 3], [1, 2]])
      expect(yield* ProjectionRunner.catchUp({ projections, check })).toBe(5)
      const store = yield* ProjectionStore.ProjectionStore
      yield* appendPlan([[0, 1]])
      expect(yield* ProjectionRunner.catchUp({ projections, check })).toBe(6)
      expect((yield* store.get("per-stream", ["a"])).get("a")).toEqual({ count: 4, indices: [0, 1, 2, 0], lastPosition: 6 })
      // A new projector version: its stored documents (built by version 1) are dropped and rebuilt.
      const v2 = { ...perStream, version: 2, apply: (doc: Option.Option<typeof Count.Type>, events: ReadonlyArray<Event>, envelopes: ReadonlyArray<Projection.Envelope>) =>
        Option.map(perStream.apply(doc, events, envelopes, ""), (d) => ({ ...d, indices: [] })) }
      expect(yield* ProjectionRunner.catchUp({ projections: [v2, perType], check })).toBe(6)
      expect((yield* store.get("per-stream", ["a", "b"]))).toEqual(new Map([
        ["a", { count: 4, indices: [], lastPosition: 6 }],
        ["b", { count: 2, indices: [], lastPosition: 5 }]
      ]))
      expect(yield* store.checkpoint("per-stream")).toEqual(Option.some({ position: 6, version: 2 }))
      expect((yield* store.get("per-type", ["all"])).get("all")).toEqual({ n: 6 })
    }).pipe(Effect.provide(stores)))

  it.live("reports its progress after each page of events, up to the last position", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 5000], [1, 5000], [2, 2000]])
      const seen: Array<number> = []
      const report = { onProgress: (position: number) => Effect.sync(() => void seen.push(position)) }
      expect(yield* ProjectionRunner.rebuild({ projections, check }, report)).toBe(12000)
      expect(seen).toEqual([5000, 10000, 12000])
      seen.length = 0
      yield* appendPlan([[1, 5]])
      expect(yield* ProjectionRunner.catchUp({ projections, check }, report)).toBe(12005)
      expect(seen).toEqual([12005])
    }).pipe(Effect.provide(stores)))

  it.live("rebuilds one projection in small batches without applying events twice to another one ahead of it", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 3], [1, 2], [0, 1]])
      expect(yield* ProjectionRunner.catchUp({ projections, check })).toBe(6)
      const perTypeV2 = { ...perType, version: 2 }
      expect(yield* ProjectionRunner.catchUp({ projections: [perStream, perTypeV2], check, batchSize: 2 })).toBe(6)
      const store = yield* ProjectionStore.ProjectionStore
      expect((yield* store.get("per-stream", ["a"])).get("a")).toEqual({ count: 4, indices: [0, 1, 2, 0], lastPosition: 6 })
      expect(yield* store.checkpoint("per-stream")).toEqual(Option.some({ position: 6, version: 1 }))
      expect((yield* store.get("per-type", ["all"])).get("all")).toEqual({ n: 6 })
    }).pipe(Effect.provide(stores)))

  it.live("stops at a corrupt event, having applied the events before it in its batch", () =>
    Effect.gen(function* () {
      const s = yield* EventStore.EventStore
      yield* appendPlan([[0, 2]])
      const [poison] = TestEvents.newEvents(streams[1]!, 1)
      yield* s.append(streams[1]!, [{ ...poison!, type: "Poison" }], "any")
      yield* appendPlan([[2, 2]])
      const error = yield* Effect.flip(ProjectionRunner.catchUp({ projections, check, batchSize: 10 }))
      expect(error._tag === "CorruptEvent" && error.position).toBe(3)
      const store = yield* ProjectionStore.ProjectionStore
      expect(yield* store.checkpoint("per-stream")).toEqual(Option.some({ position: 2, version: 1 }))
      expect((yield* store.get("per-type", ["all"])).get("all")).toEqual({ n: 2 })
      expect((yield* store.get("per-stream", ["c"])).size).toBe(0)
    }).pipe(Effect.provide(stores)))

  it.live("a projector that makes a document its schema does not allow is a defect that says what is wrong, and nothing is written", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 2]])
      const broken: Projection.Projection<typeof Total.Type, typeof Total.Encoded, Event> = {
        ...perType,
        name: "broken",
        apply: () => Option.some({ n: "not a number" as unknown as number })
      }
      const exit = yield* Effect.exit(ProjectionRunner.catchUp({ projections: [broken], check }))
      const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
      expect(ParseResult.isParseError(defect)).toBe(true)
      expect(String((defect as ParseResult.ParseError).message)).toMatch(/\["n"\][\s\S]*Expected number, actual "not a number"/)
      const store = yield* ProjectionStore.ProjectionStore
      expect(yield* store.checkpoint("broken")).toEqual(Option.none())
      expect(yield* store.list("broken")).toEqual([])
    }).pipe(Effect.provide(stores)))

  it.live("follows live appends until interrupted", () =>
    Effect.gen(function* () {
      yield* appendPlan([[0, 2]])
      const store = yield* ProjectionStore.ProjectionStore
      const follower = yield* Effect.fork(ProjectionRunner.follow({ projections, check }, { maxDelay: "5 millis" }))
      const reaches = (position: number) =>
        store.checkpoint("per-type").pipe(
          Effect.repeat({ until: (c) => Option.isSome(c) && c.value.position >= position, schedule: Schedule.spaced("5 millis") }),
          Effect.timeout("5 seconds")
        )
      yield* reaches(2)
      yield* appendPlan([[1, 3], [2, 1]])
      yield* reaches(6)
      expect((yield* store.get("per-type", ["all"])).get("all")).toEqual({ n: 6 })
      expect((yield* store.get("per-stream", ["b"])).get("b")).toEqual({ count: 3, indices: [0, 1, 2], lastPosition: 5 })
      yield* Fiber.interrupt(follower)
      yield* appendPlan([[1, 1]])
      yield* Effect.sleep("50 millis")
      expect(yield* store.checkpoint("per-type")).toEqual(Option.some({ position: 6, version: 1 }))
    }).pipe(Effect.provide(stores)))
})
