import { describe, expect, it } from "@effect/vitest"
import { Arbitrary, Either, FastCheck, Option, ParseResult, Schema } from "effect"
import { fieldsDecideClass } from "../src/Codec.js"
import * as fc from "fast-check"
import { compile, compileChecker, compileEncoder, fastChecker, fastDecoder, fastEncoder, rejected } from "../src/internal/fastDecoder.js"
import type { Options } from "../src/internal/fastDecoder.js"
import { mutations } from "./support/mutations.js"

/** Schemas of every kind the compiler handles, and of some it hands to Effect. */
interface Tree {
  readonly name: string
  readonly children: ReadonlyArray<Tree>
}
const Tree: Schema.Schema<Tree> = Schema.Struct({
  name: Schema.String,
  children: Schema.Array(Schema.suspend(() => Tree))
})
const Shape = Schema.Union(
  Schema.TaggedStruct("Circle", { radius: Schema.Number.pipe(Schema.positive()) }),
  Schema.TaggedStruct("Square", { side: Schema.Int }),
  Schema.Union(Schema.TaggedStruct("Dot", {}), Schema.TaggedStruct("Line", { length: Schema.NumberFromString }))
)
/**
 * Classes: one whose fields decide (a checker checks its fields only), one of plain fields (a
 * checker constructs it to check it), and one it must decode in full.
 */
class Point extends Schema.Class<Point>("Point")({ x: Schema.Int, y: Schema.Int.pipe(Schema.nonNegative()) }, [undefined, fieldsDecideClass]) {}
class Size extends Schema.Class<Size>("Size")({ width: Schema.Int.pipe(Schema.positive()) }) {}
class Stamped extends Schema.Class<Stamped>("Stamped")({ at: Schema.DateTimeUtc }, [undefined, fieldsDecideClass]) {}
class Dated extends Schema.Class<Dated>("Dated")({ at: Schema.DateTimeUtc }) {}

const schemas = {
  struct: Schema.Struct({
    a: Schema.String,
    b: Schema.optional(Schema.Number),
    c: Schema.UndefinedOr(Schema.Boolean),
    d: Schema.Literal("x", "y", 3, true),
    e: Schema.Unknown
  }),
  record: Schema.Struct({ fixed: Schema.Number }, Schema.Record({ key: Schema.String.pipe(Schema.pattern(/^[a-z]+$/)), value: Schema.Number })),
  tuple: Schema.Tuple(Schema.String, Schema.optionalElement(Schema.Number)),
  tupleWithRest: Schema.Tuple([Schema.Number], Schema.String, Schema.Boolean),
  refinements: Schema.Struct({ id: Schema.String.pipe(Schema.minLength(2), Schema.brand("Id")), n: Schema.Int.pipe(Schema.between(0, 10)) }),
  transformations: Schema.Struct({
    at: Schema.DateTimeUtc,
    n: Schema.NumberFromString,
    int: Schema.compose(Schema.NumberFromString, Schema.Int),
    renamed: Schema.propertySignature(Schema.String).pipe(Schema.fromKey("old_name")),
    defaulted: Schema.optionalWith(Schema.Number, { default: () => 7 })
  }),
  recursive: Tree,
  classes: Schema.Struct({ point: Point, size: Size, stamped: Stamped, dated: Dated, points: Schema.Array(Point) }),
  // A missing key decodes to a default that its own type rejects: such a key fails to decode.
  invalidDefault: Schema.Struct({ n: Schema.optionalWith(Schema.Number.pipe(Schema.positive()), { default: () => -1 }) }),
  discriminated: Shape,
  primitives: Schema.Union(Schema.String, Schema.Number, Schema.Null, Schema.Literal(true)),
  // Effect tries the tagged member first whatever the order: a compiled union trying them in order would differ.
  overlapping: Schema.Union(Schema.Struct({ a: Schema.String }), Schema.Struct({ kind: Schema.Literal("k"), a: Schema.String })),
  nullable: Schema.NullOr(Schema.Array(Schema.Struct({ k: Schema.String }))),
  // A fallback can make any member accept anything: such unions are Effect's to decide.
  taggedFallback: Schema.Union(
    Schema.Struct({ _tag: Schema.Literal("A").annotations({ decodingFallback: () => Either.right("A" as const) }) }),
    Schema.Struct({ _tag: Schema.Literal("B") })
  ),
  memberFallback: Schema.Union(
    Schema.Number.annotations({ decodingFallback: () => Either.right(0) }),
    Schema.Struct({ _tag: Schema.Literal("B") })
  ),
  // `{}` accepts strings and numbers as well as objects.
  emptyStruct: Schema.Union(Schema.Struct({}), Schema.String, Schema.Struct({ _tag: Schema.Literal("B") }))
} as const

