/**
 * Decoders, encoders and checkers compiled from a Schema's AST for replays, where nearly every
 * input is valid: they check and build the result with plain closures, and structs with
 * JavaScript generated for their keys (no `Either` per node, no issue objects). Whenever the
 * compiled path cannot vouch for an input (the input is invalid, or a node is of a kind it does
 * not compile) the whole input goes to Effect's own decoder or encoder, so the result, and every
 * error message, is always Effect's. The compiled path must only accept what Effect accepts and
 * build an equal value (a checker: return the input itself): `fastDecoder.test.ts` checks every
 * mode on generated and mutated inputs.
 *
 * Compiled: literals, string/number/boolean/undefined/unknown keywords, refinements (their
 * filters run as Effect runs them; encoding checks the value against the type side first, as
 * Effect does), structs (required keys must be own properties) with index signatures on
 * strings, arrays and tuples, transformations whose step is synchronous, declarations that
 * parse synchronously, suspensions, and unions whose members provably exclude each other
 * (different JavaScript types, different literals, or objects with different literal values
 * under one required key), so that which member Effect would try first does not matter; when
 * all members are told apart by one key (a tag), the member is looked up by it. Anything else
 * (another union, parse-option or fallback annotations) is left to Effect, node by node.
 */
import { Either, Option, ParseResult, Schema, SchemaAST } from "effect"

/**
 * Annotation of a `Schema.Class` transformation (its second annotations): the class's
 * constructor only stores its fields, so a value decodes exactly when its fields do, and a
 * checker checks the fields without constructing the class.
 */
export const fieldsDecide: unique symbol = Symbol.for("@cim-nix/domain/Codec/fieldsDecide")

/** What a compiled node returns for an input it does not vouch for. */
const FAIL: unique symbol = Symbol("fastDecoder.FAIL")
type Compiled = (input: unknown) => unknown

/** Options the compiled path implements (those of `ParseResult.decodeUnknownEither` that replays use). */
export interface Options {
  readonly onExcessProperty?: "ignore" | "error" | undefined
  readonly exact?: boolean | undefined
}

/** The value of a step that succeeded synchronously (a `Right`); `FAIL` for a `Left` or an effect to run. */
const rightOrFail = (result: unknown): unknown =>
  Either.isEither(result) && Either.isRight(result) ? result.right : FAIL

/** A node decoded (or encoded) by Effect itself, for kinds the compiler leaves alone. */
const byEffect = (ast: SchemaAST.AST, options: SchemaAST.ParseOptions, isDecoding: boolean): Compiled => {
  const schema = { ast } as Schema.Schema<unknown>
  const parse = isDecoding ? ParseResult.decodeUnknownEither(schema, options) : ParseResult.encodeUnknownEither(schema, options)
  return (input) => rightOrFail(parse(input))
}

/** What a union member can be told apart by: its JavaScript type, its literal, or its literal tags. */
interface Shape {
  readonly kind: "string" | "number" | "boolean" | "undefined" | "null" | "object" | "any"
  readonly literal?: unknown
  /** For objects: required keys whose value is one of a known set of literals. */
  readonly tags?: ReadonlyMap<PropertyKey, ReadonlySet<unknown>>
}

/** A decoding fallback can turn any input into anything: nothing can be told about such a node. */
const hasFallback = (ast: SchemaAST.AST) => Option.isSome(SchemaAST.getDecodingFallbackAnnotation(ast))

const literalsOf = (ast: SchemaAST.AST): ReadonlySet<unknown> | undefined => {
  if (hasFallback(ast)) return undefined
  switch (ast._tag) {
    case "Literal":
      return new Set([ast.literal])
    case "Union": {
      const all = new Set<unknown>()
      for (const member of ast.types) {
        const literals = literalsOf(member)
        if (literals === undefined) return undefined
        for (const l of literals) all.add(l)
      }
      return all
    }
    case "Refinement":
      return literalsOf(ast.from)
    default:
      return undefined
  }
}

