/**
 * Builds: one `nix build --json -L --log-format internal-json` call for any number of
 * installables, its stderr parsed live into progress events, its stdout into one result per
 * installable (derivation, outputs, and when its derivation was built).
 */
import type { Nix } from "@cim-nix/application"
import type { CommandError } from "@cim-nix/domain"
import { BuildError, ParseError, StorePath, ValidationError } from "@cim-nix/domain"
import { Chunk, Clock, Effect, Option, Schema, Stream } from "effect"
import * as Path from "node:path"
import * as BuildLog from "./buildLog.js"
import * as Cli from "./cli.js"
import { diagnose, tail } from "./diagnosis.js"
import { decode } from "./json.js"
import { operand, type Runner } from "./runner.js"

const BuildJson = Schema.Array(
  Schema.Struct({
    drvPath: StorePath.StorePathFromString,
    outputs: Schema.Record({ key: Schema.String, value: StorePath.StorePathFromString })
  })
)

type Failure = CommandError | ParseError | BuildError | ValidationError

const wallClock = Clock.make()

/** Checks what the installed Nix can build from these installables. */
const validate = (installables: ReadonlyArray<Nix.BuildResult["installable"]>, info: Nix.NixInfo) => {
  if (installables.length === 0) {
    return Effect.fail(new ValidationError({ field: "installables", message: "nothing to build", hint: "Give at least one installable." }))
  }
  const withOutputs = installables.find((i) => i.outputs !== undefined)
  if (withOutputs !== undefined && !info.capabilities.installableOutputs) {
    return Effect.fail(
      new ValidationError({
        field: "installables",
        message: `'${Cli.installable(withOutputs)}' selects outputs with '^', which Nix ${info.version.text} does not support`,
        hint: "Remove the '^outputs' suffix (all outputs are built), or use Nix 2.9 or newer."
      })
    )
  }
  return Effect.void
}

/**
 * The derivation of each installable, when there are several: `nix build --json` lists its
 * results in an order of its own (Nix 2.8 sorts them), so each installable's `drvPath` is asked
 * for (one `nix eval` each, in parallel with nothing else to wait for). None for one installable.
 */
const drvPathsOf = (runner: Runner, installables: ReadonlyArray<Nix.BuildResult["installable"]>, options: Nix.BuildOptions) =>
  installables.length < 2
    ? Effect.succeed(undefined)
    : Effect.forEach(
        installables,
        (installable) =>
          runner
            .exec({
              program: "nix",
              args: ["eval", "--raw", "--apply", "d: d.drvPath", "--", operand("installable", Cli.installable(installable))],
              timeout: options.timeout
            })
            .pipe(Effect.map((done) => done.stdout.trim())),
        { concurrency: "unbounded" }
      )

/** The build as a stream of progress events ending with `Built`. */
export const buildWithProgress =
  (runner: Runner, info: Effect.Effect<Nix.NixInfo, CommandError>) =>
  (installables: ReadonlyArray<Nix.BuildResult["installable"]>, options: Nix.BuildOptions = {}): Stream.Stream<Nix.BuildEvent, Failure> =>
    Stream.asyncScoped<Nix.BuildEvent, Failure>((emit) =>
      Effect.gen(function* () {
        yield* validate(installables, yield* info)
        const args = [
          "build",
          "--json",
          ...(options.outLink === undefined ? ["--no-link"] : ["--out-link", Path.resolve(options.outLink)]),
          // -L must come before --log-format: Nix 2.8 otherwise falls back to its plain format.
          "-L",
          "--log-format",
          "internal-json",
          "--",
          ...installables.map((i) => operand("installable", Cli.installable(i)))
        ]
        const startedAt = yield* wallClock.currentTimeMillis
        // drv path -> when its build activity started / stopped
        const builds = new Map<string, { startedAt: number; stoppedAt: number | undefined }>()
        const buildActivities = new Map<number, string>()
        const onStderrLine = (line: string) =>
          Effect.gen(function* () {
            const event = BuildLog.parseLine(line, yield* wallClock.currentTimeMillis)
            if (Option.isNone(event)) return
            const e = event.value
            if (e._tag === "ActivityStarted" && Option.isSome(e.drvPath)) {
              builds.set(e.drvPath.value, { startedAt: e.at, stoppedAt: undefined })
              buildActivities.set(e.id, e.drvPath.value)
            } else if (e._tag === "ActivityStopped") {
              const drv = buildActivities.get(e.id)
              const entry = drv === undefined ? undefined : builds.get(drv)
              if (entry !== undefined) entry.stoppedAt = e.at
            }
            yield* Effect.promise(() => emit.single(e))
          })
        const done = yield* runner.run({ program: "nix", args, timeout: options.timeout, onStderrLine })
        const stoppedAt = yield* wallClock.currentTimeMillis
        if (done.exitCode !== 0) {
          const text = BuildLog.toPlainText(done.stderr)
          const diagnosis = diagnose(text)
          return yield* new BuildError({
            installable: installables.map(Cli.installable).join(" "),
            exitCode: done.exitCode,
            message: `nix build failed (exit code ${done.exitCode})${diagnosis.summary === "" ? "" : `: ${diagnosis.summary}`}`,
            hint: diagnosis.hint,
            logTail: tail(text, 40),
            transient: diagnosis.transient
          })
        }
        const built = yield* decode("nix build --json", BuildJson)(done.stdout)
        const drvPaths = yield* drvPathsOf(runner, installables, options)
        const byDrv = new Map(built.map((entry) => [StorePath.format(entry.drvPath), entry]))
        const results = yield* Effect.forEach(installables, (installable, i) => {
          const entry = drvPaths === undefined ? built[i] : byDrv.get(drvPaths[i]!)
          if (entry === undefined) {
            return new ParseError({
              kind: "NixJson",
              input: done.stdout,
              position: 0,
              message: `nix build --json has no result for '${Cli.installable(installable)}'`,
              hint: "This Nix version may report builds differently: report it with `nix --version`."
            })
          }
          const activity = builds.get(StorePath.format(entry.drvPath))
          return Effect.succeed({
            installable,
            drvPath: entry.drvPath,
            outputs: new Map(Object.entries(entry.outputs)),
            startedAt: activity?.startedAt ?? startedAt,
            stoppedAt: activity?.stoppedAt ?? stoppedAt,
            built: activity !== undefined
          } satisfies Nix.BuildResult)
        })
        yield* Effect.promise(() => emit.single({ _tag: "Built", results }))
        yield* Effect.promise(() => emit.end())
      }).pipe(
        Effect.catchAll((error) => Effect.promise(() => emit.fail(error))),
        Effect.forkScoped
      )
    )

/** The build's results (the `Built` event of the stream). */
export const build =
  (runner: Runner, info: Effect.Effect<Nix.NixInfo, CommandError>) =>
  (installables: ReadonlyArray<Nix.BuildResult["installable"]>, options: Nix.BuildOptions = {}): Effect.Effect<ReadonlyArray<Nix.BuildResult>, Failure> =>
    buildWithProgress(runner, info)(installables, options).pipe(
      Stream.filterMap((e) => (e._tag === "Built" ? Option.some(e.results) : Option.none())),
      Stream.runCollect,
      Effect.map((chunk) => Chunk.unsafeHead(chunk))
    )
