import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { Evaluation } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const digest = "a".repeat(64)
const command = (fields: Partial<Omit<Evaluation.EvaluateExpression, "_tag">> = {}) =>
  Evaluation.EvaluateExpression.make({ expression: "1 + 1", resultSha256: digest, resultBytes: 1, durationMs: 25.5, ...fields })

describe("Evaluation", () => {
  it.effect("records an evaluation as ExpressionEvaluated and counts them", () =>
    Effect.gen(function* () {
      const events = yield* accept(Evaluation.aggregate, [], command())
      expect(events).toEqual([{ _tag: "ExpressionEvaluated", expression: "1 + 1", resultSha256: digest, resultBytes: 1, durationMs: 25.5 }])
      expect(Evaluation.aggregate.fold([...events, ...events])).toEqual({ evaluations: 2 })
      expect(Evaluation.aggregateType).toBe("Evaluation")
      expect(Evaluation.aggregateId("cmd-1")).toBe("cmd-1")
    }))

  it.effect("rejects an empty expression, a malformed digest, a bad size and a bad duration", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [Evaluation.EvaluateExpression, string, string, string]> = [
        [command({ expression: "  " }), "expression", "the expression is empty", "Give a Nix expression, e.g. 1 + 1."],
        [command({ resultSha256: "A".repeat(64) }), "resultSha256", `"${"A".repeat(64)}" is not a SHA-256 digest`, "Give the SHA-256 of the result's JSON text as 64 lower-case hex digits."],
        [command({ resultSha256: "ab" }), "resultSha256", "\"ab\" is not a SHA-256 digest", "Give the SHA-256 of the result's JSON text as 64 lower-case hex digits."],
        [command({ resultBytes: -1 }), "resultBytes", "-1 is not a size in bytes", "Give the size of the result's JSON text as a whole number of bytes, 0 or more."],
        [command({ resultBytes: 1.5 }), "resultBytes", "1.5 is not a size in bytes", "Give the size of the result's JSON text as a whole number of bytes, 0 or more."],
        [command({ durationMs: -2 }), "durationMs", "-2 is not a duration", "Give the time the evaluation took in milliseconds, 0 or more."],
        [command({ durationMs: Number.NaN }), "durationMs", "NaN is not a duration", "Give the time the evaluation took in milliseconds, 0 or more."],
        [command({ durationMs: Number.POSITIVE_INFINITY }), "durationMs", "Infinity is not a duration", "Give the time the evaluation took in milliseconds, 0 or more."]
      ]
      for (const [c, field, message, hint] of cases) {
        expect(yield* reject(Evaluation.aggregate, [], c)).toMatchObject({ _tag: "ValidationError", field, message, hint })
      }
    }))
})
