/**
 * Caller-supplied values that Nix would read as flags: every kind of operation refuses them
 * before a process is spawned (the real runner over an executor that records each spawn and
 * starts nothing), or places them where Nix cannot read them as flags (after a `--` that `nix`
 * honours, as the argument of an option, on stdin).
 */
import { Configuration, StorePath } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import { Duration, Effect, Either, Exit, Stream } from "effect"
import * as Activation from "../src/internal/activation.js"
import * as Evaluate from "../src/internal/evaluate.js"
import * as Flake from "../src/internal/flake.js"
import * as Profile from "../src/internal/profile.js"
import * as Runner from "../src/internal/runner.js"
import * as Search from "../src/internal/search.js"
import * as Store from "../src/internal/store.js"
import { infoOf } from "./support/fakeRunner.js"
import { pathRef } from "./support/fixtures.js"

interface Spawn {
  readonly words: ReadonlyArray<string>
  readonly stdin: string
}

/** A real runner whose executor records what it is asked to start, and starts nothing. */
const recordingRunner = Effect.gen(function* () {
  const spawns: Array<Spawn> = []
  const executor = CommandExecutor.makeExecutor((command) =>
    Effect.gen(function* () {
      const c = command as Command.StandardCommand
      const stdin = typeof c.stdin === "string" ? "" : yield* c.stdin.pipe(Stream.decodeText(), Stream.mkString, Effect.orDie)
      spawns.push({ words: [c.command, ...c.args], stdin })
      return yield* Effect.die("not spawned in this test")
    })
  )
  const runner = yield* Runner.make({
    binDir: "/usr/bin",
    timeout: Duration.seconds(10),
    killGracePeriod: Duration.seconds(1),
    maxProcesses: 1,
    env: {},
    path: ""
  }).pipe(Effect.provideService(CommandExecutor.CommandExecutor, executor))
  return { runner, spawns }
})

const info = infoOf("nix-2.8.0")
const system = Effect.runSync(StorePath.parse("/nix/store/dacr3sp5jismgv2g2plzd44ccx6ckyan-nixos-system-h-24.05"))

/** Fails with the error of `effect`, which must be a refusal of `value` before any spawn. */
const refused = (value: string, effect: (runner: Runner.Runner) => Effect.Effect<unknown, { readonly _tag: string; readonly message: string }>) =>
  Effect.gen(function* () {
    const { runner, spawns } = yield* recordingRunner
    const error = yield* Effect.flip(effect(runner))
    assert.deepStrictEqual(spawns, [])
    assert.include(error.message, `'${value}'`)
    return error
  })

/** Runs `effect` (which dies at the recording executor) and returns the one spawn it asked for. */
const spawned = (effect: (runner: Runner.Runner) => Effect.Effect<unknown, unknown>) =>
  Effect.gen(function* () {
    const { runner, spawns } = yield* recordingRunner
    const exit = yield* Effect.exit(effect(runner))
    assert.isTrue(Exit.isFailure(exit))
    assert.strictEqual(spawns.length, 1)
    return spawns[0]!
  })

describe("flag-like values", () => {
  it("the runner refuses an operand starting with '-' unless it follows a '--' that nix honours", () => {
    const value = Runner.operand("installable", "--version")
    const accepted = (invocation: Runner.Invocation) => Either.isRight(Runner.commandLine(invocation))
    assert.isFalse(accepted({ program: "nix", args: ["build", value] }))
    assert.isFalse(accepted({ program: "nix", args: ["build", "--json", value, "--"] }))
    assert.isTrue(accepted({ program: "nix", args: ["build", "--", value] }))
    // The classic programs read every word starting with '-' as a flag, after '--' too.
    for (const program of ["nix-instantiate", "nix-store", "nix-env", "nix-collect-garbage", "nix-build"] as const) {
      assert.isFalse(accepted({ program, args: ["--", value] }))
    }
    // An operand that merely contains '-' and a plain string written by the adapter pass.
    assert.isTrue(accepted({ program: "nix-store", args: ["--delete", Runner.operand("store path", "/nix/store/x-y")] }))
    const error = Either.getLeft(Runner.commandLine({ program: "nix-env", args: ["--switch-generation", Runner.operand("generation", "-1")] }))
    assert.strictEqual(error._tag === "Some" && error.value._tag, "CommandError")
    if (error._tag !== "Some") return
    assert.deepStrictEqual(error.value.command, ["nix-env", "--switch-generation", "-1"])
    assert.include(error.value.message, "the generation '-1' starts with '-', so nix-env would read it as a flag")
    assert.include(error.value.hint, "positive number")
  })

  it.effect("profiles: a negative generation is refused before nix-env runs", () =>
    Effect.gen(function* () {
      yield* refused("-1", (runner) => Profile.switchTo(runner, info)("/tmp/profile", -1))
      yield* refused("-2", (runner) => Profile.remove(runner, info)("/tmp/profile", { _tag: "Numbers", numbers: [3, -2] }))
      // A profile path is the argument of --profile, made absolute.
      const listing = yield* spawned((runner) => Profile.list(runner, info)("-p"))
      assert.deepStrictEqual(listing.words.slice(1, 3), ["--profile", `${process.cwd()}/-p`])
    }))

  it.effect("activation: a mode that reads as a flag is refused before the script runs", () =>
    Effect.gen(function* () {
      const error = yield* refused("--help", (runner) =>
        Activation.switchToConfiguration(runner)(system, "--help" as Configuration.ActivationMode))
      assert.include(error.message, "activation mode")
    }))

  it.effect("flakes and gc: input names and GC options that read as flags are refused before Nix runs", () =>
    Effect.gen(function* () {
      yield* refused("-x", (runner) => Flake.update(runner, info)(pathRef("/tmp/flake"), ["-x"]))
      yield* refused("-1d", (runner) => Store.collectGarbage(runner, info)({ olderThan: "-1d" }))
    }))

  it.effect("expressions reach Nix as code: on stdin for nix-instantiate, as the argument of --expr for nix", () =>
    Effect.gen(function* () {
      const classic = yield* spawned((runner) => Evaluate.instantiateEval(runner)({ _tag: "Expression", expression: "--version" }))
      assert.deepStrictEqual(classic.words.slice(1), ["--eval", "--strict", "--json", "-"])
      assert.strictEqual(classic.stdin, "--version")
      const modern = yield* spawned((runner) => Evaluate.evaluate(runner)({ _tag: "Expression", expression: "--version" }))
      assert.deepStrictEqual(modern.words.slice(-2), ["--expr", "--version"])
    }))

  it.effect("a search regex starting with '-' follows '--', so nix reads it as the regex", () =>
    Effect.gen(function* () {
      const search = yield* spawned((runner) => Search.search(runner)(pathRef("/tmp/flake"), "-wrapped"))
      assert.deepStrictEqual(search.words.slice(-3), ["--", "path:/tmp/flake", "-wrapped"])
    }))

  it.effect("positional values of nix commands all follow '--'", () =>
    Effect.gen(function* () {
      const flake = pathRef("/tmp/flake")
      const calls: ReadonlyArray<(runner: Runner.Runner) => Effect.Effect<unknown, unknown>> = [
        (r) => Flake.metadata(r)(flake),
        (r) => Flake.lock(r)(flake),
        (r) => Flake.check(r)(flake),
        (r) => Flake.show(r)(flake),
        (r) => Store.pathInfo(r, info)([system]),
        (r) => Store.showDerivation(r, info)(system)
      ]
      for (const call of calls) {
        const { words } = yield* spawned(call)
        assert.strictEqual(words.at(-2), "--")
      }
    }))
})
