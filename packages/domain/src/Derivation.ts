/**
 * A store derivation: what a `.drv` file in the Nix store says. `decode` reads the ATerm text
 * (`Derive([outputs],[inputDrvs],[inputSrcs],"system","builder",[args],[env])`) and `encode`
 * writes it back byte for byte as Nix does; `toJson` gives what Nix 2.8's `nix show-derivation`
 * prints for the same file, and `fromJson` reads the derivation JSON of any Nix from 2.8 to 2.33+
 * (and Lix) into the same value.
 *
 * Keyed collections are `ReadonlyMap`s so that any key survives (env names such as `__proto__`
 * or `10`); `decode` and `fromJson` order every map and set as Nix does (by bytes) and `encode`
 * writes them in that order. The codec is byte-transparent: decode a file as UTF-8 to read its
 * text, or as latin1 (one character per byte) when values may hold bytes that are not UTF-8.
 */
import { Effect, Schema } from "effect"
import { ParseError } from "./Errors.js"
import { AtermError, compareBytes, quote, quoteList, Reader } from "./internal/aterm.js"
import * as StorePath from "./StorePath.js"

/** How a content-addressed output is hashed: the file itself, its NAR serialisation, text, or git tree. */
export const Method = Schema.Literal("flat", "nar", "text", "git")
export type Method = typeof Method.Type

/** The hash algorithms Nix knows for content addressing. */
export const HashAlgorithm = Schema.Literal("md5", "sha1", "sha256", "sha512", "blake3")
export type HashAlgorithm = typeof HashAlgorithm.Type

/** Length in base-16 digits of a digest of each algorithm. */
const digestLength: Record<HashAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64, sha512: 128, blake3: 64 }

/** The prefix of a method in the ATerm `hashAlgo` field (`r:sha256` is a NAR hash). */
const methodPrefix: Record<Method, string> = { flat: "", nar: "r:", text: "text:", git: "git:" }

/** An output whose path is computed from the derivation's inputs (the common case). */
export class InputAddressed extends Schema.TaggedClass<InputAddressed>()("InputAddressed", {
  path: Schema.String
}) {}

/** A fixed-output derivation's output: its content hash is known in advance (fetchers). */
export class CAFixed extends Schema.TaggedClass<CAFixed>()("CAFixed", {
  path: Schema.String,
  method: Method,
  hashAlgo: HashAlgorithm,
  /** The expected digest in base 16, as Nix writes it. */
  hash: Schema.String.pipe(Schema.pattern(/^[0-9a-f]+$/))
}) {}

/** A floating content-addressed output (experimental `ca-derivations`): its path is known after the build. */
export class CAFloating extends Schema.TaggedClass<CAFloating>()("CAFloating", {
  method: Method,
  hashAlgo: HashAlgorithm
}) {}

/** An input-addressed output whose path is not known yet because an input is content-addressed. */
export class Deferred extends Schema.TaggedClass<Deferred>()("Deferred", {}) {}

/** An output of an impure derivation (experimental `impure-derivations`). */
export class Impure extends Schema.TaggedClass<Impure>()("Impure", {
  method: Method,
  hashAlgo: HashAlgorithm
}) {}

/** One output of a derivation, in each of the forms Nix distinguishes. */
export const Output = Schema.Union(InputAddressed, CAFixed, CAFloating, Deferred, Impure)
export type Output = typeof Output.Type

/** The contents of a `.drv` file. Store paths are printed paths, checked by `decode` and `fromJson`. */
export class Derivation extends Schema.Class<Derivation>("Derivation")({
  /** Output name -> output. */
  outputs: Schema.ReadonlyMapFromSelf({ key: Schema.String, value: Output }),
  /** Input derivation path -> the names of the outputs used (sorted). */
  inputDrvs: Schema.ReadonlyMapFromSelf({ key: Schema.String, value: Schema.Array(Schema.String) }),
  /** Store paths used as sources (sorted). */
  inputSrcs: Schema.Array(Schema.String),
  /** The platform to build on, e.g. `x86_64-linux`. */
  system: Schema.String,
  builder: Schema.String,
  args: Schema.Array(Schema.String),
  /** The builder's environment. Values may hold any characters. */
  env: Schema.ReadonlyMapFromSelf({ key: Schema.String, value: Schema.String })
}) {}

