import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import type { Flake } from "@cim-nix/domain"
import { EventEnvelope } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { AddFlakeInput } from "../../src/index.js"
import * as Fakes from "./flakeFakes.js"

const add = (input: Partial<Flake.InputSpec>) =>
  AddFlakeInput.handle({ path: "/work/f", input: { ...Fakes.pathInput("b"), ...input }, causality: EventEnvelope.root("cmd-1") })

/** Runs on a recorded flake with input `a`; Nix locks a and b. */
const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, nix?: Partial<Nix.NixService>) =>
  Fakes.onRecordedFlake(files, { inputs: [Fakes.pathInput("a")], recordLocks: false, nextLock: Fakes.lockWith(["a", "b"]) }, effect, nix)

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
      const { value, stored } = yield* run(new Map(), add({ ref: "github:NixOS/nixpkgs" }))
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