const shapeOf = (ast: SchemaAST.AST): Shape => {
  if (hasFallback(ast)) return { kind: "any" }
  switch (ast._tag) {
    case "Literal":
      return ast.literal === null
        ? { kind: "null" }
        : { kind: typeof ast.literal as Shape["kind"], literal: ast.literal }
    case "StringKeyword":
    case "TemplateLiteral":
      return { kind: "string" }
    case "NumberKeyword":
      return { kind: "number" }
    case "BooleanKeyword":
      return { kind: "boolean" }
    case "UndefinedKeyword":
      return { kind: "undefined" }
    case "Refinement":
      return shapeOf(ast.from)
    case "Transformation":
      return shapeOf(ast.from)
    case "TupleType":
      return { kind: "object" }
    case "TypeLiteral": {
      // `{}` accepts any value but null and undefined.
      if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) return { kind: "any" }
      const tags = new Map<PropertyKey, ReadonlySet<unknown>>()
      for (const ps of ast.propertySignatures) {
        const literals = ps.isOptional ? undefined : literalsOf(ps.type)
        if (literals !== undefined) tags.set(ps.name, literals)
      }
      return { kind: "object", tags }
    }
    default:
      return { kind: "any" }
  }
}

const disjoint = (a: ReadonlySet<unknown>, b: ReadonlySet<unknown>) => {
  for (const x of a) if (b.has(x)) return false
  return true
}

/** True when no input can be accepted by both shapes. */
const exclusive = (a: Shape, b: Shape): boolean => {
  if (a.kind === "any" || b.kind === "any") return false
  if (a.kind !== b.kind) return true
  if ("literal" in a && "literal" in b) return a.literal !== b.literal
  if (a.tags !== undefined && b.tags !== undefined) {
    for (const [key, literals] of a.tags) {
      const other = b.tags.get(key)
      if (other !== undefined && disjoint(literals, other)) return true
    }
  }
  return false
}

/**
 * The shapes of a member's input: one, or one per member of a nested union (also under
 * refinements and transformations). Encoding reads type-side values: its shapes are those of
 * the schema's type side.
 */
const shapesOf = (ast: SchemaAST.AST, isDecoding: boolean): ReadonlyArray<Shape> => {
  if (!isDecoding) return shapesOf(SchemaAST.typeAST(ast), true)
  if (hasFallback(ast)) return [{ kind: "any" }]
  switch (ast._tag) {
    case "Union":
      return ast.types.flatMap((member) => shapesOf(member, true))
    // A refinement accepts less than what it refines; a transformation first decodes its `from`.
    case "Refinement":
    case "Transformation":
      return shapesOf(ast.from, true)
    default:
      return [shapeOf(ast)]
  }
}

const exclusiveMembers = (types: ReadonlyArray<SchemaAST.AST>, isDecoding: boolean) => {
  const shapes = types.map((member) => shapesOf(member, isDecoding))
  return shapes.every((as, i) => shapes.every((bs, j) => i === j || as.every((a) => bs.every((b) => exclusive(a, b)))))
}

/**
 * For a union of exclusive object members that all require one key with literal values (a
 * tag, such as `_tag`): that key and the member for each literal. Only that member can accept
 * an input, so the compiled union looks it up instead of trying each member in turn; an input
 * without the key as an own property, or with another value, no member accepts.
 */
const tagDispatch = (
  types: ReadonlyArray<SchemaAST.AST>,
  isDecoding: boolean
): { readonly key: PropertyKey; readonly members: ReadonlyMap<unknown, number> } | undefined => {
  const shapes = types.map((member) => shapesOf(member, isDecoding))
  const first = shapes[0]?.[0]?.tags
  if (first === undefined) return undefined
  for (const key of first.keys()) {
    const members = new Map<unknown, number>()
    const everyShapeTagged = shapes.every((memberShapes, index) =>
      memberShapes.every((shape) => {
        const literals = shape.kind === "object" ? shape.tags?.get(key) : undefined
        if (literals === undefined) return false
        for (const literal of literals) {
          if (members.has(literal) && members.get(literal) !== index) return false
          members.set(literal, index)
        }
        return true
      }))
    if (everyShapeTagged) return { key, members }
  }
  return undefined
}

