import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import type { Nix } from "../../src/index.js"
import { EventEnvelope, Flake } from "@cim-nix/domain"
import { AddFlakeInput, CommandHandler, EventStore, RemoveFlakeInput } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import * as Fakes from "./flakeFakes.js"

const stream = { aggregateType: Flake.aggregateType, aggregateId: "/work/f" }
const causality = EventEnvelope.root("cmd-1")

/** A recorded flake at /work/f with input `a` (locked), its files in `files`. */
const setup = (files: Fakes.Files) =>
  Effect.gen(function* () {
    files.set("/work/f/flake.nix", "{ }\n")
    files.set("/work/f/flake.lock", JSON.stringify(Fakes.lockWith(["a"])))
    yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: "/work/f",
      command: Flake.CreateFlake.make({ path: "/work/f", inputs: [{ name: "a", ref: "path:/src/a", overrides: {}, flake: true }] }),
      causality: EventEnvelope.root("cmd-0")
    })
  })

const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, nix: Partial<Nix.NixService> = {}) =>
  Effect.gen(function* () {
    yield* setup(files)
    const value = yield* Effect.either(effect)
    return { value, stored: yield* (yield* EventStore.EventStore).readStream(stream) }
  }).pipe(
    Effect.provide(Layer.mergeAll(Fakes.workspace(files), Fakes.nix(files, () => Fakes.lockWith(["a", "b"]), nix))),
    Effect.provide(InMemoryEventStore.layer)
  ) as Effect.Effect<{ value: Either.Either<A, E>; stored: ReadonlyArray<EventEnvelope.EventEnvelope> }>

const add = (input: Partial<Flake.InputSpec>) =>
  AddFlakeInput.handle({ path: "/work/f", input: { name: "b", ref: "path:/src/b", overrides: {}, flake: true, ...input }, causality })

describe("AddFlakeInput", () => {
  it.effect("edits flake.nix, locks the input and records FlakeInputAdded, then FlakeUpdated caused by it", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, add({}))
      const added = Either.getOrThrow(value)
      expect(added.lock).toEqual({ locked: ["b"] })
      expect(files.get("/work/f/flake.nix")).toBe(`{ }\n# ${JSON.stringify({ _tag: "AddInput", name: "b", url: "path:/src/b" })}\n`)
      expect(stored.slice(1).map((e) => [e.type, e.version, e.causationId])).toEqual([
        ["FlakeInputAdded", 2, "cmd-1"],
        ["FlakeUpdated", 3, added.events[0]!.eventId]
      ])
    }))

  it.effect("adds a network input without locking it, and says why", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, add({ ref: "github:NixOS/nixpkgs" }))
      expect(Either.getOrThrow(value).lock).toEqual({
        skipped: "input b: github:NixOS/nixpkgs is fetched from the network (only path: and git+file: inputs are locked offline)"
      })
      expect(stored.map((e) => e.type)).toEqual(["FlakeCreated", "FlakeInputAdded"])
    }))

  it.effect("when Nix cannot lock, flake.nix and flake.lock are put back and nothing is recorded", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, add({}), { lockFlake: () => Effect.fail(Fakes.nixFailure("cannot fetch /src/b")) })
      expect(Either.isLeft(value) && value.left).toMatchObject({ _tag: "FlakeError", message: "cannot fetch /src/b" })
      expect(files.get("/work/f/flake.nix")).toBe("{ }\n")
      expect(files.get("/work/f/flake.lock")).toBe(JSON.stringify(Fakes.lockWith(["a"])))
      expect(stored.map((e) => e.type)).toEqual(["FlakeCreated"])
    }))

  it.effect("a duplicate input is refused before flake.nix is touched", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value } = yield* run(files, add({ name: "a" }))
      expect(Either.isLeft(value) && value.left._tag).toBe("ValidationError")
      expect(files.get("/work/f/flake.nix")).toBe("{ }\n")
    }))
})

describe("RemoveFlakeInput", () => {
  it.effect("edits flake.nix, re-locks and records FlakeInputRemoved", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(
        files,
        RemoveFlakeInput.handle({ path: "/work/f", name: "a", causality }),
        { lockFlake: (ref) => Effect.succeed(Fakes.lockWith([])).pipe(Effect.tap(() => files.set(`${(ref as { path: string }).path}/flake.lock`, "{}"))) }
      )
      expect(Either.getOrThrow(value).lock).toEqual({ locked: [] })
      expect(files.get("/work/f/flake.nix")).toMatch(/RemoveInput/)
      expect(stored.map((e) => [e.type, e.version])).toEqual([["FlakeCreated", 1], ["FlakeInputRemoved", 2]])
    }))

  it.effect("when re-locking fails, both files are put back and nothing is recorded", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, RemoveFlakeInput.handle({ path: "/work/f", name: "a", causality }), {
        lockFlake: () => Effect.fail(Fakes.nixFailure("boom"))
      })
      expect(Either.isLeft(value)).toBe(true)
      expect(files.get("/work/f/flake.nix")).toBe("{ }\n")
      expect(stored).toHaveLength(1)
    }))
})