const sortStrings = (items: Iterable<string>): Array<string> => [...items].sort(compareBytes)

const sortedMap = <V>(entries: Iterable<readonly [string, V]>): ReadonlyMap<string, V> =>
  new Map([...entries].sort(([a], [b]) => compareBytes(a, b)))

/** The ATerm `hashAlgo` field of a content-addressed output, e.g. `r:sha256`. */
const printMethodAlgo = (method: Method, hashAlgo: HashAlgorithm): string => `${methodPrefix[method]}${hashAlgo}`

/** Splits an ATerm/legacy-JSON `hashAlgo` such as `r:sha256`, or undefined if it is not one. */
const parseMethodAlgo = (text: string): { method: Method; hashAlgo: HashAlgorithm } | undefined => {
  const method = (["nar", "text", "git"] as const).find((m) => text.startsWith(methodPrefix[m])) ?? "flat"
  const hashAlgo = text.slice(methodPrefix[method].length)
  return Schema.is(HashAlgorithm)(hashAlgo) ? { method, hashAlgo } : undefined
}

const hashAlgoExpected = "md5, sha1, sha256, sha512 or blake3, optionally after r:, text: or git:"

const isDigest = (hash: string, hashAlgo: HashAlgorithm): boolean =>
  hash.length === digestLength[hashAlgo] && /^[0-9a-f]+$/.test(hash)

/** The (path, hashAlgo, hash) fields of an output in a `.drv` file. */
const atermFields = (output: Output): readonly [string, string, string] => {
  switch (output._tag) {
    case "InputAddressed":
      return [output.path, "", ""]
    case "CAFixed":
      return [output.path, printMethodAlgo(output.method, output.hashAlgo), output.hash]
    case "CAFloating":
      return ["", printMethodAlgo(output.method, output.hashAlgo), ""]
    case "Deferred":
      return ["", "", ""]
    case "Impure":
      return ["", printMethodAlgo(output.method, output.hashAlgo), "impure"]
  }
}

// ---------------------------------------------------------------------------------------------
// ATerm

const defaultHint = "Pass the .drv file's text exactly as Nix wrote it (read it as UTF-8, or as latin1 to keep any bytes)."

/** A string read from the text, with where it started and whether it had no escapes. */
interface Literal {
  readonly value: string
  readonly start: number
  readonly raw: boolean
}

const literal = (r: Reader, what: string): Literal => {
  const start = r.position
  const value = r.string(what)
  return { value, start, raw: r.position - start - 2 === value.length }
}

/** Checks that a string read from the text is a store path, reporting a bad path at the offending character. */
const checkStorePath = (lit: Literal, what: string, options: StorePath.ParseOptions): string => {
  const checked = StorePath.parseEither(lit.value, options)
  if (checked._tag === "Left") {
    throw new AtermError(
      // Point into the literal when it has no escapes (valid store paths never need any).
      lit.raw ? lit.start + 1 + checked.left.position : lit.start,
      `${what} is not a valid store path: ${checked.left.message}`,
      checked.left.hint
    )
  }
  return lit.value
}

const readStorePath = (r: Reader, what: string, options: StorePath.ParseOptions): string =>
  checkStorePath(literal(r, what), what, options)

/** Rejects a second occurrence of a key in a set or map, pointing at the duplicate. */
const insertOnce = <V>(map: Map<string, V>, key: string, value: V, position: number, what: string): void => {
  if (map.has(key)) throw new AtermError(position, `${what} ${JSON.stringify(key)} appears twice`)
  map.set(key, value)
}

