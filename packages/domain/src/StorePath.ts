/**
 * A path in the Nix store: `<storeDir>/<hash>-<name>`, where the hash is 32 characters of Nix's
 * base-32 alphabet and the name follows Nix's rules for store path names. The store directory is
 * part of the value (default `/nix/store`). `parse` reports the exact position of the first bad
 * character; the one rule that differs between Nix releases (a leading `.` in the name, allowed
 * since 2.20) is an option that callers take from `NixVersion.Capabilities.storeNameLeadingDot`.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ParseError } from "./Errors.js"
import * as Codec from "./Codec.js"

/** The store directory Nix uses unless configured otherwise. */
export const defaultStoreDir = "/nix/store"

/** Length of the hash part of a store path's base name. */
export const hashLength = 32

/** The longest name Nix accepts (the `<name>` after `<hash>-`). */
export const maxNameLength = 211

/** Nix's base-32 alphabet: digits and lowercase letters without `e`, `o`, `u` and `t`. */
export const base32Alphabet = "0123456789abcdfghijklmnpqrsvwxyz"

const nameChar = /[A-Za-z0-9+\-._?=]/
const nameChars = /^[A-Za-z0-9+\-._?=]*$/

const hashPattern = new RegExp(`^[${base32Alphabet}]{${hashLength}}$`)

/** What is wrong with a name under the rule every Nix since 2.20 applies, or undefined if nothing. */
const nameProblem = (name: string): string | undefined => {
  if (name.length === 0) return "the name is empty"
  if (!nameChars.test(name)) return `the name contains ${JSON.stringify([...name].find((c) => !nameChar.test(c)))}`
  if (name.length > maxNameLength) return `the name is longer than ${maxNameLength} characters`
  return dotComponentProblem(name)
}

/** Nix 2.20+ rejects a name whose first dash-separated component is `.` or `..`. */
const dotComponentProblem = (name: string): string | undefined => {
  if (name[0] !== ".") return undefined
  const first = name.split("-", 1)[0]
  return first === "." || first === ".."
    ? `the name's first dash-separated component is ${JSON.stringify(first)}`
    : undefined
}

/** The 32-character hash part of a store path, in Nix's base-32 alphabet. */
export const Hash = Schema.String.pipe(
  Schema.pattern(hashPattern, { message: () => `a store path hash is ${hashLength} characters of ${base32Alphabet}` }),
  Schema.brand("StorePathHash")
)
export type Hash = typeof Hash.Type

/**
 * The name part of a store path: 1 to 211 characters of `A-Za-z0-9+-._?=`, whose first
 * dash-separated component is not `.` or `..`. This is the rule of current Nix; `parse` can apply
 * the stricter rule of Nix before 2.20 (no leading `.` at all).
 */
export const Name = Schema.String.pipe(
  Schema.filter((name) => nameProblem(name) ?? true),
  Schema.brand("StorePathName")
)
export type Name = typeof Name.Type

/** An absolute directory without a trailing slash, e.g. `/nix/store`. */
export const StoreDir = Schema.String.pipe(
  Schema.filter((dir) =>
    /^(\/[^/]+)+$/.test(dir) || `a store directory is an absolute path without a trailing slash, not ${JSON.stringify(dir)}`
  )
)

/** A store path: the store directory, the hash and the name. */
export class StorePath extends Schema.Class<StorePath>("StorePath")({
  storeDir: StoreDir,
  hash: Hash,
  name: Name
}, [undefined, Codec.fieldsDecideClass]) {}

/** A store path in its JSON form: its fields, without the class. */
export type Encoded = typeof StorePath.Encoded

/** How to read a store path. */
export interface ParseOptions {
  /** The store directory the path must be in (default `/nix/store`). */
  readonly storeDir?: string
  /**
   * Whether a name may start with `.` (Nix 2.20 and later; pass
   * `Capabilities.storeNameLeadingDot`). Default false, the rule of older Nix.
   */
  readonly allowLeadingDot?: boolean
}

/** A store path and the relative path of a file inside it (`""` for the store path itself). */
export interface WithSubpath {
  readonly storePath: StorePath
  readonly subpath: string
}

const shape = "<store dir>/<32-character hash>-<name>"

/** The whole character (code point) that starts at `i`, so that messages never show half a surrogate pair. */
const charAt = (text: string, i: number): string | undefined => {
  const code = text.codePointAt(i)
  return code === undefined ? undefined : String.fromCodePoint(code)
}

