// The printer against real Nix: what `nix-instantiate` reads from printed strings, attribute
// names, JSON values and expressions is exactly what was meant. Each property batches many
// values into one file, so that a run costs a handful of Nix processes.
import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as fc from "fast-check"
import { execFile } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { promisify } from "node:util"
import { NixExpr as N } from "../src/index.js"
import { expr, nixText } from "./support/nixExpr.js"

const run = promisify(execFile)
const dir = mkdtempSync(join(tmpdir(), "nixexpr-"))
process.on("exit", () => rmSync(dir, { recursive: true, force: true }))
let files = 0

const print = (e: N.NixExpr, width?: number): string => Effect.runSync(N.print(e, width === undefined ? undefined : { width }))

/** Writes `source` to a file and runs `nix-instantiate args... file`; stdout, or the error with stderr. */
const instantiate = async (args: ReadonlyArray<string>, source: string): Promise<string> => {
  const file = join(dir, `e${files++}.nix`)
  writeFileSync(file, source)
  const { stdout } = await run("nix-instantiate", [...args, file], { maxBuffer: 64 * 1024 * 1024 })
  return stdout
}

/** The value of `source`, through `nix-instantiate --eval --strict --json`. */
const evaluate = async (source: string): Promise<unknown> => JSON.parse(await instantiate(["--eval", "--strict", "--json"], source))

const v = N.ident
const fromJSON = (text: string): N.NixExpr => N.apply(N.select(v("builtins"), "fromJSON"), N.string(text))

/** Runs `check` on `numRuns` batches; no shrinking (each step would cost Nix processes): the
 * failing assertion names the value. */
const property = <A>(arb: fc.Arbitrary<A>, check: (a: A) => Promise<void>, numRuns: number) =>
  Effect.promise(() => fc.assert(fc.asyncProperty(arb, check), { numRuns, endOnFailure: true }))

