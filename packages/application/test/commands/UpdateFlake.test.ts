import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { UpdateFlake } from "../../src/index.js"
import * as Fakes from "./flakeFakes.js"

const causality = EventEnvelope.root("cmd-1")

/** Runs on the recorded flake of `Fakes.lockedTwoAndFollows`. */
const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, nix?: Partial<Nix.NixService>) => Fakes.onRecordedFlake(files, Fakes.lockedTwoAndFollows, effect, nix)

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