const readOutput = (r: Reader, options: StorePath.ParseOptions): readonly [string, Output] => {
  r.expect("(", '"(" opening an output')
  const name = r.string("an output name")
  const quoted = JSON.stringify(name)
  r.expect(",")
  const path = literal(r, "the output path")
  r.expect(",")
  const algoAt = r.position
  const hashAlgoText = r.string("the output's hash algorithm")
  r.expect(",")
  const hashAt = r.position
  const hash = r.string("the output's hash")
  r.expect(")", '")" closing an output')
  const checkedPath = () => checkStorePath(path, `the path of output ${quoted}`, options)
  const noPath = (kind: string) => {
    if (path.value !== "") {
      throw new AtermError(path.start, `output ${quoted} is ${kind} and has no path, but the path is ${JSON.stringify(path.value)}`)
    }
  }
  if (hashAlgoText === "") {
    if (hash !== "") throw new AtermError(hashAt, `output ${quoted} has a hash but no hash algorithm`)
    return [name, path.value === "" ? new Deferred() : new InputAddressed({ path: checkedPath() })]
  }
  const methodAlgo = parseMethodAlgo(hashAlgoText)
  if (methodAlgo === undefined) {
    throw new AtermError(algoAt, `unknown hash algorithm ${JSON.stringify(hashAlgoText)}; expected ${hashAlgoExpected}`)
  }
  if (hash === "impure") {
    noPath("impure")
    return [name, new Impure(methodAlgo)]
  }
  if (hash === "") {
    noPath("floating content-addressed")
    return [name, new CAFloating(methodAlgo)]
  }
  if (!isDigest(hash, methodAlgo.hashAlgo)) {
    throw new AtermError(
      hashAt,
      `the hash of output ${quoted} is not a ${methodAlgo.hashAlgo} digest in base 16 (${digestLength[methodAlgo.hashAlgo]} digits 0-9a-f)`
    )
  }
  return [name, new CAFixed({ path: checkedPath(), ...methodAlgo, hash })]
}

const readDerivation = (r: Reader, options: StorePath.ParseOptions): Derivation => {
  r.expect(
    "Derive(",
    '"Derive(" (the start of a derivation)',
    r.text.startsWith("DrvWithVersion(")
      ? "This .drv uses the versioned format of dynamic derivations (experimental, Nix 2.17+), which is not supported."
      : undefined
  )
  const outputs = new Map<string, Output>()
  r.list("the list of outputs", () => {
    const at = r.position + 1
    const [name, output] = readOutput(r, options)
    insertOnce(outputs, name, output, at, "output")
  })
  r.expect(",")
  const inputDrvs = new Map<string, ReadonlyArray<string>>()
  r.list("the list of input derivations", () => {
    r.expect("(", '"(" opening an input derivation')
    const at = r.position
    const drvPath = readStorePath(r, "an input derivation", options)
    r.expect(",")
    const names = new Map<string, null>()
    r.list("the output names of an input derivation", () => {
      const nameAt = r.position
      insertOnce(names, r.string("an output name"), null, nameAt, `input derivation ${drvPath} lists output`)
    })
    r.expect(")", '")" closing an input derivation')
    insertOnce(inputDrvs, drvPath, sortStrings(names.keys()), at, "input derivation")
  })
  r.expect(",")
  const inputSrcs = new Map<string, null>()
  r.list("the list of input sources", () => {
    const at = r.position
    insertOnce(inputSrcs, readStorePath(r, "an input source", options), null, at, "input source")
  })
  r.expect(",")
  const system = r.string("the system")
  r.expect(",")
  const builder = r.string("the builder")
  r.expect(",")
  const args: Array<string> = []
  r.list("the builder arguments", () => args.push(r.string("a builder argument")))
  r.expect(",")
  const env = new Map<string, string>()
  r.list("the environment", () => {
    r.expect("(", '"(" opening an environment variable')
    const at = r.position
    const name = r.string("a variable name")
    r.expect(",")
    const value = r.string("a variable value")
    r.expect(")", '")" closing an environment variable')
    insertOnce(env, name, value, at, "environment variable")
  })
  r.expect(")", '")" closing the derivation')
  r.end()
  return new Derivation(
    {
      outputs: sortedMap(outputs),
      inputDrvs: sortedMap(inputDrvs),
      inputSrcs: sortStrings(inputSrcs.keys()),
      system,
      builder,
      args,
      env: sortedMap(env)
    },
    { disableValidation: true }
  )
}