/** Keys of an index signature the compiler knows how to list (Effect lists the same). */
const stringParameter = (ast: SchemaAST.AST): boolean =>
  ast._tag === "StringKeyword" || (ast._tag === "Refinement" && stringParameter(ast.from))

/** The decoding (or encoding) step of a transformation, as Effect's parser takes it. */
const transformationStep = (
  kind: SchemaAST.TransformationKind,
  isDecoding: boolean
): (fromA: any, options: SchemaAST.ParseOptions, self: SchemaAST.Transformation, fromI: any) => unknown => {
  switch (kind._tag) {
    case "FinalTransformation":
      return isDecoding ? kind.decode : kind.encode
    case "ComposeTransformation":
      return Either.right
    case "TypeLiteralTransformation": {
      // The direction is chosen once, not on every value.
      const renames = kind.propertySignatureTransformations.map((pst) =>
        isDecoding ? { from: pst.from, to: pst.to, step: pst.decode } : { from: pst.to, to: pst.from, step: pst.encode })
      return (input: Record<PropertyKey, unknown>) => {
        for (const { from, step, to } of renames) {
          const value = step(Object.prototype.hasOwnProperty.call(input, from) ? Option.some(input[from]) : Option.none())
          delete input[from]
          if (Option.isSome(value)) input[to] = value.value
        }
        return Either.right(input)
      }
    }
  }
}

/** ISO 8601 text in UTC as `DateTime.formatIso` writes it (the only form a checker reads without decoding). */
const isoUtc = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?Z$/

/** The two-digit number at `at` of `isoUtc` text. */
const twoDigits = (text: string, at: number) => (text.charCodeAt(at) - 48) * 10 + text.charCodeAt(at + 1) - 48

/**
 * Whether `Date` reads `isoUtc` text: surely when its month, day (up to the 28th), hour, minute
 * and second are in range, which spares most texts `Date.parse`; it decides the others.
 */
const readsAsDate = (text: string): boolean => {
  const month = twoDigits(text, 5)
  const day = twoDigits(text, 8)
  const plain = month >= 1 && month <= 12 && day >= 1 && day <= 28 && twoDigits(text, 11) <= 23 &&
    twoDigits(text, 14) <= 59 && twoDigits(text, 17) <= 59
  return plain || !Number.isNaN(Date.parse(text))
}

/** `ast` without the refinements at its top (what Effect encodes a refinement's value with). */
const dropRefinements = (ast: SchemaAST.AST): SchemaAST.AST => (ast._tag === "Refinement" ? dropRefinements(ast.from) : ast)

/**
 * What a compiler builds: a decoder, an encoder, or a checker, which decodes without building
 * the result: it returns its input itself when the input decodes.
 */
type Mode = "decode" | "encode" | "check"

/**
 * True when decoding `ast` gives back its input itself (when it succeeds): a primitive value
 * or any value taken as it is (keywords, literals, refinements and unions of them). A checker
 * runs a refinement's filter, or a transformation's step, on the input only above such nodes:
 * above a struct or an array, Effect runs them on the value it rebuilt (its own keys only, a
 * plain prototype, no holes), which the input need not be.
 */
const isPlain = (ast: SchemaAST.AST): boolean => {
  if (hasFallback(ast) || Option.isSome(SchemaAST.getParseOptionsAnnotation(ast))) return false
  switch (ast._tag) {
    case "Literal":
    case "StringKeyword":
    case "NumberKeyword":
    case "BooleanKeyword":
    case "UndefinedKeyword":
    case "UnknownKeyword":
    case "AnyKeyword":
      return true
    case "Refinement":
      return isPlain(ast.from)
    case "Union":
      return ast.types.every(isPlain)
    default:
      return false
  }
}

