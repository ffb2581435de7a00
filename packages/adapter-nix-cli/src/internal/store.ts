/**
 * The store: `nix path-info --json` (the list form of Nix <= 2.18 and Lix, the object form of
 * 2.19+, `--json-format 1` on 2.33+), derivations (`nix show-derivation` / `nix derivation
 * show`, read by the domain's `Derivation.fromJson`), and garbage collection with the freed
 * bytes and deleted paths read from Nix's output.
 */
import type { Nix } from "@cim-nix/application"
import type { ParseError } from "@cim-nix/domain"
import { CommandError, Derivation, Installable, StorePath, ValidationError } from "@cim-nix/domain"
import { Effect, Option, Schema } from "effect"
import * as Cli from "./cli.js"
import { decode, parseJson } from "./json.js"
import { operand, type Runner } from "./runner.js"
import * as Syntax from "./syntax.js"

type Info = Effect.Effect<Nix.NixInfo, CommandError>

const storePathOptions = (info: Nix.NixInfo): StorePath.ParseOptions => ({
  allowLeadingDot: info.capabilities.storeNameLeadingDot
})

const InfoFields = {
  narHash: Schema.String,
  narSize: Schema.Number,
  references: Schema.Array(Schema.String),
  closureSize: Schema.optional(Schema.Number),
  deriver: Schema.optional(Schema.NullOr(Schema.String)),
  registrationTime: Schema.optional(Schema.NullOr(Schema.Number))
}

/** Nix <= 2.18 and Lix: a list; invalid paths as `{ path, valid: false }`. */
const ListForm = Schema.Array(
  Schema.Union(Schema.Struct({ path: Schema.String, valid: Schema.Literal(false) }), Schema.Struct({ path: Schema.String, ...InfoFields }))
)
/** Nix 2.19+: an object keyed by store path; invalid paths map to `null`. */
const ObjectForm = Schema.Record({ key: Schema.String, value: Schema.NullOr(Schema.Struct(InfoFields)) })

const PathInfoJson = Schema.Union(ListForm, ObjectForm)

type Entry = { readonly path: string } & (Schema.Struct.Type<typeof InfoFields> | { readonly valid: false })

const entriesOf = (json: typeof PathInfoJson.Type): ReadonlyArray<Entry> =>
  Array.isArray(json)
    ? (json as ReadonlyArray<Entry>)
    : Object.entries(json as typeof ObjectForm.Type).map(([path, info]): Entry => (info === null ? { path, valid: false } : { path, ...info }))

/** Reads `nix path-info --json` output of any Nix into path infos; invalid paths are listed apart. */
export const parsePathInfo = (
  stdout: string,
  options: StorePath.ParseOptions
): Effect.Effect<{ readonly valid: ReadonlyArray<Nix.PathInfo>; readonly invalid: ReadonlyArray<string> }, ParseError> =>
  Effect.gen(function* () {
    const json = yield* decode("nix path-info --json", PathInfoJson)(stdout)
    const valid: Array<Nix.PathInfo> = []
    const invalid: Array<string> = []
    for (const entry of entriesOf(json)) {
      if ("valid" in entry) {
        invalid.push(entry.path)
        continue
      }
      const parse = (text: string) => StorePath.parse(text, options)
      valid.push({
        path: yield* parse(entry.path),
        narHash: entry.narHash,
        narSize: entry.narSize,
        closureSize: Option.fromNullable(entry.closureSize),
        references: yield* Effect.forEach(entry.references, parse),
        deriver: entry.deriver == null ? Option.none() : Option.some(yield* parse(entry.deriver)),
        registrationTime: Option.fromNullable(entry.registrationTime)
      })
    }
    return { valid, invalid }
  })

const storePathOperand = (path: StorePath.StorePath) => operand("store path", StorePath.format(path))

/** At most this many paths per command line (a store path is ~60 bytes; ARG_MAX is ~2 MB). */
const chunkSize = 2000

