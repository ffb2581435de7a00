import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { EventEnvelope, Flake } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { CheckFlake, CommandHandler, EventStore, UpdateFlake } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import * as Fakes from "./flakeFakes.js"

const causality = EventEnvelope.root("cmd-1")
const stream = { aggregateType: Flake.aggregateType, aggregateId: "/work/f" }

/** A recorded flake at /work/f with inputs a and b locked with seed A, then `effect` against Nix whose locks use seed B. */
const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, nix: Partial<Nix.NixService> = {}) =>
  Effect.gen(function* () {
    files.set("/work/f/flake.lock", JSON.stringify(Fakes.lockWith(["a", "b"])))
    const created = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: "/work/f",
      command: Flake.CreateFlake.make({
        path: "/work/f",
        inputs: [
          { name: "a", ref: "path:/src/a", overrides: {}, flake: true },
          { name: "b", ref: "path:/src/b", overrides: {}, flake: true },
          { name: "c", follows: "a", overrides: {}, flake: true }
        ]
      }),
      causality: EventEnvelope.root("cmd-0")
    })
    yield* UpdateFlake.record("/work/f", Fakes.lockWith(["a", "b"]), ["a", "b"], EventEnvelope.root(created.events[0]!.eventId))
    const value = yield* Effect.either(effect)
    return { value, stored: yield* (yield* EventStore.EventStore).readStream(stream) }
  }).pipe(
    Effect.provide(Layer.mergeAll(Fakes.workspace(files), Fakes.nix(files, () => Fakes.lockWith(["a", "b"], "B"), nix))),
    Effect.provide(InMemoryEventStore.layer)
  ) as Effect.Effect<{ value: Either.Either<A, E>; stored: ReadonlyArray<EventEnvelope.EventEnvelope> }>

const A = `sha256-${"A".repeat(43)}=`
const B = `sha256-${"B".repeat(43)}=`

describe("UpdateFlake", () => {
  it.effect("records old and new lock of every input that has one (follows left out)", () =>
    Effect.gen(function* () {
      const { value, stored } = yield* run(new Map(), UpdateFlake.handle({ path: "/work/f", inputs: [], causality }))
      const updated = Either.getOrThrow(value)
      expect(updated.changes).toEqual(
        ["a", "b"].map((input) => ({ input, before: { narHash: A, lastModified: 1_700_000_000 }, after: { narHash: B, lastModified: 1_700_000_000 } }))
      )
      expect(stored.map((e) => [e.type, e.version])).toEqual([["FlakeCreated", 1], ["FlakeUpdated", 2], ["FlakeUpdated", 3]])
      expect(stored[2]!.eventId).toBe(updated.events[0]!.eventId)
    }))

  it.effect("refuses an unknown or follows input before running Nix", () =>
    Effect.gen(function* () {
      for (const name of ["zzz", "c"]) {
        const { value } = yield* run(new Map(), UpdateFlake.handle({ path: "/work/f", inputs: [name], causality }), {
          updateFlake: () => Effect.die("nix must not run")
        })
        expect(Either.isLeft(value) && value.left._tag).toBe("ValidationError")
      }
    }))

  it.effect("when Nix fails, flake.lock is unchanged and nothing is recorded", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, UpdateFlake.handle({ path: "/work/f", inputs: ["a"], causality }), {
        updateFlake: () => Effect.fail(Fakes.nixFailure("unable to download"))
      })
      expect(Either.isLeft(value) && value.left._tag).toBe("FlakeError")
      expect(files.get("/work/f/flake.lock")).toBe(JSON.stringify(Fakes.lockWith(["a", "b"])))
      expect(stored).toHaveLength(2)
    }))

  it.effect("a flake cim-nix does not know is a FlakeError", () =>
    Effect.gen(function* () {
      const { value } = yield* run(new Map(), UpdateFlake.handle({ path: "/work/other", inputs: [], causality }))
      expect(Either.isLeft(value) && value.left.message).toBe("cim-nix has no flake at /work/other")
    }))
})

describe("CheckFlake", () => {
  it.effect("records the outputs of nix flake show as passed", () =>
    Effect.gen(function* () {
      const { value, stored } = yield* run(new Map(), CheckFlake.handle({ path: "/work/f", causality }))
      expect(Either.getOrThrow(value)).toMatchObject({ passed: ["packages.x86_64-linux.default"], failed: [] })
      expect(stored[2]!.payload).toEqual({ path: "/work/f", passed: ["packages.x86_64-linux.default"], failed: [] })
    }))

  it.effect("records the failing output Nix names, then fails with Nix's error", () =>
    Effect.gen(function* () {
      const failure = Fakes.nixFailure("nix failed (exit code 1): flake attribute 'packages.x86_64-linux.default' is not a derivation")
      const { value, stored } = yield* run(new Map(), CheckFlake.handle({ path: "/work/f", causality }), { checkFlake: () => Effect.fail(failure) })
      expect(Either.isLeft(value) && value.left).toBe(failure)
      expect(stored[2]!.payload).toEqual({ path: "/work/f", passed: [], failed: [{ output: "packages.x86_64-linux.default", message: failure.message }] })
    }))

  it("names the most specific output of Nix's message, else the outputs as a whole", () => {
    const named = Fakes.nixFailure("x")
    expect(CheckFlake.failedOutput({ ...named, stderrTail: "… while checking flake output 'checks'\n… while checking the derivation 'checks.x86_64-linux.unit'" } as typeof named)).toBe("checks.x86_64-linux.unit")
    expect(CheckFlake.failedOutput({ ...named, message: "syntax error", stderrTail: "" } as typeof named)).toBe("outputs")
  })

  it("lists the leaves of nix flake show, sorted, names quoted where needed", () => {
    expect(CheckFlake.leaves({ packages: { "x86_64-linux": { b: { type: "derivation" }, "a.b": { type: "derivation" } } }, overlays: { default: { type: "nixpkgs-overlay" } } })).toEqual([
      "overlays.default",
      'packages.x86_64-linux."a.b"',
      "packages.x86_64-linux.b"
    ])
  })
})