/** A struct's property as the compiler reads it. */
interface Property {
  readonly name: PropertyKey
  readonly optional: boolean
  readonly decode: Compiled
}

/**
 * A struct without index signatures, all of whose keys are strings, compiled to JavaScript
 * source with one statement per property: each property is read by its name at its own site,
 * which V8 makes fast, where a loop over the properties reads every struct's keys at one site.
 * It does what the general struct closure does (see there), in the same order.
 */
const generatedStruct = (
  properties: ReadonlyArray<Property & { readonly name: string }>,
  rejectExcess: boolean,
  checking: boolean
): Compiled => {
  const statements = properties.map(({ name, optional }, i) => {
    const key = JSON.stringify(name)
    const store = checking ? "" : `output[${key}] = value;`
    return `if (hasOwn.call(input, ${key})) { present++; value = decode[${i}](input[${key}]); if (value === FAIL) return FAIL; ${store} }` +
      (optional ? "" : " else return FAIL;")
  })
  const source = [
    "return function struct(input) {",
    "if (typeof input !== \"object\" || input === null || Array.isArray(input)) return FAIL;",
    checking ? "" : "const output = {};",
    "let present = 0; let value;",
    ...statements,
    // `Reflect.ownKeys(input).length`, which Effect reads, without its cost (several times theirs in V8).
    rejectExcess ? "if (Object.getOwnPropertyNames(input).length + Object.getOwnPropertySymbols(input).length > present) return FAIL;" : "",
    checking ? "return input;" : "return output;",
    "}"
  ].join("\n")
  // The source holds only JSON string literals of the schema's own keys.
  return new Function("FAIL", "hasOwn", "decode", source)(FAIL, Object.prototype.hasOwnProperty, properties.map((p) => p.decode)) as Compiled
}

class Compiler {
  private readonly memo = new Map<SchemaAST.AST, Compiled>()
  /** The decoding compiler an encoding one checks refined values with, and a checker builds with where it must. */
  private decoding: Compiler | undefined
  private readonly isDecoding: boolean
  private readonly isChecking: boolean
  constructor(private readonly options: SchemaAST.ParseOptions, mode: Mode) {
    this.isDecoding = mode !== "encode"
    this.isChecking = mode === "check"
  }

  /** The decoder of `ast` (this compiler when it decodes). */
  private decoder(ast: SchemaAST.AST): Compiled {
    if (this.isDecoding && !this.isChecking) return this.compile(ast)
    this.decoding ??= new Compiler(this.options, "decode")
    return this.decoding.compile(ast)
  }

  /** A checker that decodes `ast` in full, for nodes it cannot check without building their value. */
  private byDecoding(ast: SchemaAST.AST): Compiled {
    const decode = this.decoder(ast)
    return (input) => (decode(input) === FAIL ? FAIL : input)
  }

  compile(ast: SchemaAST.AST): Compiled {
    const known = this.memo.get(ast)
    if (known !== undefined) return known
    // Registered before compiling the children, so that shared and recursive nodes compile once.
    let compiled: Compiled | undefined
    const self: Compiled = (input) => compiled!(input)
    this.memo.set(ast, self)
    const annotated = hasFallback(ast) || Option.isSome(SchemaAST.getParseOptionsAnnotation(ast))
    compiled = annotated ? this.byEffect(ast) : this.node(ast)
    this.memo.set(ast, compiled)
    return compiled
  }

  private node(ast: SchemaAST.AST): Compiled {
    switch (ast._tag) {
      case "Literal": {
        const literal = ast.literal
        return (input) => (input === literal ? input : FAIL)
      }
      case "StringKeyword":
        return (input) => (typeof input === "string" ? input : FAIL)
      case "NumberKeyword":
        return (input) => (typeof input === "number" ? input : FAIL)
      case "BooleanKeyword":
        return (input) => (typeof input === "boolean" ? input : FAIL)
      case "UndefinedKeyword":
        return (input) => (input === undefined ? input : FAIL)
      case "UnknownKeyword":
      case "AnyKeyword":
        return (input) => input
      case "Refinement":
        return this.refinement(ast)
      case "Transformation":
        return this.transformation(ast)
      case "Declaration":
        return this.declaration(ast)
      case "TupleType":
        return this.tuple(ast)
      case "TypeLiteral":
        return this.struct(ast)
      case "Union":
        return this.union(ast)
      case "Suspend": {
        let target: Compiled | undefined
        return (input) => (target ??= this.compile(ast.f()))(input)
      }
      default:
        return this.byEffect(ast)
    }
  }

