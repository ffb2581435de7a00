import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { CheckFlake } from "../../src/index.js"
import * as Fakes from "./flakeFakes.js"

const causality = EventEnvelope.root("cmd-1")

/** Runs on the recorded flake of `Fakes.lockedTwoAndFollows`. */
const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, nix?: Partial<Nix.NixService>) => Fakes.onRecordedFlake(files, Fakes.lockedTwoAndFollows, effect, nix)

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
