import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { RemoveFlakeInput } from "../../src/index.js"
import * as Fakes from "./flakeFakes.js"

const remove = RemoveFlakeInput.handle({ path: "/work/f", name: "a", causality: EventEnvelope.root("cmd-1") })

/** Runs on a recorded flake with inputs a and b; Nix re-locks to b only. */
const run = (files: Fakes.Files, nix?: Partial<Nix.NixService>) =>
  Fakes.onRecordedFlake(files, { inputs: [Fakes.pathInput("a"), Fakes.pathInput("b")], recordLocks: false, nextLock: Fakes.lockWith(["b"]) }, remove, nix)

describe("RemoveFlakeInput", () => {
  it.effect("edits flake.nix, re-locks and records FlakeInputRemoved", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files)
      expect(Either.getOrThrow(value).lock).toEqual({ locked: ["b"] })
      expect(files.get("/work/f/flake.nix")).toMatch(/RemoveInput/)
      expect(files.get("/work/f/flake.lock")).toBe(JSON.stringify(Fakes.lockWith(["b"])))
      expect(stored.map((e) => [e.type, e.version, e.causationId])).toEqual([["FlakeCreated", 1, "cmd-0"], ["FlakeInputRemoved", 2, "cmd-1"]])
    }))

  it.effect("when re-locking fails, both files are put back and nothing is recorded", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const { value, stored } = yield* run(files, { lockFlake: () => Effect.fail(Fakes.nixFailure("boom")) })
      expect(Either.isLeft(value) && value.left.message).toBe("boom")
      expect(files.get("/work/f/flake.nix")).toBe("{ }\n")
      expect(files.get("/work/f/flake.lock")).toBe(JSON.stringify(Fakes.lockWith(["a", "b"])))
      expect(stored).toHaveLength(1)
    }))
})
