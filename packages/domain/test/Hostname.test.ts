import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as fc from "fast-check"
import { Hostname } from "../src/index.js"

/** RFC 1123 host names, written independently of the implementation as one regular expression. */
const rfc1123 = /^(?=[^]{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*$/

const hint =
  "Use dot-separated labels of 1 to 63 characters from a-z, 0-9 and -, not starting or ending with -, at most 253 characters in all (RFC 1123), e.g. web-01 or web-01.example.org."

const accepted = (text: string) => Either.isRight(Effect.runSync(Effect.either(Hostname.validate(text))))

describe("Hostname", () => {
  it.effect("accepts RFC 1123 host names", () =>
    Effect.gen(function* () {
      for (const name of ["a", "0", "web-01", "1host", "web-01.example.org", "x".repeat(63), `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(61)}`]) {
        expect(yield* Hostname.validate(name)).toBe(name)
      }
    }))

  it.effect("rejects each broken rule with the rule in the message", () =>
    Effect.gen(function* () {
      const long = `${"a".repeat(63)}.${"b".repeat(63)}.${"c".repeat(63)}.${"d".repeat(62)}`
      const cases: ReadonlyArray<readonly [string, string]> = [
        ["", "it is empty"],
        [long, "it is 254 characters long (at most 253)"],
        ["a..b", "it has an empty label (two dots in a row, or a leading or trailing dot)"],
        ["a.", "it has an empty label (two dots in a row, or a leading or trailing dot)"],
        [".a", "it has an empty label (two dots in a row, or a leading or trailing dot)"],
        ["x".repeat(64), `it has a label of 64 characters (at most 63): "${"x".repeat(64)}"`],
        ["Web", "it has a label with characters outside a-z, 0-9 and -: \"Web\""],
        ["my_host", "it has a label with characters outside a-z, 0-9 and -: \"my_host\""],
        ["-a", "it has a label starting or ending with -: \"-a\""],
        ["ok.a-", "it has a label starting or ending with -: \"a-\""]
      ]
      for (const [text, reason] of cases) {
        const error = yield* Effect.flip(Hostname.validate(text))
        expect(error).toMatchObject({ _tag: "ValidationError", field: "hostname", message: `${JSON.stringify(text)} is not a valid host name: ${reason}`, hint })
      }
    }))

  it("accepts exactly RFC 1123 (property, against an independent regular expression)", () => {
    const label = fc.stringMatching(/^[a-z0-9-]{0,64}$/)
    const nearValid = fc.array(fc.oneof(label, fc.constantFrom("a".repeat(63), "b".repeat(64), "-", "")), { minLength: 1, maxLength: 6 }).map((ls) => ls.join("."))
    const noisy = fc.string({ unit: fc.constantFrom(..."abz09-.A_ \n".split("")), maxLength: 20 })
    fc.assert(
      fc.property(fc.oneof(nearValid, noisy), (text) => {
        expect(accepted(text)).toBe(rfc1123.test(text))
        expect(Schema.is(Hostname.Hostname)(text)).toBe(rfc1123.test(text))
      }),
      { numRuns: 500 }
    )
  })

  it("generates valid names often enough for the property to mean something", () => {
    const valid = fc.sample(fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?){0,3}$/), 200)
    for (const name of valid) expect(accepted(name)).toBe(rfc1123.test(name))
    expect(valid.filter((name) => rfc1123.test(name)).length).toBeGreaterThan(150)
  })
})
