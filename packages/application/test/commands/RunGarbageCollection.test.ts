import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref, Stream } from "effect"
import { EventEnvelope, StorePath } from "@cim-nix/domain"
import { EventStore, Nix } from "../../src/index.js"
import * as RunGarbageCollection from "../../src/commands/RunGarbageCollection.js"
import { InMemoryEventStore } from "../../src/testing/index.js"

const dead = Either.getOrThrow(StorePath.parseEither("/nix/store/0123456789abcdfghijklmnpqrsvwxyz-dead"))

const run = (command: RunGarbageCollection.RunGarbageCollection, result: Nix.GcResult) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make<ReadonlyArray<Nix.GcOptions>>([])
    const nix = Nix.Nix.of({ collectGarbage: (o) => Effect.as(Ref.update(calls, (c) => [...c, o ?? {}]), result) } as Partial<Nix.NixService> as Nix.NixService)
    const outcome = yield* Effect.either(RunGarbageCollection.handle(command, EventEnvelope.root("request-1")).pipe(Effect.provide(Layer.succeed(Nix.Nix, nix))))
    const stored = Array.from(yield* (yield* EventStore.EventStore).readAll().pipe(Stream.runCollect))
    return { outcome, calls: yield* Ref.get(calls), stored }
  }).pipe(Effect.provide(InMemoryEventStore.layer))

describe("RunGarbageCollection", () => {
  it.effect("runs the collection and records what it freed on the store's stream", () =>
    Effect.gen(function* () {
      const { outcome, calls, stored } = yield* run(
        RunGarbageCollection.RunGarbageCollection.make({ dryRun: false, maxFreed: 1000, paths: [StorePath.format(dead)] }),
        { dryRun: false, deletedPaths: [dead], freedBytes: 512.4 }
      )
      assert(Either.isRight(outcome))
      expect(calls).toEqual([{ dryRun: false, maxFreed: 1000, paths: [dead] }])
      expect(stored.map((e) => [e.type, e.aggregateType, e.aggregateId, e.version])).toEqual([["GarbageCollected", "GarbageCollection", "/nix/store", 1]])
      expect(stored[0]!.payload).toEqual({ options: { dryRun: false, maxFreed: 1000 }, freedBytes: 512, deletedPaths: 1 })
      expect([stored[0]!.correlationId, stored[0]!.causationId]).toEqual(["request-1", "request-1"])
    }))

  it.effect("a dry run records no freed bytes, only the paths it would delete", () =>
    Effect.gen(function* () {
      const { outcome, stored } = yield* run(RunGarbageCollection.RunGarbageCollection.make({ dryRun: true }), { dryRun: true, deletedPaths: [dead], freedBytes: 4096 })
      assert(Either.isRight(outcome))
      expect(outcome.right.result.freedBytes).toBe(4096)
      expect(stored[0]!.payload).toEqual({ options: { dryRun: true }, freedBytes: 0, deletedPaths: 1 })
    }))

  it.effect("rejects bad options and paths before Nix runs; nothing is recorded", () =>
    Effect.gen(function* () {
      for (const command of [
        RunGarbageCollection.RunGarbageCollection.make({ dryRun: false, olderThan: "30" }),
        RunGarbageCollection.RunGarbageCollection.make({ dryRun: false, maxFreed: -1 }),
        RunGarbageCollection.RunGarbageCollection.make({ dryRun: false, paths: ["--delete"] })
      ]) {
        const { outcome, calls, stored } = yield* run(command, { dryRun: false, deletedPaths: [], freedBytes: 0 })
        expect(Either.isLeft(outcome) && outcome.left._tag).toMatch(/^(ValidationError|ParseError)$/)
        expect(calls).toEqual([])
        expect(stored).toEqual([])
      }
    }))
})
