/**
 * The `Nix` port over the real `nix` programs (Nix 2.8 to 2.3x and Lix): flags and JSON parsers
 * chosen from the capabilities of the installed version, no shell, a timeout on every call and
 * the process group killed on timeout or interruption. `layer` uses `nix` from PATH with the
 * default settings; `layerWith` chooses the directory of the Nix programs, the default timeout,
 * the SIGTERM-to-SIGKILL grace period, how many Nix processes may run at once and extra
 * environment (e.g. `NIX_CONFIG`).
 */
import { Nix } from "@cim-nix/application"
import { CommandError, NixVersion } from "@cim-nix/domain"
import * as NodeCommandExecutor from "@effect/platform-node/NodeCommandExecutor"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import { Duration, Effect, Layer, Option, Ref } from "effect"
import * as Activation from "./internal/activation.js"
import * as Build from "./internal/build.js"
import * as Evaluate from "./internal/evaluate.js"
import * as Flake from "./internal/flake.js"
import * as Profile from "./internal/profile.js"
import * as Runner from "./internal/runner.js"
import * as Search from "./internal/search.js"
import * as Store from "./internal/store.js"

/** Settings of the adapter; every field is optional. */
export interface Config {
  /** Directory of `nix`, `nix-instantiate`, `nix-env`, ...; default: where `nix` is found on PATH. */
  readonly binDir?: string
  /** Default timeout of every Nix call (default 10 minutes); each call may override it. */
  readonly timeout?: Duration.DurationInput
  /** How long a process group has to exit after SIGTERM before it gets SIGKILL (default 5 seconds). */
  readonly killGracePeriod?: Duration.DurationInput
  /** How many Nix processes may run at the same time (default 4). */
  readonly maxProcesses?: number
  /** Variables added to the environment Nix runs with. */
  readonly env?: Readonly<Record<string, string>>
}

const settingsOf = (config: Config): Runner.Settings => ({
  binDir: config.binDir,
  timeout: Duration.decode(config.timeout ?? "10 minutes"),
  killGracePeriod: Duration.decode(config.killGracePeriod ?? "5 seconds"),
  maxProcesses: config.maxProcesses ?? 4,
  env: config.env ?? {},
  path: process.env["PATH"] ?? ""
})

/** Builds the service from a runner. */
const make = (runner: Runner.Runner) =>
  Effect.gen(function* () {
    const cachedInfo = yield* Ref.make(Option.none<Nix.NixInfo>())

    const askInfo = Effect.gen(function* () {
      const binary = yield* runner.locate("nix")
      const done = yield* runner.exec({ program: "nix", args: ["--version"] })
      const version = yield* NixVersion.parse(done.stdout).pipe(
        Effect.mapError(
          (e) =>
            new CommandError({
              command: done.command,
              exitCode: done.exitCode,
              durationMs: done.durationMs,
              message: e.message,
              hint: e.hint
            })
        )
      )
      const info: Nix.NixInfo = { version, capabilities: NixVersion.capabilities(version), binary }
      yield* Ref.set(cachedInfo, Option.some(info))
      return info
    })

    const info = Effect.flatMap(Ref.get(cachedInfo), Option.match({ onNone: () => askInfo, onSome: Effect.succeed }))

    return Nix.Nix.of({
      info,
      eval: Evaluate.evaluate(runner),
      instantiateEval: Evaluate.instantiateEval(runner),
      evalAttributes: Evaluate.evaluateAttributes(runner),
      build: Build.build(runner, info),
      buildWithProgress: Build.buildWithProgress(runner, info),
      initFlake: Flake.init(runner),
      newFlake: Flake.create(runner),
      lockFlake: Flake.lock(runner),
      updateFlake: Flake.update(runner, info),
      checkFlake: Flake.check(runner),
      flakeMetadata: Flake.metadata(runner),
      showFlake: Flake.show(runner),
      pathInfo: Store.pathInfo(runner, info),
      showDerivation: Store.showDerivation(runner, info),
      collectGarbage: Store.collectGarbage(runner, info),
      listGenerations: Profile.list(runner, info),
      setProfile: Profile.set(runner, info),
      switchGeneration: Profile.switchTo(runner, info),
      rollback: Profile.rollback(runner, info),
      deleteGenerations: Profile.remove(runner, info),
      switchToConfiguration: Activation.switchToConfiguration(runner),
      search: Search.search(runner)
    })
  })

/** The adapter with the given settings. */
export const layerWith = (config: Config): Layer.Layer<Nix.Nix> =>
  Layer.effect(Nix.Nix, Effect.flatMap(Runner.make(settingsOf(config)), make)).pipe(
    Layer.provide(NodeCommandExecutor.layer),
    Layer.provide(NodeFileSystem.layer)
  )

/** The adapter with the default settings: `nix` from PATH, 10 minute timeout, 4 processes at a time. */
export const layer: Layer.Layer<Nix.Nix> = layerWith({})