const chunks = <A>(items: ReadonlyArray<A>): ReadonlyArray<ReadonlyArray<A>> =>
  Array.from({ length: Math.ceil(items.length / chunkSize) }, (_, i) => items.slice(i * chunkSize, (i + 1) * chunkSize))

/** `nix path-info --json [-S] [-r]`. */
export const pathInfo =
  (runner: Runner, info: Info) =>
  (paths: ReadonlyArray<StorePath.StorePath>, options: Nix.PathInfoOptions = {}): Effect.Effect<ReadonlyArray<Nix.PathInfo>, CommandError | ParseError> =>
    Effect.gen(function* () {
      const nix = yield* info
      const flags = [
        "--json",
        ...(nix.capabilities.pathInfoJsonFormat ? ["--json-format", "1"] : []),
        ...(options.closureSize === true ? ["--closure-size"] : []),
        ...(options.recursive === true ? ["--recursive"] : [])
      ]
      const parts = yield* Effect.forEach(chunks(paths), (part) =>
        Effect.gen(function* () {
          const done = yield* runner.exec({
            program: "nix",
            args: ["path-info", ...flags, "--", ...part.map(storePathOperand)],
            timeout: options.timeout
          })
          const { invalid, valid } = yield* parsePathInfo(done.stdout, storePathOptions(nix))
          if (invalid.length > 0) {
            return yield* new CommandError({
              command: done.command,
              exitCode: done.exitCode,
              durationMs: done.durationMs,
              message: `path '${invalid[0]}' is not valid${invalid.length > 1 ? ` (and ${invalid.length - 1} more)` : ""}`,
              hint: "That store path is not in the store: build or fetch it first (e.g. `nix build`), or check its spelling."
            })
          }
          return valid
        })
      )
      return parts.flat()
    })

/** `nix show-derivation` (Nix < 2.15) or `nix derivation show`, read by `Derivation.fromJson`; a syntax error is a `ParseError`. */
export const showDerivation =
  (runner: Runner, info: Info) =>
  (
    target: StorePath.StorePath | Installable.Installable,
    options: Nix.CallOptions = {}
  ): Effect.Effect<ReadonlyMap<string, Derivation.Derivation>, CommandError | ParseError> =>
    Effect.gen(function* () {
      const nix = yield* info
      const command = nix.capabilities.derivationShow.split(" ")
      const arg = target instanceof StorePath.StorePath ? storePathOperand(target) : operand("installable", Cli.installable(target))
      const done = yield* runner
        .exec({ program: "nix", args: [...command, "--", arg], timeout: options.timeout })
        .pipe(Effect.mapError(Syntax.classify()))
      const json = yield* parseJson(`nix ${nix.capabilities.derivationShow}`, done.stdout)
      return yield* Derivation.fromJson(json, storePathOptions(nix))
    })

const units: Readonly<Record<string, number>> = { B: 1, KiB: 1024, MiB: 1024 ** 2, GiB: 1024 ** 3, TiB: 1024 ** 4 }

/** What Nix printed after deleting: the paths (`deleting '...'`) and the bytes freed (`N store paths deleted, X MiB freed`). */
export const parseGcOutput = (
  output: string,
  options: StorePath.ParseOptions
): { readonly deleted: ReadonlyArray<StorePath.StorePath>; readonly freedBytes: number } => {
  const deleted: Array<StorePath.StorePath> = []
  let freedBytes = 0
  for (const line of output.split("\n")) {
    const deleting = /^deleting '([^']+)'$/.exec(line.trim())
    if (deleting !== null) {
      const path = StorePath.parseEither(deleting[1]!, options)
      if (path._tag === "Right") deleted.push(path.right)
      continue
    }
    const freed = /(\d+) store paths? deleted, ([\d.]+) ?(B|KiB|MiB|GiB|TiB) freed/.exec(line)
    if (freed !== null) freedBytes = Math.round(Number(freed[2]) * units[freed[3]!]!)
  }
  return { deleted, freedBytes }
}

