import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Ref } from "effect"
import { Configuration, EventEnvelope } from "@cim-nix/domain"
import { CommandHandler, EventStore } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"

const create = Configuration.CreateConfiguration.make({ flake: "/srv/fleet", hostname: "web-1", system: "x86_64-linux", modules: [], overlays: [] })
const id = Configuration.aggregateId({ flake: "/srv/fleet", hostname: "web-1" })
const stream = { aggregateType: Configuration.aggregateType, aggregateId: id }

const run = (perform?: CommandHandler.Execution<Configuration.State, Configuration.Command, Configuration.Event, never, EventStore.EventStore>["perform"]) =>
  CommandHandler.execute({ aggregate: Configuration.aggregate, aggregateId: id, command: create, causality: EventEnvelope.root("cmd-1"), ...(perform ? { perform } : {}) })

describe("CommandHandler.execute", () => {
  it.effect("decides, performs once and appends with version, correlation and causation", () =>
    Effect.gen(function* () {
      const performed = yield* Ref.make(0)
      const outcome = yield* run(() => Ref.update(performed, (n) => n + 1))
      expect(outcome.events.map((e) => [e.type, e.version, e.correlationId, e.causationId])).toEqual([["ConfigurationCreated", 1, "cmd-1", "cmd-1"]])
      expect(yield* Ref.get(performed)).toBe(1)
      const store = yield* EventStore.EventStore
      expect((yield* store.readStream(stream)).map((e) => e.eventId)).toEqual(outcome.events.map((e) => e.eventId))
    }).pipe(Effect.provide(InMemoryEventStore.layer)))

  it.effect("a rejected command performs nothing and appends nothing", () =>
    Effect.gen(function* () {
      yield* run()
      const performed = yield* Ref.make(0)
      const second = yield* Effect.either(run(() => Ref.update(performed, (n) => n + 1)))
      expect(Either.isLeft(second) && second.left._tag).toBe("ValidationError")
      expect(yield* Ref.get(performed)).toBe(0)
      expect((yield* (yield* EventStore.EventStore).readStream(stream)).length).toBe(1)
    }).pipe(Effect.provide(InMemoryEventStore.layer)))

  it.effect("on a conflict whose fresh decision differs, undoes the work and reports the conflict", () =>
    Effect.gen(function* () {
      const undone = yield* Ref.make(false)
      // Another writer creates the same configuration between our load and our append.
      const raced = run(() =>
        run().pipe(Effect.orDie, Effect.as({ undo: Ref.set(undone, true) }))
      )
      const result = yield* Effect.either(raced)
      expect(Either.isLeft(result) && result.left._tag).toBe("ConcurrencyConflict")
      expect(yield* Ref.get(undone)).toBe(true)
      expect((yield* (yield* EventStore.EventStore).readStream(stream)).length).toBe(1)
    }).pipe(Effect.provide(InMemoryEventStore.layer)))
})