  /** A node left to Effect (a checker returns the input, not Effect's value). */
  private byEffect(ast: SchemaAST.AST): Compiled {
    const parse = byEffect(ast, this.options, this.isDecoding)
    return this.isChecking ? (input) => (parse(input) === FAIL ? FAIL : input) : parse
  }

  private refinement(ast: SchemaAST.Refinement): Compiled {
    if (!this.isDecoding) {
      // Effect encodes a refined value after checking it against the type side, filters included.
      const check = this.decoder(SchemaAST.typeAST(ast))
      const encode = this.compile(dropRefinements(ast.from))
      return (input) => {
        const value = check(input)
        return value === FAIL ? FAIL : encode(value)
      }
    }
    // The filter reads the decoded value: a checker has it only when it is the input itself.
    if (this.isChecking && !isPlain(ast.from)) return this.byDecoding(ast)
    const from = this.compile(ast.from)
    const options = this.options
    return (input) => {
      const value = from(input)
      return value === FAIL || Option.isSome(ast.filter(value, options, ast)) ? FAIL : value
    }
  }

  private transformation(ast: SchemaAST.Transformation): Compiled {
    if (this.isChecking) return this.checkTransformation(ast)
    const from = this.compile(this.isDecoding ? ast.from : ast.to)
    const to = this.compile(this.isDecoding ? ast.to : ast.from)
    const transform = transformationStep(ast.transformation, this.isDecoding)
    const options = this.options
    return (input) => {
      const value = from(input)
      if (value === FAIL) return FAIL
      const next = rightOrFail(transform(value, options, ast, input))
      return next === FAIL ? FAIL : to(next)
    }
  }

  /**
   * Checks a transformation. `DateTimeUtc`: see `checkDateTimeUtc`. A class whose fields decide
   * (`fieldsDecide`): its fields. A step from a primitive value (`isPlain`): run on the input,
   * its result decoded by `to`. Anything else (struct keys renamed or defaulted, steps from
   * structs or arrays) is decoded in full.
   */
  private checkTransformation(ast: SchemaAST.Transformation): Compiled {
    if (ast === Schema.DateTimeUtc.ast) return this.checkDateTimeUtc(ast)
    if (ast.annotations[fieldsDecide] === true) return this.compile(ast.from)
    const kind = ast.transformation
    if (kind._tag === "TypeLiteralTransformation" || !isPlain(ast.from)) return this.byDecoding(ast)
    const from = this.compile(ast.from)
    const to = this.decoder(ast.to)
    const transform = transformationStep(kind, true)
    const options = this.options
    return (input) => {
      if (from(input) === FAIL) return FAIL
      const next = rightOrFail(transform(input, options, ast, input))
      return next === FAIL || to(next) === FAIL ? FAIL : input
    }
  }

  /**
   * Checks a `DateTimeUtc` text without building the `DateTime`: text in the form Effect's
   * encoder writes (ISO 8601 in UTC, ending in `Z`) is accepted when `Date` reads it, as Effect
   * reads such text; any other input takes the full decoding.
   */
  private checkDateTimeUtc(ast: SchemaAST.Transformation): Compiled {
    const decode = this.byDecoding(ast)
    return (input) =>
      typeof input === "string" && isoUtc.test(input) && readsAsDate(input) ? input : decode(input)
  }

