import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref, Stream } from "effect"
import { CommandError, EventEnvelope } from "@cim-nix/domain"
import { EventStore, Nix } from "../../src/index.js"
import * as EvaluateExpression from "../../src/commands/EvaluateExpression.js"
import { sha256Hex } from "../../src/internal/sha256.js"
import { InMemoryEventStore } from "../../src/testing/index.js"

const run = (source: EvaluateExpression.Source, evaluate: Nix.NixService["eval"]) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make<ReadonlyArray<Nix.EvalSource>>([])
    const nix = Nix.Nix.of({ eval: (s, o) => Effect.zipRight(Ref.update(calls, (c) => [...c, s]), evaluate(s, o)) } as Partial<Nix.NixService> as Nix.NixService)
    const outcome = yield* Effect.either(EvaluateExpression.handle(EvaluateExpression.EvaluateExpression.make({ source }), EventEnvelope.causedBy({ correlationId: "request-1", id: "cause-1" })).pipe(Effect.provide(Layer.succeed(Nix.Nix, nix))))
    const stored = Array.from(yield* (yield* EventStore.EventStore).readAll().pipe(Stream.runCollect))
    return { outcome, calls: yield* Ref.get(calls), stored }
  }).pipe(Effect.provide(InMemoryEventStore.layer))

describe("sha256Hex", () => {
  it("matches the FIPS 180-4 test vectors and hashes UTF-8", () => {
    expect(sha256Hex("")).toBe("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    expect(sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    expect(sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")).toBe("248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    expect(sha256Hex("a".repeat(1000))).toBe("41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3")
    expect(sha256Hex("\u00e9")).toBe("4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c")
  })
})

describe("EvaluateExpression", () => {
  it.effect("returns the value and records its digest, size and duration, not the value", () =>
    Effect.gen(function* () {
      const value = { a: [1, 2, "x"], b: null }
      const { outcome, stored } = yield* run({ _tag: "Expression", expression: "{ a = [ 1 2 \"x\" ]; b = null; }" }, () => Effect.succeed(value))
      assert(Either.isRight(outcome))
      expect(outcome.right.value).toEqual(value)
      expect(stored.map((e) => [e.type, e.aggregateType, e.version])).toEqual([["ExpressionEvaluated", "Evaluation", 1]])
      const event = stored[0]!
      expect(event.aggregateId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-/)
      expect([event.correlationId, event.causationId]).toEqual(["request-1", "cause-1"])
      expect(event.eventId).toBe(outcome.right.events[0]!.eventId)
      const text = JSON.stringify(value)
      expect(event.payload).toEqual({ expression: "{ a = [ 1 2 \"x\" ]; b = null; }", resultSha256: sha256Hex(text), resultBytes: text.length, durationMs: expect.any(Number) })
    }))

  it.effect("rejects empty code, relative files and flag-like installables before Nix runs", () =>
    Effect.gen(function* () {
      for (const source of [
        { _tag: "Expression", expression: "  " },
        { _tag: "File", path: "default.nix" },
        { _tag: "Installable", installable: "--apply" },
        { _tag: "Installable", installable: "path:/x#a^" }
      ] as const) {
        const { outcome, calls, stored } = yield* run(source, () => Effect.succeed(1))
        expect(Either.isLeft(outcome) && outcome.left._tag).toMatch(/^(ValidationError|ParseError)$/)
        expect(calls).toEqual([])
        expect(stored).toEqual([])
      }
    }))

  it.effect("a failed evaluation is returned as is and records nothing", () =>
    Effect.gen(function* () {
      const failure = new CommandError({ command: ["nix", "eval"], exitCode: 1, message: "undefined variable 'x'", hint: "fix it" })
      const { outcome, stored } = yield* run({ _tag: "Expression", expression: "x" }, () => Effect.fail(failure))
      expect(Either.isLeft(outcome) && outcome.left).toBe(failure)
      expect(stored).toEqual([])
    }))
})
