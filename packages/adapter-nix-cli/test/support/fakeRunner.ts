/**
 * A runner that answers from recorded outputs instead of spawning Nix, and remembers what it
 * was asked: lets unit tests drive the adapter's operations for any Nix version.
 */
import { CommandError, NixVersion } from "@cim-nix/domain"
import type { Nix } from "@cim-nix/application"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { argText, commandLine } from "../../src/internal/runner.js"
import type { Completed, Invocation, Runner } from "../../src/internal/runner.js"

/** An invocation as the fake runner records it: every word as text. */
export interface Call extends Invocation {
  readonly args: ReadonlyArray<string>
}

export interface Reply {
  readonly stdout?: string
  readonly stderr?: string
  readonly exitCode?: number
}

export const fixture = (version: string, file: string): string =>
  Fs.readFileSync(Path.join(import.meta.dirname, "..", "fixtures", version, file), "utf8")

/** The versions with recorded or hand-written outputs (see fixtures/README.md). */
export const versions = ["nix-2.8.0", "nix-2.19.0", "nix-2.33.0", "lix-2.93.0"] as const

/** The `info` of a fixture version. */
export const infoOf = (version: string): Effect.Effect<Nix.NixInfo, CommandError> =>
  NixVersion.parse(fixture(version, "version.txt")).pipe(
    Effect.map((v) => ({ version: v, capabilities: NixVersion.capabilities(v), binary: "/fake/bin/nix" })),
    Effect.orDie
  )

/**
 * A runner answering each invocation with `reply(invocation)`; stderr lines go to `onStderrLine`.
 * Operands that would read as flags are refused as the real runner refuses them.
 */
export const fakeRunner = (reply: (call: Call) => Reply) => {
  const calls: Array<Call> = []
  const run = (invocation: Invocation): Effect.Effect<Completed, CommandError> =>
    Effect.gen(function* () {
      yield* commandLine(invocation)
      const call = { ...invocation, args: invocation.args.map(argText) }
      calls.push(call)
      const r = reply(call)
      const stderr = r.stderr ?? ""
      if (invocation.onStderrLine !== undefined) {
        for (const line of stderr.split("\n")) yield* invocation.onStderrLine(line)
      }
      return { command: [invocation.program, ...call.args], exitCode: r.exitCode ?? 0, stdout: r.stdout ?? "", stderr, durationMs: 1 }
    })
  const runner: Runner = {
    locate: (program) => Effect.succeed(`/fake/bin/${program}`),
    run,
    exec: (invocation) =>
      Effect.flatMap(run(invocation), (done) =>
        done.exitCode === 0
          ? Effect.succeed(done)
          : Effect.fail(new CommandError({ command: done.command, exitCode: done.exitCode, message: "failed", hint: "", stderrTail: done.stderr }))
      )
  }
  return { runner, calls }
}