  private declaration(ast: SchemaAST.Declaration): Compiled {
    const decode = (this.isDecoding ? ast.decodeUnknown : ast.encodeUnknown)(...ast.typeParameters)
    const options = this.options
    const checking = this.isChecking
    return (input) => {
      const value = rightOrFail(decode(input, options, ast))
      return checking && value !== FAIL ? input : value
    }
  }

  private tuple(ast: SchemaAST.TupleType): Compiled {
    const elements = ast.elements.map((e) => ({ decode: this.compile(e.type), optional: e.isOptional }))
    const [head, ...tail] = ast.rest.map((r) => this.compile(r.type))
    const required = elements.filter((e) => !e.optional).length + tail.length
    const checking = this.isChecking
    return (input) => {
      if (!Array.isArray(input) || input.length < required) return FAIL
      const length = input.length
      if (head === undefined && length > elements.length) return FAIL
      const output: Array<unknown> | undefined = checking ? undefined : []
      let i = 0
      for (; i < elements.length && i < length; i++) {
        const value = elements[i]!.decode(input[i])
        if (value === FAIL) return FAIL
        output?.push(value)
      }
      if (head !== undefined) {
        for (; i < length - tail.length; i++) {
          const value = head(input[i])
          if (value === FAIL) return FAIL
          output?.push(value)
        }
        for (let t = 0; t < tail.length; t++, i++) {
          const value = tail[t]!(input[i])
          if (value === FAIL) return FAIL
          output?.push(value)
        }
      }
      return output ?? input
    }
  }

  private struct(ast: SchemaAST.TypeLiteral): Compiled {
    if (ast.propertySignatures.length === 0 && ast.indexSignatures.length === 0) {
      return (input) => (input !== null && input !== undefined ? input : FAIL)
    }
    if (!ast.indexSignatures.every((is) => stringParameter(is.parameter))) return this.byEffect(ast)
    const properties = ast.propertySignatures.map((ps) => ({
      name: ps.name,
      optional: ps.isOptional,
      decode: this.compile(ps.type)
    }))
    const rejectExcess = this.options.onExcessProperty === "error"
    const checking = this.isChecking
    if (ast.indexSignatures.length === 0 && properties.every((p) => typeof p.name === "string")) {
      return generatedStruct(properties as ReadonlyArray<Property & { readonly name: string }>, rejectExcess, checking)
    }
    const expected = new Set<PropertyKey>(properties.map((p) => p.name))
    const indexes = ast.indexSignatures.map((is) => ({ key: this.compile(is.parameter), decode: this.compile(is.type) }))
    const hasOwn = Object.prototype.hasOwnProperty
    return (input) => {
      if (typeof input !== "object" || input === null || Array.isArray(input)) return FAIL
      const record = input as Record<PropertyKey, unknown>
      const output: Record<PropertyKey, unknown> | undefined = checking ? undefined : {}
      let present = 0
      for (const property of properties) {
        if (hasOwn.call(record, property.name)) present++
        else if (property.optional) continue
        // Effect reads a missing key through the prototype, but its union lookup does not:
        // left to Effect (also what `exact` requires).
        else return FAIL
        const value = property.decode(record[property.name])
        if (value === FAIL) return FAIL
        if (output !== undefined) output[property.name] = value
      }
      // Without index signatures, an excess key is any own key beyond the expected ones present.
      if (rejectExcess && indexes.length === 0 && Reflect.ownKeys(record).length > present) return FAIL
      if (indexes.length > 0) {
        if (rejectExcess) {
          for (const key of Reflect.ownKeys(record)) {
            if (!expected.has(key) && !(typeof key === "string" && indexes.some((is) => is.key(key) !== FAIL))) return FAIL
          }
        }
        for (const index of indexes) {
          for (const key of Object.keys(record)) {
            if (index.key(key) === FAIL) continue
            const value = index.decode(record[key])
            if (value === FAIL) return FAIL
            if (output !== undefined && !expected.has(key)) output[key] = value
          }
        }
      }
      return output ?? input
    }
  }