/**
 * Reads the ATerm text of a `.drv` file. Store paths are checked with `options` (store directory,
 * leading dots per `Capabilities.storeNameLeadingDot`). A ParseError gives the position and what
 * was expected there.
 */
export const decode = (text: string, options: StorePath.ParseOptions = {}): Effect.Effect<Derivation, ParseError> => {
  try {
    return Effect.succeed(readDerivation(new Reader(text), options))
  } catch (e) {
    if (!(e instanceof AtermError)) throw e
    return Effect.fail(
      new ParseError({ kind: "Derivation", input: text, position: e.position, message: e.message, hint: e.hint ?? defaultHint })
    )
  }
}

/**
 * Writes a derivation as Nix writes its `.drv` file: maps and sets in byte order, strings with
 * `"`, `\`, newline, carriage return and tab escaped. `encode(decode(x))` is `x` for every file
 * Nix writes.
 */
export const encode = (drv: Derivation): string => {
  const outputs = sortedMap(drv.outputs)
  const inputDrvs = sortedMap(drv.inputDrvs)
  const env = sortedMap(drv.env)
  return (
    "Derive([" +
    [...outputs].map(([name, output]) => `(${[name, ...atermFields(output)].map(quote).join(",")})`).join(",") +
    "],[" +
    [...inputDrvs].map(([path, names]) => `(${quote(path)},${quoteList(sortStrings(names))})`).join(",") +
    "]," +
    quoteList(sortStrings(drv.inputSrcs)) +
    `,${quote(drv.system)},${quote(drv.builder)},${quoteList(drv.args)},[` +
    [...env].map(([name, value]) => `(${quote(name)},${quote(value)})`).join(",") +
    "])"
  )
}

// ---------------------------------------------------------------------------------------------
// JSON

/** One output as Nix 2.8's `nix show-derivation` prints it. */
export interface OutputJson {
  readonly path?: string
  readonly hashAlgo?: string
  readonly hash?: string
  readonly impure?: true
}

/** One derivation as Nix 2.8's `nix show-derivation` prints it. */
export interface DerivationJson {
  readonly outputs: Readonly<Record<string, OutputJson>>
  readonly inputSrcs: ReadonlyArray<string>
  readonly inputDrvs: Readonly<Record<string, ReadonlyArray<string>>>
  readonly system: string
  readonly builder: string
  readonly args: ReadonlyArray<string>
  readonly env: Readonly<Record<string, string>>
}

const outputJson = (output: Output): OutputJson => {
  switch (output._tag) {
    case "InputAddressed":
      return { path: output.path }
    case "CAFixed":
      return { path: output.path, hashAlgo: printMethodAlgo(output.method, output.hashAlgo), hash: output.hash }
    case "CAFloating":
      return { hashAlgo: printMethodAlgo(output.method, output.hashAlgo) }
    case "Deferred":
      return {}
    case "Impure":
      return { hashAlgo: printMethodAlgo(output.method, output.hashAlgo), impure: true }
  }
}

/**
 * What Nix 2.8's `nix show-derivation <drvPath>` prints for this derivation: an object keyed by
 * the derivation's path. (Records are built with `Object.fromEntries`, so any key is kept.)
 */
export const toJson = (drv: Derivation, drvPath: string): Readonly<Record<string, DerivationJson>> =>
  Object.fromEntries([
    [
      drvPath,
      {
        outputs: Object.fromEntries([...sortedMap(drv.outputs)].map(([name, o]) => [name, outputJson(o)])),
        inputSrcs: sortStrings(drv.inputSrcs),
        inputDrvs: Object.fromEntries([...sortedMap(drv.inputDrvs)].map(([path, names]) => [path, sortStrings(names)])),
        system: drv.system,
        builder: drv.builder,
        args: [...drv.args],
        env: Object.fromEntries(sortedMap(drv.env))
      }
    ]
  ])

