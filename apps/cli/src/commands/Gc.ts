/**
 * `cim-nix gc [--older-than 30d] [--max SIZE] [--dry-run] [--path P]...`: collects the Nix
 * store's garbage and records GarbageCollected. `--path` deletes only those dead paths.
 * `--json` prints `{ freedBytes, deletedPaths, dryRun, paths, reclaimableBytes?, events }`:
 * `deletedPaths` is the number of paths deleted (in a dry run: that would be), `paths` the paths
 * themselves, and `reclaimableBytes` (dry run only) the sum of their NAR sizes.
 */
import { Command, Options } from "@effect/cli"
import { Effect, Option } from "effect"
import * as Ids from "@cim-nix/application/Ids"
import { EventEnvelope, StorePath, ValidationError } from "@cim-nix/domain"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

/** What `gc --json` prints. */
export interface Report {
  readonly freedBytes: number
  readonly deletedPaths: number
  readonly dryRun: boolean
  readonly paths: ReadonlyArray<string>
  readonly reclaimableBytes?: number
  readonly events: ReadonlyArray<string>
}

const olderThan = Options.text("older-than").pipe(
  Options.withDescription("First delete profile generations older than this, e.g. 30d (nix-collect-garbage --delete-older-than)."),
  Options.optional
)
const max = Options.text("max").pipe(Options.withDescription("Stop after freeing this much: bytes, or with a K, M, G or T suffix (powers of 1024)."), Options.optional)
const dryRun = Options.boolean("dry-run").pipe(Options.withDescription("Only list what would be deleted."))
const paths = Options.text("path").pipe(Options.withDescription("Delete only this store path (when nothing uses it); repeatable."), Options.repeated)

const units: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }

/** Reads a size such as `500M` or `1G` into bytes. */
export const parseSize = (text: string): Effect.Effect<number, ValidationError> => {
  const match = /^([0-9]+(?:\.[0-9]+)?)([KMGT]?)(?:i?B)?$/i.exec(text.trim())
  return match === null
    ? Effect.fail(new ValidationError({ field: "max", message: `'${text}' is not a size`, hint: "Give bytes, or a number with K, M, G or T, e.g. 500M or 2G." }))
    : Effect.succeed(Math.floor(Number(match[1]) * units[match[2]!.toUpperCase()]!))
}

const mib = (bytes: number) => `${(bytes / 1024 ** 2).toFixed(2)} MiB`

const human = (r: Report) => [
  ...r.paths.map((p) => `${r.dryRun ? "would delete" : "deleted"} ${p}`),
  r.dryRun
    ? `${r.deletedPaths} store path(s) would be deleted, ${mib(r.reclaimableBytes ?? 0)} freed (dry run).`
    : `${r.deletedPaths} store path(s) deleted, ${mib(r.freedBytes)} freed.`
]

/** The `gc` command. */
export const command = Command.make("gc", { ...GlobalOptions.all, olderThan, max, dryRun, paths }, ({ olderThan, max, dryRun, paths, ...global }) =>
  Effect.gen(function* () {
    const App = yield* Application.load
    const maxFreed = Option.isSome(max) ? yield* parseSize(max.value) : undefined
    const { result, events } = yield* App.RunGarbageCollection.handle(
      App.RunGarbageCollection.RunGarbageCollection.make({
        dryRun,
        ...(Option.isSome(olderThan) ? { olderThan: olderThan.value } : {}),
        ...(maxFreed === undefined ? {} : { maxFreed }),
        ...(paths.length > 0 ? { paths } : {})
      }),
      EventEnvelope.root(yield* Ids.uuidv7)
    )
    const report: Report = {
      freedBytes: result.dryRun ? 0 : Math.round(result.freedBytes),
      deletedPaths: result.deletedPaths.length,
      dryRun: result.dryRun,
      paths: result.deletedPaths.map(StorePath.format),
      ...(result.dryRun ? { reclaimableBytes: result.freedBytes } : {}),
      events: events.map((e) => e.eventId)
    }
    yield* Output.print(global.json, report, human)
  }).pipe(Runtime.runCommand(global))
).pipe(Command.withDescription("Collect the Nix store's garbage (or list it with --dry-run) and record what was freed."))