  private union(ast: SchemaAST.Union): Compiled {
    if (!exclusiveMembers(ast.types, this.isDecoding)) return this.byEffect(ast)
    const members = ast.types.map((member) => this.compile(member))
    const dispatch = tagDispatch(ast.types, this.isDecoding)
    if (dispatch !== undefined) {
      const { key, members: byTag } = dispatch
      const hasOwn = Object.prototype.hasOwnProperty
      return (input) => {
        if (typeof input !== "object" || input === null || !hasOwn.call(input, key)) return FAIL
        const member = byTag.get((input as Record<PropertyKey, unknown>)[key])
        return member === undefined ? FAIL : members[member]!(input)
      }
    }
    return (input) => {
      for (const member of members) {
        const value = member(input)
        if (value !== FAIL) return value
      }
      return FAIL
    }
  }
}

/**
 * The compiled check-and-build of `schema`: the decoded value, or `rejected` for an input it
 * does not vouch for (then Effect's decoder must have the last word).
 */
export const compile = <A, I>(schema: Schema.Schema<A, I, never>, options: Options): (input: unknown) => A | typeof rejected =>
  new Compiler(options, "decode").compile(schema.ast) as (input: unknown) => A | typeof rejected

/** The compiled check-and-encode of `schema`, as `compile` is of its decoding. */
export const compileEncoder = <A, I>(schema: Schema.Schema<A, I, never>, options: Options): (input: unknown) => I | typeof rejected =>
  new Compiler(options, "encode").compile(schema.ast) as (input: unknown) => I | typeof rejected

/**
 * The compiled check of `schema`'s decoding: the input itself when it decodes, or `rejected` for
 * an input it does not vouch for. It builds no value where it can avoid it (structs, arrays,
 * unions, refinements of plain values), so it is cheaper than decoding.
 */
export const compileChecker = <A, I>(schema: Schema.Schema<A, I, never>, options: Options): (input: unknown) => I | typeof rejected =>
  new Compiler(options, "check").compile(schema.ast) as (input: unknown) => I | typeof rejected

/** What `compile`'s decoder returns for an input it leaves to Effect. */
export const rejected: typeof FAIL = FAIL

/**
 * `decode` (Effect's decoder of `schema` with `options`) made fast for valid inputs: a compiled
 * check-and-build runs first, and `decode` itself runs whenever the compiled path fails, so the
 * results and errors are `decode`'s. Compiled on first use, so that importing the domain (every
 * CLI start) compiles nothing.
 */
export const fastDecoder = <A, I, E>(
  schema: Schema.Schema<A, I, never>,
  options: Options,
  decode: (input: unknown) => Either.Either<A, E>
): (input: unknown) => Either.Either<A, E> => withFallback(() => compile(schema, options), decode)

/** `encode` (Effect's encoder of `schema` with `options`) made fast for valid values, as `fastDecoder` is for decoding. */
export const fastEncoder = <A, I, E>(
  schema: Schema.Schema<A, I, never>,
  options: Options,
  encode: (value: unknown) => Either.Either<I, E>
): (value: unknown) => Either.Either<I, E> => withFallback(() => compileEncoder(schema, options), encode)

/**
 * `decode` (Effect's decoder of `schema` with `options`) as a check: the input itself, typed as
 * the schema's encoded form, when it decodes, else `decode`'s error. Compiled as `fastDecoder` is.
 */
export const fastChecker = <A, I, E>(
  schema: Schema.Schema<A, I, never>,
  options: Options,
  decode: (input: unknown) => Either.Either<A, E>
): (input: unknown) => Either.Either<I, E> =>
  withFallback(() => compileChecker(schema, options), (input) => Either.map(decode(input), () => input as I))

const withFallback = <B, E>(
  make: () => (input: unknown) => B | typeof FAIL,
  parse: (input: unknown) => Either.Either<B, E>
): (input: unknown) => Either.Either<B, E> => {
  let compiled: ((input: unknown) => B | typeof FAIL) | undefined
  return (input) => {
    const value = (compiled ??= make())(input)
    return value === FAIL ? parse(input) : Either.right(value as B)
  }
}