const validateGc = (options: Nix.GcOptions) => {
  if (options.olderThan !== undefined && !/^\d+d$/.test(options.olderThan)) {
    return Effect.fail(
      new ValidationError({ field: "olderThan", message: `'${options.olderThan}' is not a number of days`, hint: "Write it as Nix does, e.g. '30d'." })
    )
  }
  if (options.maxFreed !== undefined && !(Number.isSafeInteger(options.maxFreed) && options.maxFreed >= 0)) {
    return Effect.fail(new ValidationError({ field: "maxFreed", message: `${options.maxFreed} is not a byte count`, hint: "Give a whole number of bytes." }))
  }
  return Effect.void
}

/**
 * The sum of the NAR sizes of the valid ones among dead `paths` (the dead list also holds
 * invalid leftovers such as lock files), with the classic `nix-store`, which reads no
 * derivation (`nix path-info` refuses e.g. impure derivations unless their feature is on).
 */
const narSizes = (runner: Runner, paths: ReadonlyArray<StorePath.StorePath>, options: Nix.GcOptions) =>
  Effect.gen(function* () {
    if (paths.length === 0) return 0
    const query = (args: ReadonlyArray<string>, part: ReadonlyArray<string>) =>
      runner.exec({ program: "nix-store", args: [...args, ...part.map((p) => operand("store path", p))], timeout: options.timeout }).pipe(
        Effect.map((done) => done.stdout.split("\n").filter((line) => line.trim() !== ""))
      )
    const sizes = yield* Effect.forEach(chunks(paths), (part) =>
      Effect.gen(function* () {
        const invalid = new Set(yield* query(["--check-validity", "--print-invalid"], part.map(StorePath.format)))
        const valid = part.map(StorePath.format).filter((p) => !invalid.has(p))
        return valid.length === 0 ? [] : yield* query(["--query", "--size"], valid)
      })
    )
    return sizes.flat().reduce((sum, size) => sum + Number(size), 0)
  })

/**
 * Garbage collection. A dry run lists the dead paths (`nix-store --gc --print-dead`, restricted
 * to `paths` when given) and sums their NAR sizes; it does not count what deleting old
 * generations (`olderThan`) would free. Otherwise: `nix-store --delete` for `paths`,
 * `nix-collect-garbage --delete-older-than` with `olderThan`, `nix-store --gc` for the rest.
 */
export const collectGarbage =
  (runner: Runner, info: Info) =>
  (options: Nix.GcOptions = {}): Effect.Effect<Nix.GcResult, CommandError | ParseError | ValidationError> =>
    Effect.gen(function* () {
      yield* validateGc(options)
      const nix = yield* info
      const parseOptions = storePathOptions(nix)
      const maxFreed = options.maxFreed === undefined ? [] : ["--max-freed", String(options.maxFreed)]
      if (options.dryRun === true) {
        const done = yield* runner.exec({ program: "nix-store", args: ["--gc", "--print-dead"], timeout: options.timeout })
        const dead = done.stdout.split("\n").filter((line) => line.startsWith("/"))
        const wanted = options.paths === undefined ? undefined : new Set(options.paths.map(StorePath.format))
        const paths = yield* Effect.forEach(
          dead.filter((p) => wanted === undefined || wanted.has(p)),
          (p) => StorePath.parse(p, parseOptions)
        )
        return { dryRun: true, deletedPaths: paths, freedBytes: yield* narSizes(runner, paths, options) }
      }
      const invocation =
        options.paths !== undefined
          ? { program: "nix-store" as const, args: ["--delete", ...options.paths.map(storePathOperand)] }
          : options.olderThan !== undefined
            ? { program: "nix-collect-garbage" as const, args: ["--delete-older-than", options.olderThan, ...maxFreed] }
            : { program: "nix-store" as const, args: ["--gc", ...maxFreed] }
      if (options.paths !== undefined && options.paths.length === 0) return { dryRun: false, deletedPaths: [], freedBytes: 0 }
      const done = yield* runner.exec({ ...invocation, timeout: options.timeout })
      const { deleted, freedBytes } = parseGcOutput(`${done.stderr}\n${done.stdout}`, parseOptions)
      return { dryRun: false, deletedPaths: deleted, freedBytes }
    })

