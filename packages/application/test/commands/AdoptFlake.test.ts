import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer } from "effect"
import { CommandError, EventEnvelope, Flake } from "@cim-nix/domain"
import type { Nix } from "../../src/index.js"
import { AdoptFlake, EventStore } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import * as Fakes from "./flakeFakes.js"

const causality = EventEnvelope.root("cmd-1")

/** What Nix evaluates a flake.nix with inputs a, b (flake = false), c (follows a) and the implicit input nixpkgs to. */
const declared = {
  description: "hand-written",
  inputs: { a: { url: "path:/src/a" }, b: { url: "path:/src/b", flake: false }, c: { follows: "a" } },
  implicit: ["nixpkgs"]
}

/** Adopts /work/f with `files` and a Nix whose eval answers `answer`; returns the outcome, the stream and the expressions evaluated. */
const adopt = (files: Fakes.Files, answer: Nix.NixService["eval"] = () => Effect.succeed(declared)) =>
  Effect.gen(function* () {
    const evaluated: Array<{ source: Nix.EvalSource; impure: boolean | undefined }> = []
    const nix = Fakes.nix(files, () => Fakes.lockWith([]), {
      eval: (source, options) => Effect.zipRight(Effect.sync(() => void evaluated.push({ source, impure: options?.impure })), answer(source, options))
    })
    const value = yield* Effect.either(AdoptFlake.handle({ path: "/work/f", causality }).pipe(Effect.provide(nix)))
    const stored = yield* (yield* EventStore.EventStore).readStream({ aggregateType: Flake.aggregateType, aggregateId: "/work/f" })
    return { value, stored, evaluated }
  }).pipe(Effect.provide(Layer.merge(Fakes.workspace(files), InMemoryEventStore.layer)))

describe("AdoptFlake", () => {
  it.effect("records what flake.nix declares and what flake.lock pins in one append, changing no file", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map([
        ["/work/f/flake.nix", "{ outputs = { self, nixpkgs, ... }: { }; }\n"],
        ["/work/f/flake.lock", JSON.stringify(Fakes.lockWith(["a", "b"]))]
      ])
      const before = new Map(files)
      const { value, stored, evaluated } = yield* adopt(files)
      const adopted = Either.getOrThrow(value)
      expect(adopted.inputs.map((i) => i.name)).toEqual(["a", "b", "c", "nixpkgs"])
      expect(adopted.locked).toEqual(["a", "b"])
      expect(stored.map((e) => [e.type, e.version, e.correlationId, e.causationId])).toEqual([
        ["FlakeAdopted", 1, "cmd-1", "cmd-1"],
        ["FlakeUpdated", 2, "cmd-1", "cmd-1"]
      ])
      expect(stored[0]!.payload).toMatchObject({ description: "hand-written", inputs: { c: { follows: "a" }, b: { flake: false }, nixpkgs: { ref: { type: "indirect", id: "nixpkgs" } } } })
      expect(adopted.events.map((e) => e.eventId)).toEqual(stored.map((e) => e.eventId))
      expect(files).toEqual(before)
      expect(evaluated).toHaveLength(1)
      expect(evaluated[0]!.impure).toBe(true)
      expect(evaluated[0]!.source).toMatchObject({ _tag: "Expression", expression: expect.stringContaining(`import "/work/f/flake.nix"`) })
    }))

  it.effect("records no locks without a flake.lock", () =>
    Effect.gen(function* () {
      const { value, stored } = yield* adopt(new Map([["/work/f/flake.nix", "{ }\n"]]))
      expect(Either.getOrThrow(value).locked).toEqual([])
      expect(stored.map((e) => e.type)).toEqual(["FlakeAdopted"])
    }))

  it.effect("refuses a directory without flake.nix, an unreadable flake.lock, and what Nix cannot evaluate; nothing is recorded", () =>
    Effect.gen(function* () {
      const missing = yield* adopt(new Map())
      expect(Either.flip(missing.value)).toEqual(Either.right(expect.objectContaining({ _tag: "FlakeError", message: "there is no flake.nix in /work/f" })))
      expect(missing.evaluated).toEqual([])

      const badLock = yield* adopt(new Map([["/work/f/flake.nix", "{ }\n"], ["/work/f/flake.lock", "{ not json"]]))
      expect(Either.isLeft(badLock.value) && badLock.value.left._tag).toBe("ParseError")

      const failure = new CommandError({ command: ["nix", "eval"], exitCode: 1, message: "nix failed (exit code 1): syntax error, unexpected '}'", hint: "Read Nix's message." })
      const broken = yield* adopt(new Map([["/work/f/flake.nix", "{ \n"]]), () => Effect.fail(failure))
      expect(Either.isLeft(broken.value) && broken.value.left).toBe(failure)

      const computed = yield* adopt(new Map([["/work/f/flake.nix", "{ }\n"]]), () => Effect.succeed({ ...declared, inputs: { a: { url: "path:/a", inputs: { x: { url: "path:/x" } } } } }))
      expect(Either.isLeft(computed.value) && computed.value.left).toMatchObject({ _tag: "ParseError", kind: "FlakeDeclaration" })

      for (const run of [missing, badLock, broken, computed]) expect(run.stored).toEqual([])
    }))

  it.effect("refuses a flake that is already recorded, recording nothing more", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map([["/work/f/flake.nix", "{ }\n"]])
      const { stored } = yield* Fakes.onRecordedFlake(files, { inputs: [], recordLocks: false, nextLock: Fakes.lockWith([]) }, Effect.void)
      const again = yield* Fakes.onRecordedFlake(files, { inputs: [], recordLocks: false, nextLock: Fakes.lockWith([]) }, AdoptFlake.handle({ path: "/work/f", causality }), {
        eval: () => Effect.succeed({ description: "", inputs: {}, implicit: [] })
      })
      expect(Either.isLeft(again.value) && again.value.left).toMatchObject({ _tag: "FlakeError", message: "a flake already exists at /work/f" })
      expect(again.stored.map((e) => e.type)).toEqual(stored.map((e) => e.type))
    }))
})