/** Schemas whose unions are left to Effect. */
const leftToEffect = new Set(["overlapping", "taggedFallback", "memberFallback", "emptyStruct"])

const optionSets: ReadonlyArray<Options> = [{}, { onExcessProperty: "error" }, { exact: true }]

/** Both directions, each with its valid inputs: encoded values to decode, type-side values to encode. */
const directions = [
  {
    name: "decoding",
    effect: ParseResult.decodeUnknownEither,
    compiled: compile,
    wrapped: fastDecoder,
    // Valid inputs from Effect's own arbitrary of the schema (its fast-check), encoded.
    valid: (schema: Schema.Schema<unknown, unknown>) =>
      FastCheck.sample(Arbitrary.make(schema), 60).map((value) => Schema.encodeSync(schema)(value) as unknown)
  },
  {
    name: "encoding",
    effect: ParseResult.encodeUnknownEither,
    compiled: compileEncoder,
    wrapped: fastEncoder,
    valid: (schema: Schema.Schema<unknown, unknown>) => FastCheck.sample(Arbitrary.make(schema), 60)
  }
] as const

describe("fastDecoder", () => {
  for (const direction of directions) {
    for (const [name, schema] of Object.entries(schemas) as Array<[string, Schema.Schema<unknown, unknown>]>) {
      for (const options of optionSets) {
        const slow = direction.effect(schema, options)
        const fast = direction.compiled(schema, options)
        const valid = direction.valid(schema)
        const title = `${direction.name} ${name} ${JSON.stringify(options)}`

        it(`${title}: every valid input takes the compiled path to Effect's result`, () => {
          for (const input of valid) {
            const expected = slow(input)
            expect(Either.isRight(expected)).toBe(true)
            const value = fast(input)
            // Unions of overlapping members are Effect's to decide; everything else is compiled.
            if (!leftToEffect.has(name)) expect(value).not.toBe(rejected)
            if (value !== rejected) expect(value).toStrictEqual(Either.getOrThrow(expected))
          }
        })

        it(`${title}: a mutated input is accepted only when Effect accepts it, with Effect's result (property)`, () => {
          const wrapped = direction.wrapped(schema, options, slow)
          fc.assert(fc.property(fc.constantFrom(...valid).chain(mutations), (input) => {
            const expected = slow(input)
            const value = fast(input)
            if (Either.isLeft(expected)) expect(value).toBe(rejected)
            else if (value !== rejected) expect(value).toStrictEqual(expected.right)
            expect(wrapped(input)).toStrictEqual(expected)
          }), { numRuns: 150 })
        })
      }
    }
  }

  for (const [name, schema] of Object.entries(schemas) as Array<[string, Schema.Schema<unknown, unknown>]>) {
    for (const options of optionSets) {
      const slow = ParseResult.decodeUnknownEither(schema, options)
      const check = compileChecker(schema, options)
      const valid = directions[0].valid(schema)
      const title = `checking ${name} ${JSON.stringify(options)}`

      it(`${title}: every valid input passes the compiled check as itself, unchanged`, () => {
        for (const input of valid) {
          const before = JSON.stringify(input)
          expect(Either.isRight(slow(input))).toBe(true)
          expect(check(input)).toBe(input)
          expect(JSON.stringify(input)).toBe(before)
        }
      })

      it(`${title}: a mutated input passes only when Effect decodes it, with Effect's error otherwise (property)`, () => {
        const checked = fastChecker(schema, options, slow)
        fc.assert(fc.property(fc.constantFrom(...valid).chain(mutations), (input) => {
          const expected = slow(input)
          const value = check(input)
          if (Either.isLeft(expected)) {
            expect(value).toBe(rejected)
            expect(checked(input)).toStrictEqual(expected)
          } else {
            if (value !== rejected) expect(value).toBe(input)
            expect(checked(input)).toStrictEqual(Either.right(input))
          }
        }), { numRuns: 150 })
      })
    }
  }

  it("checks without building values, except where a step needs the decoded value", () => {
    const check = compileChecker(schemas.classes, {})
    const stamped = { at: "2024-05-01T12:00:00.000Z" }
    const input = { point: { x: 1, y: 2 }, size: { width: 3 }, stamped, dated: stamped, points: [{ x: 3, y: 0 }] }
    expect(check(input)).toBe(input)
    expect(check({ ...input, point: { x: 1, y: -2 } })).toBe(rejected)
    expect(check({ ...input, size: { width: 0 } })).toBe(rejected)
    expect(check({ ...input, stamped: { at: "not a date" } })).toBe(rejected)
    expect(check({ ...input, dated: { at: "not a date" } })).toBe(rejected)
    expect(check({ ...input, points: [{ x: 1.5, y: 0 }] })).toBe(rejected)
    // The default is checked once: then the node is decoded in full, and a missing key fails as in Effect.
    const defaulted = compileChecker(schemas.invalidDefault, {})
    const two = { n: 2 }
    expect(defaulted(two)).toBe(two)
    expect(Either.isLeft(ParseResult.decodeUnknownEither(schemas.invalidDefault)({}))).toBe(true)
    expect(defaulted({})).toBe(rejected)
    const transformations = compileChecker(schemas.transformations, {})
    const ok = { at: stamped.at, n: "1.5", int: "2", old_name: "x" }
    expect(transformations(ok)).toBe(ok)
    expect(transformations({ ...ok, int: "2.5" })).toBe(rejected)
    expect(transformations({ ...ok, n: "x" })).toBe(rejected)
  })

  it("checks a refinement or a step over a struct or an array on the value Effect rebuilds, not on the input", () => {
    const twoKeys = Schema.Struct({ a: Schema.Number }).pipe(Schema.filter((o) => Object.keys(o).length === 2))
    const inherited = Schema.Struct({ a: Schema.Number }).pipe(Schema.filter((o) => (o as { b?: unknown }).b !== undefined))
    const dense = Schema.Array(Schema.UndefinedOr(Schema.Number)).pipe(Schema.filter((xs) => xs.every((x) => x !== undefined)))
    const step = Schema.transformOrFail(Schema.Struct({ a: Schema.String }), Schema.String, {
      strict: true,
      decode: (o, _, ast) => ("b" in o ? ParseResult.succeed(o.a) : ParseResult.fail(new ParseResult.Type(ast, o))),
      encode: (a) => ParseResult.succeed({ a })
    })
    const mapped = Schema.Struct({
      a: Schema.optionalToRequired(Schema.String, Schema.Number.pipe(Schema.positive()), {
        decode: (o) => (o._tag === "Some" ? o.value.length : 1),
        encode: (n) => Option.some("x".repeat(n))
      })
    })
    const cases: ReadonlyArray<readonly [Schema.Schema<any, any>, unknown]> = [
      [twoKeys, { a: 1, b: 2 }],
      [inherited, Object.assign(Object.create({ b: 1 }), { a: 1 })],
      [dense, new Array(2)],
      [step, { a: "x", b: 1 }],
      [mapped, { a: "" }]
    ]
    for (const [schema, input] of cases) {
      expect(Either.isLeft(ParseResult.decodeUnknownEither(schema)(input))).toBe(true)
      expect(compileChecker(schema, {})(input)).toBe(rejected)
      expect(Either.isLeft(fastChecker(schema, {}, ParseResult.decodeUnknownEither(schema))(input))).toBe(true)
    }
  })

  it("checks a DateTimeUtc text without building the DateTime exactly when Effect decodes it (property)", () => {
    const check = compileChecker(Schema.DateTimeUtc, {})
    const slow = ParseResult.decodeUnknownEither(Schema.DateTimeUtc)
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, "0"))
    // ISO-like text, in and out of range (month 13, day 31 of a short month, hour 24), with and without `Z` or millis.
    const isoLike = fc.tuple(fc.integer({ min: 0, max: 9999 }), two(13), two(32), two(25), two(60), two(61), fc.constantFrom("", ".5", ".123", ".1234"), fc.constantFrom("Z", "", "+01:00", "z"))
      .map(([y, mo, d, h, mi, sec, ms, zone]) => `${String(y).padStart(4, "0")}-${mo}-${d}T${h}:${mi}:${sec}${ms}${zone}`)
    fc.assert(fc.property(fc.oneof(isoLike, fc.date({ noInvalidDate: true }).map((d) => d.toISOString()), fc.string()), (text) => {
      const expected = slow(text)
      expect(check(text)).toBe(Either.isRight(expected) ? text : rejected)
    }), { numRuns: 2000 })
  })

  it("encodes a refined value only after checking it against its type side, as Effect does", () => {
    // The filter reads the number; the encoded value is a string.
    const positive = Schema.NumberFromString.pipe(Schema.positive())
    const encode = compileEncoder(positive, {})
    expect(encode(2)).toBe("2")
    expect(encode(-2)).toBe(rejected)
    expect(encode("2")).toBe(rejected)
    expect(Either.isLeft(ParseResult.encodeUnknownEither(positive)(-2))).toBe(true)
  })

  it("leaves to Effect what only Effect decides: inherited tags, fallbacks, `{}` members", () => {
    const tagged = compile(Schema.Union(Schema.Struct({ type: Schema.Literal("a"), x: Schema.String }), Schema.Struct({ type: Schema.Literal("b") })), {})
    expect(tagged(Object.assign(Object.create({ type: "a" }), { x: "s" }))).toBe(rejected)
    expect(tagged({ type: "a", x: "s" })).toEqual({ type: "a", x: "s" })
    for (const options of optionSets) {
      for (const [schema, input] of [
        [schemas.taggedFallback, { _tag: "B" }],
        [schemas.taggedFallback, { _tag: "C" }],
        [schemas.memberFallback, { _tag: "B" }],
        [schemas.emptyStruct, "s"]
      ] as const) {
        const value = compile(schema as Schema.Schema<unknown, unknown>, options)(input)
        const expected = ParseResult.decodeUnknownEither(schema as Schema.Schema<unknown, unknown>, options)(input)
        if (Either.isLeft(expected)) expect(value).toBe(rejected)
        else if (value !== rejected) expect(value).toStrictEqual(expected.right)
      }
    }
  })

  it("rejects what each kind must reject", () => {
    const struct = compile(schemas.struct, { onExcessProperty: "error" })
    const valid = { a: "s", c: undefined, d: "x", e: null }
    expect(struct(valid)).toEqual(valid)
    expect(struct({ ...valid, extra: 1 })).toBe(rejected)
    // Effect counts every own key as excess, symbols and non-enumerable ones too.
    const symbolKey = { ...valid, [Symbol("extra")]: 1 }
    const hiddenKey = Object.defineProperty({ ...valid }, "hidden", { value: 1, enumerable: false })
    for (const input of [symbolKey, hiddenKey]) {
      expect(Either.isLeft(ParseResult.decodeUnknownEither(schemas.struct, { onExcessProperty: "error" })(input))).toBe(true)
      expect(struct(input)).toBe(rejected)
      expect(compileChecker(schemas.struct, { onExcessProperty: "error" })(input)).toBe(rejected)
    }
    expect(struct({ ...valid, d: "z" })).toBe(rejected)
    expect(struct({ ...valid, b: "1" })).toBe(rejected)
    expect(struct([])).toBe(rejected)
    expect(compile(schemas.struct, { exact: true })({ a: "s", d: "x", e: 1 })).toBe(rejected)
    // A missing `UndefinedOr` key: Effect decodes it as undefined; the compiled path leaves it to Effect.
    expect(compile(schemas.struct, {})({ a: "s", d: "x", e: 1 })).toBe(rejected)
    const slow = ParseResult.decodeUnknownEither(schemas.struct, {})
    expect(fastDecoder(schemas.struct, {}, slow)({ a: "s", d: "x", e: 1 })).toEqual(Either.right({ a: "s", c: undefined, d: "x", e: 1 }))
    const record = compile(schemas.record, { onExcessProperty: "error" })
    expect(record({ fixed: 1, ab: 2 })).toEqual({ fixed: 1, ab: 2 })
    expect(record({ fixed: 1, ab: "2" })).toBe(rejected)
    expect(record({ fixed: 1, "A-B": 2 })).toBe(rejected)
    const rest = compile(schemas.tupleWithRest, {})
    expect(rest([1, "a", "b", true])).toEqual([1, "a", "b", true])
    expect(rest([1, true])).toEqual([1, true])
    expect(rest([1])).toBe(rejected)
    expect(rest([1, "a", "b"])).toBe(rejected)
    expect(compile(schemas.tuple, {})(["a", 1, 2])).toBe(rejected)
    expect(compile(schemas.refinements, {})({ id: "a", n: 1 })).toBe(rejected)
    expect(compile(schemas.refinements, {})({ id: "ab", n: 11 })).toBe(rejected)
    expect(compile(schemas.discriminated, {})({ _tag: "Line", length: "x" })).toBe(rejected)
    expect(compile(schemas.discriminated, {})({ _tag: "Line", length: "2.5" })).toEqual({ _tag: "Line", length: 2.5 })
    const transformations = compile(schemas.transformations, {})
    const at = "2024-05-01T12:00:00.000Z"
    expect(transformations({ at, n: "1.5", int: "2", old_name: "x" })).toEqual(Schema.decodeSync(schemas.transformations)({ at, n: "1.5", int: "2", old_name: "x" }))
    expect(transformations({ at: "not a date", n: "1", int: "2", old_name: "x" })).toBe(rejected)
    expect(transformations({ at, n: "1", int: "2.5", old_name: "x" })).toBe(rejected)
  })
})