/** A problem at a place in a JSON document (`$.outputs.out.hash`). */
class JsonProblem {
  constructor(
    readonly at: string,
    readonly value: unknown,
    readonly message: string
  ) {}
}

const member = (at: string, key: string): string =>
  /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`

type JsonObject = { readonly [key: string]: unknown }

const asObject = (value: unknown, at: string): JsonObject => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new JsonProblem(at, value, "expected an object")
  }
  return value as JsonObject
}

const asString = (value: unknown, at: string): string => {
  if (typeof value !== "string") throw new JsonProblem(at, value, "expected a string")
  return value
}

const asStrings = (value: unknown, at: string): Array<string> => {
  if (!Array.isArray(value)) throw new JsonProblem(at, value, "expected a list of strings")
  return value.map((item, i) => asString(item, `${at}[${i}]`))
}

/** The own members of an object (`Object.entries` keeps keys such as `__proto__`). */
const membersOf = (value: unknown, at: string): Array<readonly [string, unknown]> => Object.entries(asObject(value, at))

/** Reads a store path printed in full (Nix < 2.32) or as a base name (derivation JSON v3+). */
const jsonStorePath = (value: unknown, at: string, options: StorePath.ParseOptions): string => {
  const text = asString(value, at)
  const full = text.startsWith("/") ? text : `${options.storeDir ?? StorePath.defaultStoreDir}/${text}`
  const checked = StorePath.parseEither(full, options)
  if (checked._tag === "Left") throw new JsonProblem(at, value, `not a valid store path: ${checked.left.message}`)
  return full
}

const base64Digits = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Base 16 of standard base64 text (with `=` padding), or undefined if it is not base64. */
const base64ToHex = (text: string): string | undefined => {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return undefined
  const digits = text.replace(/=+$/, "")
  let bits = 0
  let value = 0
  let hex = ""
  for (const c of digits) {
    value = (value << 6) | base64Digits.indexOf(c)
    bits += 6
    if (bits >= 8) {
      bits -= 8
      hex += ((value >> bits) & 0xff).toString(16).padStart(2, "0")
    }
  }
  return hex
}

/** `{method, hashAlgo}` of an output: split (Nix ≥ 2.23) or in one `hashAlgo` like `r:sha256` (older, Lix). */
const jsonMethodAlgo = (o: JsonObject, at: string): { method: Method; hashAlgo: HashAlgorithm } => {
  const hashAlgo = asString(o.hashAlgo, member(at, "hashAlgo"))
  if (o.method === undefined) {
    const parsed = parseMethodAlgo(hashAlgo)
    if (parsed === undefined) throw new JsonProblem(member(at, "hashAlgo"), hashAlgo, `expected ${hashAlgoExpected}`)
    return parsed
  }
  const method = asString(o.method, member(at, "method"))
  if (!Schema.is(Method)(method)) throw new JsonProblem(member(at, "method"), method, "expected flat, nar, text or git")
  if (!Schema.is(HashAlgorithm)(hashAlgo)) {
    throw new JsonProblem(member(at, "hashAlgo"), hashAlgo, "expected md5, sha1, sha256, sha512 or blake3")
  }
  return { method, hashAlgo }
}

/** A fixed output's method, algorithm and base-16 digest, from base 16 + `hashAlgo` or from an SRI hash (v4). */
const jsonFixedHash = (o: JsonObject, at: string): { method: Method; hashAlgo: HashAlgorithm; hash: string } => {
  const hash = asString(o.hash, member(at, "hash"))
  if (o.hashAlgo !== undefined) {
    const methodAlgo = jsonMethodAlgo(o, at)
    if (!isDigest(hash, methodAlgo.hashAlgo)) {
      throw new JsonProblem(member(at, "hash"), hash, `expected a ${methodAlgo.hashAlgo} digest in base 16`)
    }
    return { ...methodAlgo, hash }
  }
  const dash = hash.indexOf("-")
  const hashAlgo = hash.slice(0, dash)
  const hex = base64ToHex(hash.slice(dash + 1))
  if (dash === -1 || !Schema.is(HashAlgorithm)(hashAlgo) || hex === undefined || hex.length !== digestLength[hashAlgo]) {
    throw new JsonProblem(member(at, "hash"), hash, "expected an SRI hash such as sha256-<base64>, or hashAlgo with a base-16 hash")
  }
  const method = asString(o.method, member(at, "method"))
  if (!Schema.is(Method)(method)) throw new JsonProblem(member(at, "method"), method, "expected flat, nar, text or git")
  return { method, hashAlgo, hash: hex }
}

const jsonOutput = (
  name: string,
  value: unknown,
  env: ReadonlyMap<string, string>,
  at: string,
  options: StorePath.ParseOptions
): Output => {
  // Nix ≥ 2.23 documents `null` for an output field that does not apply: treat it as absent.
  const o = Object.fromEntries(membersOf(value, at).filter(([, v]) => v !== null))
  if (o.impure === true) return new Impure(jsonMethodAlgo(o, at))
  if (o.hash !== undefined) {
    const fixed = jsonFixedHash(o, at)
    // Derivation JSON v3+ leaves out a fixed output's path; Nix puts it in the output's env variable.
    const path = o.path !== undefined ? o.path : env.get(name)
    if (path === undefined) {
      throw new JsonProblem(at, value, `a fixed output without "path" needs its path in env.${name}`)
    }
    return new CAFixed({ path: jsonStorePath(path, member(at, "path"), options), ...fixed })
  }
  if (o.hashAlgo !== undefined) return new CAFloating(jsonMethodAlgo(o, at))
  if (o.path !== undefined) return new InputAddressed({ path: jsonStorePath(o.path, member(at, "path"), options) })
  return new Deferred()
}

/** Input derivations: `{path: [outputs]}` (Nix < 2.18) or `{path: {outputs, dynamicOutputs}}`. */
const jsonInputDrvs = (value: unknown, at: string, options: StorePath.ParseOptions): ReadonlyMap<string, ReadonlyArray<string>> =>
  sortedMap(
    membersOf(value, at).map(([key, entry]) => {
      const here = member(at, key)
      const path = jsonStorePath(key, here, options)
      if (Array.isArray(entry)) return [path, sortStrings(asStrings(entry, here))] as const
      const node = asObject(entry, here)
      if (node.dynamicOutputs !== undefined && membersOf(node.dynamicOutputs, member(here, "dynamicOutputs")).length > 0) {
        throw new JsonProblem(member(here, "dynamicOutputs"), node.dynamicOutputs, "dynamic derivation outputs cannot be written as a .drv `Derive(...)`")
      }
      return [path, sortStrings(asStrings(node.outputs, member(here, "outputs")))] as const
    })
  )

/**
 * JSON text as nlohmann::json's `dump()` writes it, which is how Nix stores structured attributes
 * in the `__json` variable: compact, object keys in byte order. (Numbers are printed as
 * JavaScript prints them, so `1.0` comes back as `1`.)
 */
const dumpJson = (value: unknown): string => {
  if (Array.isArray(value)) return `[${value.map(dumpJson).join(",")}]`
  if (typeof value === "object" && value !== null) {
    const o = value as JsonObject
    return `{${Object.keys(o).sort(compareBytes).map((k) => `${JSON.stringify(k)}:${dumpJson(o[k])}`).join(",")}}`
  }
  return JSON.stringify(value)
}

const readDerivationJson = (value: unknown, at: string, options: StorePath.ParseOptions): Derivation => {
  const d = asObject(value, at)
  if (d.version !== undefined && d.version !== 3 && d.version !== 4) {
    throw new JsonProblem(member(at, "version"), d.version, "unknown derivation JSON version (known: none, 3 and 4)")
  }
  const env = new Map(membersOf(d.env, member(at, "env")).map(([k, v]) => [k, asString(v, member(member(at, "env"), k))]))
  if (d.structuredAttrs !== undefined) {
    // Nix ≥ 2.30 shows the `__json` variable of structured attributes as `structuredAttrs`.
    env.set("__json", dumpJson(asObject(d.structuredAttrs, member(at, "structuredAttrs"))))
  }
  const inputs = d.inputs === undefined ? undefined : asObject(d.inputs, member(at, "inputs"))
  const [srcsAt, drvsAt] =
    inputs === undefined ? [member(at, "inputSrcs"), member(at, "inputDrvs")] : [member(member(at, "inputs"), "srcs"), member(member(at, "inputs"), "drvs")]
  const outputsAt = member(at, "outputs")
  return new Derivation(
    {
      outputs: sortedMap(
        membersOf(d.outputs, outputsAt).map(([name, o]) => [name, jsonOutput(name, o, env, member(outputsAt, name), options)] as const)
      ),
      inputDrvs: jsonInputDrvs(inputs === undefined ? d.inputDrvs : inputs.drvs, drvsAt, options),
      inputSrcs: sortStrings(
        asStrings(inputs === undefined ? d.inputSrcs : inputs.srcs, srcsAt).map((p, i) => jsonStorePath(p, `${srcsAt}[${i}]`, options))
      ),
      system: asString(d.system, member(at, "system")),
      builder: asString(d.builder, member(at, "builder")),
      args: asStrings(d.args, member(at, "args")),
      env: sortedMap(env)
    },
    { disableValidation: true }
  )
}

const jsonParseError = (problem: JsonProblem): ParseError => {
  const shown = JSON.stringify(problem.value) ?? String(problem.value)
  return new ParseError({
    kind: "DerivationJson",
    input: shown.length > 200 ? `${shown.slice(0, 200)}...` : shown,
    position: 0,
    message: `at ${problem.at}: ${problem.message}`,
    hint: "Pass the parsed output of `nix show-derivation` / `nix derivation show` (Nix 2.8 to 2.33+ or Lix) unchanged."
  })
}

const catchJson = <A>(f: () => A): Effect.Effect<A, ParseError> => {
  try {
    return Effect.succeed(f())
  } catch (e) {
    if (e instanceof JsonProblem) return Effect.fail(jsonParseError(e))
    throw e
  }
}

/**
 * Reads one derivation in the JSON of any Nix: Nix 2.8 to 2.14 (as `toJson`), 2.15+ (adds
 * `name`), 2.18+ (`inputDrvs` entries `{outputs, dynamicOutputs}`), 2.23+ (`method` split from
 * `hashAlgo`), 2.30+ (`structuredAttrs` instead of the `__json` variable), 2.32's version 3
 * (store paths as base names, fixed outputs without `path`), 2.33's version 4 (`inputs.srcs`,
 * `inputs.drvs`, SRI hashes), and Lix (like 2.18). Base names are put in `options.storeDir`.
 */
export const fromDerivationJson = (json: unknown, options: StorePath.ParseOptions = {}): Effect.Effect<Derivation, ParseError> =>
  catchJson(() => readDerivationJson(json, "$", options))

/**
 * Reads the whole output of `nix show-derivation` / `nix derivation show` of any Nix (an object
 * keyed by derivation path, or 2.33's `{version, derivations}`) into derivations keyed by their
 * full store path.
 */
export const fromJson = (
  json: unknown,
  options: StorePath.ParseOptions = {}
): Effect.Effect<ReadonlyMap<string, Derivation>, ParseError> =>
  catchJson(() => {
    const root = asObject(json, "$")
    const [drvs, at] = typeof root.version === "number" && root.derivations !== undefined ? [root.derivations, "$.derivations"] : [root, "$"]
    return sortedMap(
      membersOf(drvs, at).map(([key, value]) => {
        const here = member(at, key)
        return [jsonStorePath(key, here, options), readDerivationJson(value, here, options)] as const
      })
    )
  })
