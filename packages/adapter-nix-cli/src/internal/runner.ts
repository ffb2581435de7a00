/**
 * Runs the Nix programs: no shell, arguments as an array, a timeout on every call, at most
 * `maxProcesses` at a time, and the whole process group terminated on timeout or interruption
 * (SIGTERM, then SIGKILL after a grace period). Caller-supplied values are `Operand`s, refused
 * before anything is spawned when Nix would read them as flags. Failures become `CommandError`s
 * that carry the command line, exit code, duration and stderr tail, with a hint from `diagnosis`.
 */
import * as Command from "@effect/platform/Command"
import * as CommandExecutor from "@effect/platform/CommandExecutor"
import { CommandError } from "@cim-nix/domain"
import { Clock, Duration, Effect, Either, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { diagnose, notFoundHint, tail } from "./diagnosis.js"

/** The programs of a Nix installation the adapter runs. */
export type Program = "nix" | "nix-instantiate" | "nix-build" | "nix-store" | "nix-env" | "nix-collect-garbage" | AbsoluteProgram

/** A program given by its absolute path (an activation script in the store), run as it is. */
export type AbsoluteProgram = `/${string}`

/** Passed to `nix` (only: the classic programs need no experimental feature). */
export const experimentalFeatures = ["--extra-experimental-features", "nix-command flakes"] as const

export interface Settings {
  /** Directory holding `nix` and its companions; when absent, `nix` is looked up on PATH. */
  readonly binDir: string | undefined
  readonly timeout: Duration.Duration
  readonly killGracePeriod: Duration.Duration
  readonly maxProcesses: number
  /** Added to the inherited environment. */
  readonly env: Readonly<Record<string, string>>
  /** The PATH to search when `binDir` is absent. */
  readonly path: string
}

/**
 * A value from the caller (installable, flake reference, path, regex, generation...) placed as
 * a positional word: refused when it starts with `-`, unless it follows a `--` that the program
 * honours (only `nix` does: the classic programs read any word starting with `-` as a flag).
 * The argument of an option (`--expr E`, `-A P`, `--profile P`) is a plain string: Nix takes
 * the word after such an option whatever it is.
 */
export interface Operand {
  readonly _tag: "Operand"
  /** What the value is, for the error message ("installable", "search regex"). */
  readonly field: string
  readonly text: string
}

/** A caller-supplied positional value. */
export const operand = (field: string, text: string): Operand => ({ _tag: "Operand", field, text })

/** A word of a command line: written by the adapter, or an operand from the caller. */
export type Arg = string | Operand

/** The text of a word. */
export const argText = (arg: Arg): string => (typeof arg === "string" ? arg : arg.text)

export interface Invocation {
  readonly program: Program
  readonly args: ReadonlyArray<Arg>
  /** Written to the process's stdin (e.g. an expression read by `nix-instantiate -`); empty when absent. */
  readonly stdin?: string | undefined
  readonly cwd?: string | undefined
  /** Added to the environment of this call only. */
  readonly env?: Readonly<Record<string, string>> | undefined
  readonly timeout?: Duration.DurationInput | undefined
  /** Called with each line of stderr as it arrives (e.g. `--log-format internal-json` records). */
  readonly onStderrLine?: ((line: string) => Effect.Effect<void>) | undefined
  /** Turns stderr into the text Nix would print to a terminal (for `--log-format internal-json`). */
  readonly plainStderr?: ((stderr: string) => string) | undefined
}

/** A process that ran to the end, whatever its exit code. */
export interface Completed {
  readonly command: ReadonlyArray<string>
  readonly exitCode: number
  readonly stdout: string
  readonly stderr: string
  readonly durationMs: number
}

export interface Runner {
  /** The absolute path of a program, or a "not found" `CommandError`. */
  readonly locate: (program: Program) => Effect.Effect<string, CommandError>
  /** Runs to the end; fails only when the program cannot start or runs out of time. */
  readonly run: (invocation: Invocation) => Effect.Effect<Completed, CommandError>
  /** Like `run`, and a non-zero exit code is a `CommandError` classified from stderr. */
  readonly exec: (invocation: Invocation) => Effect.Effect<Completed, CommandError>
}

const isExecutable = (file: string): boolean => {
  try {
    Fs.accessSync(file, Fs.constants.X_OK)
    return Fs.statSync(file).isFile()
  } catch {
    return false
  }
}

/** The directory that holds an executable `nix`, searched the way a shell does. */
const findBinDir = (settings: Settings): string | undefined => {
  if (settings.binDir !== undefined) return settings.binDir
  for (const dir of settings.path.split(Path.delimiter)) {
    if (dir !== "" && isExecutable(Path.join(dir, "nix"))) return Path.resolve(dir)
  }
  return undefined
}

/**
 * Processes run in real time: timeouts, grace periods and durations use the wall clock even
 * under a `TestClock`, which nobody advances while a process runs.
 */
const wallClock = Clock.make()

const plain = (invocation: Invocation, stderr: string): string =>
  invocation.plainStderr === undefined ? stderr : invocation.plainStderr(stderr)

const flagLike = (invocation: Invocation, value: Operand): CommandError =>
  new CommandError({
    command: [invocation.program, ...invocation.args.map(argText)],
    message: `the ${value.field} '${value.text}' starts with '-', so ${invocation.program} would read it as a flag: refused before running it`,
    hint: "Check where the value came from: write a relative path as ./-name (or give it absolute), a generation as a positive number; installables and flake references never start with '-'."
  })

/**
 * The words of the command line, with the experimental features for `nix`; a `CommandError`
 * when an operand would be read as a flag.
 */
export const commandLine = (invocation: Invocation): Either.Either<ReadonlyArray<string>, CommandError> => {
  let dashDash = false
  const words: Array<string> = invocation.program === "nix" ? [...experimentalFeatures] : []
  for (const arg of invocation.args) {
    if (typeof arg === "string") {
      dashDash ||= arg === "--" && invocation.program === "nix"
      words.push(arg)
    } else if (arg.text.startsWith("-") && !dashDash) {
      return Either.left(flagLike(invocation, arg))
    } else {
      words.push(arg.text)
    }
  }
  return Either.right(words)
}

/** Makes a runner over the platform's `CommandExecutor` (processes spawned detached, in their own group). */
export const make = (settings: Settings) =>
  Effect.gen(function* () {
    const executor = yield* CommandExecutor.CommandExecutor
    const semaphore = yield* Effect.makeSemaphore(Math.max(1, settings.maxProcesses))

    const notFound = (program: Program, command: ReadonlyArray<string>, where: string) =>
      new CommandError({
        command,
        message: `${program} not found (${where})`,
        hint: notFoundHint
      })

    const locate = (program: Program): Effect.Effect<string, CommandError> =>
      Effect.suspend(() => {
        if (program.startsWith("/")) {
          return isExecutable(program)
            ? Effect.succeed(program)
            : Effect.fail(
                new CommandError({
                  command: [program],
                  message: `${program} is not an executable file`,
                  hint: "Check that the store path is a built system (config.system.build.toplevel) that is still in the store."
                })
              )
        }
        const dir = findBinDir(settings)
        const file = dir === undefined ? undefined : Path.join(dir, program)
        return file !== undefined && isExecutable(file)
          ? Effect.succeed(file)
          : Effect.fail(
              notFound(program, [program], dir === undefined ? "searched PATH" : `looked in ${dir}`)
            )
      })

    const run = (invocation: Invocation): Effect.Effect<Completed, CommandError> =>
      Effect.gen(function* () {
        const args = yield* commandLine(invocation)
        const binary = yield* locate(invocation.program)
        const command = [binary, ...args]
        const timeout = invocation.timeout === undefined ? settings.timeout : Duration.decode(invocation.timeout)
        const stderrLines: Array<string> = []
        const describe = (stderr: string) => tail(plain(invocation, stderr))

        let cmd = Command.make(binary, ...args).pipe(
          invocation.stdin === undefined ? Command.stdin(Stream.empty) : Command.feed(invocation.stdin),
          Command.env({ ...settings.env, ...invocation.env })
        )
        if (invocation.cwd !== undefined) cmd = Command.workingDirectory(cmd, invocation.cwd)

        const spawnAndWait = Effect.scoped(
          Effect.gen(function* () {
            const proc = yield* executor.start(cmd)
            // Runs before the executor's own finalizer: SIGTERM to the group, SIGKILL if it lingers.
            yield* Effect.addFinalizer(() =>
              Effect.gen(function* () {
                if (!(yield* Effect.orElseSucceed(proc.isRunning, () => false))) return
                // Finalizers are uninterruptible: the wait must be made interruptible to be timed out.
                const stopped = yield* Effect.interruptible(proc.kill("SIGTERM")).pipe(
                  Effect.timeoutTo({ duration: settings.killGracePeriod, onSuccess: () => true, onTimeout: () => false }),
                  Effect.orElseSucceed(() => false)
                )
                if (!stopped) yield* Effect.ignore(proc.kill("SIGKILL"))
              })
            )
            const stdout = proc.stdout.pipe(Stream.decodeText(), Stream.mkString)
            const stderr = proc.stderr.pipe(
              Stream.decodeText(),
              Stream.splitLines,
              Stream.runForEach((line) => {
                stderrLines.push(line)
                return invocation.onStderrLine === undefined ? Effect.void : invocation.onStderrLine(line)
              })
            )
            const [out, , exitCode] = yield* Effect.all([stdout, stderr, proc.exitCode], { concurrency: "unbounded" })
            return { out, exitCode }
          })
        )

        // The timeout and the duration count from the spawn, not from the wait for a permit.
        const [outcome, durationMs] = yield* semaphore.withPermits(1)(
          Effect.gen(function* () {
            const started = yield* Clock.currentTimeMillis
            const outcome = yield* spawnAndWait.pipe(
              Effect.timeoutFail({ duration: timeout, onTimeout: () => "timeout" as const }),
              Effect.either
            )
            return [outcome, (yield* Clock.currentTimeMillis) - started] as const
          })
        )
        const stderr = stderrLines.join("\n")
        if (outcome._tag === "Right") {
          return { command, exitCode: outcome.right.exitCode, stdout: outcome.right.out, stderr, durationMs }
        }
        const error = outcome.left
        if (error === "timeout") {
          return yield* new CommandError({
            command,
            durationMs,
            stderrTail: describe(stderr),
            message: `${invocation.program} timed out after ${Duration.format(timeout)}; its process group was terminated`,
            hint: "Raise the timeout for long builds or evaluations, or check why Nix hangs (a stuck builder, a lock held by another Nix process).",
            transient: true
          })
        }
        if (error._tag === "SystemError" && error.reason === "NotFound" && error.method === "spawn") {
          return yield* notFound(invocation.program, command, binary)
        }
        return yield* new CommandError({
          command,
          durationMs,
          stderrTail: describe(stderr),
          message: `${invocation.program} could not be run: ${error.message}`,
          hint: "Check that the Nix executable and the working directory are accessible to this user.",
          transient: error._tag === "SystemError" && (error.reason === "Busy" || error.reason === "WouldBlock")
        })
      }).pipe(Effect.withClock(wallClock))

    const exec = (invocation: Invocation): Effect.Effect<Completed, CommandError> =>
      Effect.flatMap(run(invocation), (done) => {
        if (done.exitCode === 0) return Effect.succeed(done)
        const text = plain(invocation, done.stderr)
        const diagnosis = diagnose(text)
        return Effect.fail(
          new CommandError({
            command: done.command,
            exitCode: done.exitCode,
            durationMs: done.durationMs,
            stderrTail: tail(text),
            message: `${invocation.program} failed (exit code ${done.exitCode})${diagnosis.summary === "" ? "" : `: ${diagnosis.summary}`}`,
            hint: diagnosis.hint,
            transient: diagnosis.transient
          })
        )
      })

    return { locate, run, exec } satisfies Runner
  })