/** Reads `text` as a store path, followed by `/<subpath>` when `subpath` is allowed. */
const read = (
  text: string,
  options: ParseOptions,
  subpath: boolean
): Either.Either<WithSubpath, ParseError> => {
  const fail = (position: number, message: string, hint: string) =>
    Either.left(new ParseError({ kind: "StorePath", input: text, position, message, hint }))
  const storeDir = options.storeDir ?? defaultStoreDir
  if (!Schema.is(StoreDir)(storeDir)) {
    return fail(
      0,
      `the store directory ${JSON.stringify(storeDir)} is not an absolute path without a trailing slash`,
      "Pass the store directory as Nix prints it, e.g. /nix/store."
    )
  }
  const prefix = `${storeDir}/`
  if (!text.startsWith(prefix)) {
    let at = 0
    while (at < text.length && text[at] === prefix[at]) at++
    return fail(
      at,
      `${JSON.stringify(text)} is not a path in the Nix store ${storeDir}`,
      `A store path looks like ${storeDir}/<32-character hash>-<name>; if the store is elsewhere, pass its directory as storeDir.`
    )
  }
  const hashStart = prefix.length
  for (let i = hashStart; i < hashStart + hashLength; i++) {
    const c = charAt(text, i)
    if (c === undefined || c === "-" || c === "/") {
      return fail(
        i,
        `the hash part of a store path has ${hashLength} characters, this one has ${i - hashStart}`,
        `Copy the whole store path (${shape}); it may have been cut short.`
      )
    }
    if (!base32Alphabet.includes(c)) {
      return fail(
        i,
        `${JSON.stringify(c)} is not a character of Nix's base-32 alphabet (${base32Alphabet})`,
        "The hash part of a store path never contains e, o, u, t or capital letters; check the path for typos."
      )
    }
  }
  const dash = hashStart + hashLength
  if (text[dash] !== "-") {
    return fail(
      dash,
      `expected "-" after the ${hashLength}-character hash, found ${text[dash] === undefined ? "the end" : JSON.stringify(text[dash])}`,
      `A store path looks like ${shape}.`
    )
  }
  const nameStart = dash + 1
  const slash = subpath ? text.indexOf("/", nameStart) : -1
  const nameEnd = slash === -1 ? text.length : slash
  const name = text.slice(nameStart, nameEnd)
  if (name.length === 0) {
    return fail(nameStart, "the store path has an empty name", `A store path looks like ${shape}, with a non-empty name.`)
  }
  for (let i = nameStart; i < nameEnd; i++) {
    const c = charAt(text, i)!
    if (!nameChar.test(c)) {
      return fail(
        i,
        `${JSON.stringify(c)} is not allowed in a store path name`,
        c === "/"
          ? "A store path name cannot contain '/'; to refer to a file inside a store path, use parseWithSubpath."
          : "Store path names contain only letters, digits and + - . _ ? =."
      )
    }
  }
  if (name.length > maxNameLength) {
    return fail(
      nameStart + maxNameLength,
      `the store path name has ${name.length} characters, more than the ${maxNameLength} Nix allows`,
      `Shorten the name to at most ${maxNameLength} characters.`
    )
  }
  if (name.startsWith(".") && options.allowLeadingDot !== true) {
    return fail(
      nameStart,
      "the store path name starts with '.', which Nix before 2.20 rejects",
      "Rename it without the leading dot, or, with Nix 2.20 or later, parse with allowLeadingDot (Capabilities.storeNameLeadingDot)."
    )
  }
  const dotProblem = dotComponentProblem(name)
  if (dotProblem !== undefined) {
    return fail(
      nameStart,
      `${dotProblem}, which Nix never allows in a store path`,
      "Give the name a first component other than '.' or '..'."
    )
  }
  return Either.right({
    storePath: new StorePath(
      { storeDir, hash: Hash.make(text.slice(hashStart, dash)), name: Name.make(name) },
      { disableValidation: true }
    ),
    subpath: slash === -1 ? "" : text.slice(slash + 1)
  })
}

/** Reads a store path such as `/nix/store/<hash>-hello-2.12`, synchronously. */
export const parseEither = (text: string, options: ParseOptions = {}): Either.Either<StorePath, ParseError> =>
  Either.map(read(text, options, false), (r) => r.storePath)

/** Reads a store path such as `/nix/store/<hash>-hello-2.12`; a ParseError points at the first bad character. */
export const parse = (text: string, options: ParseOptions = {}): Effect.Effect<StorePath, ParseError> =>
  parseEither(text, options)

/**
 * Reads a path at or inside a store path, e.g. `/nix/store/<hash>-hello/bin/hello` gives the store
 * path and `"bin/hello"` (`""` when the text is the store path itself).
 */
export const parseWithSubpath = (text: string, options: ParseOptions = {}): Effect.Effect<WithSubpath, ParseError> =>
  read(text, options, true)

/** The base name of a store path: `<hash>-<name>`. */
export const baseName = (path: Encoded): string => `${path.hash}-${path.name}`

/** The full path, e.g. `/nix/store/<hash>-hello-2.12`. */
export const format = (path: Encoded): string => `${path.storeDir}/${baseName(path)}`

/** Whether the path is a store derivation (its name ends in `.drv`). */
export const isDerivation = (path: StorePath): boolean => path.name.endsWith(".drv")

/** A schema from the printed form of a store path to a StorePath, reading it with `options`. */
export const fromString = (options: ParseOptions = {}): Schema.Schema<StorePath, string> =>
  Schema.transformOrFail(Schema.String, StorePath, {
    strict: true,
    decode: (text, _, ast) =>
      Either.match(parseEither(text, options), {
        onLeft: (error) => ParseResult.fail(new ParseResult.Type(ast, text, `${error.message}. ${error.hint}`)),
        onRight: ({ storeDir, hash, name }) => ParseResult.succeed({ storeDir, hash, name })
      }),
    encode: (fields) => ParseResult.succeed(`${fields.storeDir}/${fields.hash}-${fields.name}`)
  })

/** The printed form of a store path in `/nix/store` under the rules of Nix before 2.20, as a StorePath. */
export const StorePathFromString = fromString()