describe("NixExpr against nix-instantiate", { timeout: 180_000 }, () => {
  it.effect("strings read back exactly, as \"...\", as '' strings and with interpolations", () => {
    const styles = fc.constantFrom<N.StringStyle>("auto", "double", "indented")
    // Text next to an interpolation: ends and starts that interact with `${`.
    const edge = fc.constantFrom("$", "'", "''", "'$", "\\", " ", "  ", "\n", "\n ", "{")
    const interpolated = fc.array(fc.oneof(nixText, edge, fc.tuple(nixText, styles)), { maxLength: 6 })
    const batch = fc.record({
      texts: fc.array(nixText, { minLength: 100, maxLength: 100 }),
      parts: fc.array(fc.tuple(interpolated, styles), { minLength: 50, maxLength: 50 }),
      width: fc.integer({ min: 10, max: 100 })
    })
    return property(
      batch,
      async ({ texts, parts, width }) => {
        const strings = texts.flatMap((t) => [N.string(t, "double"), N.string(t, "indented"), N.string(t)])
        const expected = texts.flatMap((t) => [t, t, t])
        for (const [pieces, style] of parts) {
          strings.push(N.string(pieces.map((p) => (typeof p === "string" ? p : N.string(p[0], p[1]))), style))
          expected.push(pieces.map((p) => (typeof p === "string" ? p : p[0])).join(""))
        }
        // Nested in sets, so that '' strings are indented deeper than the printer's first level.
        const source = print(N.select(N.attrs([N.bind(["a", "b"], N.list(strings), { comments: "strings" })]), ["a", "b"]), width)
        expect(await evaluate(source)).toEqual(expected)
      },
      3
    )
  })

  it.effect("attribute names read back exactly, in bindings, select and inherit", () =>
    property(
      fc.uniqueArray(nixText, { minLength: 150, maxLength: 150 }),
      async (names) => {
        const set = N.attrs(names.map((name, i) => N.bind(name, N.int(i))))
        const source = print(
          N.letIn(
            { s: set },
            N.attrs({
              names: N.apply(N.select(v("builtins"), "attrNames"), v("s")),
              values: N.list(names.map((name) => N.select(v("s"), name))),
              inherited: N.apply(N.select(v("builtins"), "attrNames"), N.attrs([N.inherit(names as [string, ...Array<string>], { from: v("s") })]))
            })
          )
        )
        const result = (await evaluate(source)) as { names: Array<string>; values: Array<number>; inherited: Array<string> }
        const sorted = [...names].sort()
        expect([...result.names].sort()).toEqual(sorted)
        expect([...result.inherited].sort()).toEqual(sorted)
        expect(result.values).toEqual(names.map((_, i) => i))
      },
      2
    ))

  it.effect("JSON values: nix eval --json gives back integer-only JSON (nested names collapsed), and fromJSON equals the printed value for any JSON", () => {
    const json = (number: fc.Arbitrary<number>) =>
      fc.letrec<{ value: unknown }>((tie) => ({
        value: fc.oneof(
          { depthSize: "small" },
          fc.constant(null),
          fc.boolean(),
          number,
          nixText,
          fc.array(tie("value"), { maxLength: 4 }),
          fc.dictionary(nixText, tie("value"), { maxKeys: 4 })
        )
      })).value
    // Numbers in the JSON text for Nix's fromJSON: integers as integers, written exactly (a double
    // beyond 2^53 such as 200465704840376544 is shown by JavaScript as 200465704840376540, another
    // int64 for Nix), others with a `.` or exponent, because Nix 2.8 reads integer-looking text
    // beyond int64 as a wrapped integer.
    const jsonText = (value: unknown): string =>
      typeof value === "number"
        ? Number.isInteger(value) && Math.abs(value) < 2 ** 63
          ? BigInt(value).toString()
          : /[.e]/.test(String(value))
            ? String(value)
            : `${value}.0`
        : Array.isArray(value)
          ? `[${value.map(jsonText).join(",")}]`
          : value !== null && typeof value === "object"
            ? `{${Object.entries(value).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(",")}}`
            : JSON.stringify(value)
    const integers = json(fc.maxSafeInteger())
    const anyNumbers = json(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.maxSafeInteger(), fc.integer({ min: -5, max: 5 }), fc.constant(200465704840376540)))
    return Effect.all([
      property(
        fc.array(integers, { minLength: 60, maxLength: 60 }),
        async (values) => {
          const printed = values.map((x) => {
            const e = N.fromJson(x as never)
            return e._tag === "AttrSet" ? N.collapseNested(e) : e
          })
          expect(await evaluate(print(N.list(printed)))).toEqual(values)
        },
        2
      ),
      property(
        fc.array(anyNumbers, { minLength: 60, maxLength: 60 }),
        async (values) => {
          const same = values.map((x) => N.binary(fromJSON(jsonText(x)), "==", N.fromJson(x as never)))
          expect(await evaluate(print(N.list(same)))).toEqual(values.map(() => true))
        },
        2
      )
    ])
  })

  it.effect("floats: every finite double, subnormals and extremes included, is the same double in Nix", () =>
    property(
      fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { minLength: 200, maxLength: 200 }),
      async (xs) => {
        const all = [...xs, 5e-324, -5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, -1.7976931348623157e308, 0.1, 1e21, 1e-7]
        const text = (x: number) => (/[.e]/.test(String(x)) ? String(x) : `${x}.0`)
        const source = print(N.list(all.map((x) => N.binary(fromJSON(text(x)), "==", N.float(x)))))
        expect(await evaluate(source)).toEqual(all.map(() => true))
      },
      2
    ))

  it.effect("integers: the whole int64 range", () =>
    Effect.promise(async () => {
      const ints = [0n, 1n, -1n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 63n) + 1n]
      const source = print(N.list(ints.map((i) => N.apply(N.select(v("builtins"), "toString"), N.int(i)))))
      expect(await evaluate(source)).toEqual(ints.map(String))
    }))

  it.effect("operators, if, let, with, select and application mean what the model says", () => {
    type Typed = readonly [N.NixExpr, bigint | boolean | ReadonlyArray<bigint>]
    const small = (x: bigint) => x >= -(2n ** 50n) && x <= 2n ** 50n
    const { int, bool } = fc.letrec<{ int: readonly [N.NixExpr, bigint]; bool: readonly [N.NixExpr, boolean] }>(
      (tie) => {
        const i = tie("int")
        const b = tie("bool")
        return {
          int: fc
            .oneof(
              { depthSize: "small" },
              fc.integer({ min: -9, max: 9 }).map((n) => [N.int(n), BigInt(n)] as const),
              fc.tuple(i, fc.constantFrom("+", "-", "*" as const), i).map(([[l, x], op, [r, y]]) => {
                const value = op === "+" ? x + y : op === "-" ? x - y : x * y
                return [N.binary(l, op, r), value] as const
              }),
              fc.tuple(b, i, i).map(([[c, cv], [t, tv], [e, ev]]) => [N.ifThenElse(c, t, e), cv ? tv : ev] as const),
              fc.tuple(i, i).map(([[a, x], [d]]) => [N.select(N.attrs({ a }), "a", d), x] as const),
              fc.tuple(i, i).map(([[a], [d, y]]) => [N.select(N.attrs({ b: a }), "a", d), y] as const),
              // `or` inside a select subject: `(s.a or t).k or d`.
              fc.tuple(i, i).map(([[a], [d, y]]) => [N.select(N.select(N.attrs({ a: N.attrs({}) }), "a", N.attrs({ k: a })), "k", d), y] as const),
              fc.tuple(i, i).map(([[a, x], [d]]) => [N.select(N.select(N.attrs({}), "a", N.attrs({ k: a })), "k", d), x] as const),
              fc.tuple(i, i).map(([[a, x], [d, y]]) => [N.apply(N.lambda("v", N.binary(v("v"), "*", a)), d), y * x] as const),
              fc.tuple(i, i).map(([[a, x], [d, y]]) => [N.letIn({ n: a }, N.binary(v("n"), "-", d)), x - y] as const),
              fc.tuple(i, i).map(([[a, x], [d, y]]) => [N.withScope(N.attrs({ w: a }), N.binary(v("w"), "+", d)), x + y] as const),
              fc.tuple(i, i, i).map(([[a], [c], [d, z]]) => [
                N.select(N.binary(N.attrs({ k: a, l: c }), "//", N.attrs({ k: d })), "k"),
                z
              ] as const)
            )
            .filter(([, value]) => small(value)),
          bool: fc.oneof(
            { depthSize: "small" },
            fc.boolean().map((x) => [N.bool(x), x] as const),
            fc.tuple(i, fc.constantFrom("==", "!=", "<", "<=", ">", ">=" as const), i).map(([[l, x], op, [r, y]]) => {
              const value = { "==": x === y, "!=": x !== y, "<": x < y, "<=": x <= y, ">": x > y, ">=": x >= y }[op]
              return [N.binary(l, op, r), value] as const
            }),
            fc.tuple(b, fc.constantFrom("&&", "||", "->", "==", "!=" as const), b).map(([[l, x], op, [r, y]]) => {
              const value = { "&&": x && y, "||": x || y, "->": !x || y, "==": x === y, "!=": x !== y }[op]
              return [N.binary(l, op, r), value] as const
            }),
            fc.tuple(b, b, b).map(([[c, cv], [t, tv], [e, ev]]) => [N.ifThenElse(c, t, e), cv ? tv : ev] as const)
          )
        }
      }
    )
    const lists = fc
      .array(fc.array(int, { maxLength: 3 }), { minLength: 1, maxLength: 3 })
      .map((ls): Typed => [ls.map((l): N.NixExpr => N.list(l.map(([e]) => e))).reduceRight((r, l) => N.binary(l, "++", r)), ls.flat().map(([, x]) => x)])
    const typed = fc.oneof(int as fc.Arbitrary<Typed>, bool as fc.Arbitrary<Typed>, lists)
    const json = (value: Typed[1]): unknown =>
      typeof value === "bigint" ? Number(value) : Array.isArray(value) ? value.map(Number) : value
    return property(
      fc.record({ items: fc.array(typed, { minLength: 100, maxLength: 100 }), width: fc.integer({ min: 10, max: 100 }) }),
      async ({ items, width }) => {
        const source = print(N.list(items.map(([e]) => e)), width)
        expect(await evaluate(source)).toEqual(items.map(([, value]) => json(value)))
      },
      3
    )
  })

  it.effect("every generated expression is one Nix expression (nix-instantiate --parse)", () =>
    property(
      fc.record({ items: fc.array(expr, { minLength: 80, maxLength: 80 }), width: fc.integer({ min: 10, max: 100 }) }),
      async ({ items, width }) => {
        // Free variables are looked up in `with x`, so that the parser accepts them.
        const texts = items.map((e) => print(e, width))
        const parses = (text: string) =>
          instantiate(["--parse"], `x: with x; [\n(${text}\n)\n]`).then(
            () => undefined,
            (error: { stderr?: string }) => ({ text, stderr: error.stderr })
          )
        const whole = await parses(texts.join("\n)\n("))
        if (whole !== undefined) {
          for (const text of texts) expect(await parses(text)).toBeUndefined()
        }
        expect(whole).toBeUndefined()
      },
      4
    ))
})
