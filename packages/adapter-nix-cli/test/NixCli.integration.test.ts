/**
 * The adapter against the Nix installed here (2.8 on this machine and in CI).
 */
import { Nix } from "@cim-nix/application"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Exit } from "effect"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { NixCli } from "../src/index.js"
import { processesLeft } from "./support/fixtures.js"

const emptyDir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-empty-"))

/** A directory holding a `nix` that runs the given shell script. */
const fakeNix = (script: string): string => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-fake-"))
  Fs.writeFileSync(Path.join(dir, "nix"), `#!/bin/sh\n${script}\n`, { mode: 0o755 })
  return dir
}

describe("NixCli against real nix", () => {
  it.layer(NixCli.layer)("info and eval", (it) => {
    it.effect("info reads the version, its capabilities and the binary", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const info = yield* nix.info
        assert.strictEqual(info.version.variant, "nix")
        assert.match(info.version.text, /^\d+\.\d+/)
        assert.isTrue(Path.isAbsolute(info.binary))
        assert.isTrue(Fs.statSync(info.binary).isFile())
        // 2.8 here: no --print-out-paths; the capability set follows the version.
        assert.strictEqual(info.capabilities.printOutPaths, info.version.minor >= 9 || info.version.major > 2)
      }))

    it.effect("eval evaluates an expression with nix-command enabled", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        assert.strictEqual(yield* nix.eval({ _tag: "Expression", expression: "1 + 1" }), 2)
        assert.deepStrictEqual(yield* nix.eval({ _tag: "Expression", expression: '{ a = [ true null "x" ]; }' }), {
          a: [true, null, "x"]
        })
      }))

    it.effect("eval is pure unless asked to be impure", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const pure = yield* Effect.exit(nix.eval({ _tag: "Expression", expression: "builtins.currentSystem" }))
        assert.isTrue(Exit.isFailure(pure))
        const impure = yield* nix.eval({ _tag: "Expression", expression: "builtins.currentSystem" }, { impure: true })
        assert.strictEqual(impure, "x86_64-linux")
      }))

    it.effect("eval and instantiateEval read a file", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-eval-"))
        const file = Path.join(dir, "-tricky name.nix")
        Fs.writeFileSync(file, '{ a = 1; b.c = "x"; }')
        assert.deepStrictEqual(yield* nix.eval({ _tag: "File", path: file }), { a: 1, b: { c: "x" } })
        assert.deepStrictEqual(yield* nix.instantiateEval({ _tag: "File", path: file }), { a: 1, b: { c: "x" } })
      }))

    it.effect("instantiateEval evaluates strictly with the classic CLI", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        assert.deepStrictEqual(yield* nix.instantiateEval({ _tag: "Expression", expression: "{ x = 1 + 1; }" }), { x: 2 })
      }))

    it.effect("expressions that look like flags evaluate as Nix code, with both CLIs", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        for (const evaluate of [nix.eval, nix.instantiateEval]) {
          assert.strictEqual(yield* evaluate({ _tag: "Expression", expression: "-1" }), -1)
          assert.strictEqual(yield* evaluate({ _tag: "Expression", expression: "-(-2)" }), 2)
          // Nix's own evaluation error, not its version: `--version` is `- (-version)`.
          const error = yield* Effect.flip(evaluate({ _tag: "Expression", expression: "--version" }))
          assert.strictEqual(error._tag, "CommandError")
          if (error._tag !== "CommandError") continue
          assert.strictEqual(error.exitCode, 1)
          assert.include(error.message, "undefined variable 'version'")
          assert.notInclude(error.stderrTail ?? "", "(Nix)")
        }
      }))

    it.effect("instantiateEval reports error positions in the expression as written", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.instantiateEval({ _tag: "Expression", expression: "let a = 1;\nin a + b" }))
        assert.include(error._tag === "CommandError" ? error.stderrTail : "", "«stdin»:2:8")
      }))

    it.effect("a syntax error is a ParseError with the code and Nix's position in it, with both CLIs", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        for (const evaluate of [nix.eval, nix.instantiateEval]) {
          const error = yield* Effect.flip(evaluate({ _tag: "Expression", expression: "1 +" }))
          assert.strictEqual(error._tag, "ParseError")
          if (error._tag !== "ParseError") continue
          assert.strictEqual(error.kind, "NixSyntax")
          assert.strictEqual(error.input, "1 +")
          // At the '+' or at the end, as the Nix version says.
          assert.include([2, 3], error.position)
          assert.match(error.message, /^syntax error, unexpected end of file at «(string|stdin)»:1:\d+$/)
          assert.include(error.hint, "line 1")
        }
        const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-syntax-")), "broken.nix")
        Fs.writeFileSync(file, "{\n  a = 1 +;\n}\n")
        for (const evaluate of [nix.eval, nix.instantiateEval]) {
          const error = yield* Effect.flip(evaluate({ _tag: "File", path: file }))
          assert.strictEqual(error._tag, "ParseError")
          if (error._tag !== "ParseError") continue
          assert.strictEqual(error.input, "{\n  a = 1 +;\n}\n")
          assert.strictEqual(error.input[error.position], ";")
          assert.include(error.message, `${file}:2:10`)
        }
      }))

    it.effect("a failing evaluation is a CommandError with the command line, exit code and a hint", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.eval({ _tag: "Expression", expression: "{ a = 1; }.b" }))
        assert.strictEqual(error._tag, "CommandError")
        if (error._tag !== "CommandError") return
        assert.strictEqual(error.exitCode, 1)
        assert.deepStrictEqual(error.command.slice(1, 4), ["--extra-experimental-features", "nix-command flakes", "eval"])
        assert.include(error.command, "{ a = 1; }.b")
        assert.include(error.stderrTail, "attribute 'b' missing")
        assert.include(error.message, "attribute 'b' missing")
        assert.include(error.hint, "attribute path")
        assert.isNumber(error.durationMs)
        assert.isFalse(error.transient)
      }))
  })

  it.layer(NixCli.layerWith({ binDir: emptyDir }))("nix missing", (it) => {
    it.effect("info fails with a hint saying how to install Nix", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.info)
        assert.include(error.message, "nix not found")
        assert.include(error.hint, "apt-get install nix-bin")
        assert.include(error.hint, "tools/setup.sh")
        assert.isUndefined(error.exitCode)
      }))
  })

  it.layer(NixCli.layerWith({ binDir: fakeNix("echo 'error: cannot open the Nix database' >&2; exit 3") }))(
    "nix failing",
    (it) => {
      it.effect("info of a nix that runs but fails is told apart from a missing nix", () =>
        Effect.gen(function* () {
          const nix = yield* Nix.Nix
          const error = yield* Effect.flip(nix.info)
          assert.strictEqual(error.exitCode, 3)
          assert.include(error.message, "cannot open the Nix database")
          assert.notInclude(error.hint, "apt-get install")
        }))
    }
  )

  it.layer(NixCli.layerWith({ binDir: fakeNix("echo 'nix version four'") }))("nix printing an unknown version", (it) => {
    it.effect("info fails with the version text", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.info)
        assert.strictEqual(error.exitCode, 0)
        assert.include(error.message, "nix version four")
      }))
  })

  const marker = `cim-nix-hang-${process.pid}`
  it.layer(
    NixCli.layerWith({
      binDir: fakeNix(`trap '' TERM; sh -c 'sleep 600; : ${marker}' & sh -c 'sleep 600; : ${marker}'`),
      killGracePeriod: "300 millis",
      timeout: "1 second"
    })
  )("a nix that ignores SIGTERM", (it) => {
    it.effect("is killed with its whole process group on timeout", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.info)
        assert.strictEqual(error._tag, "CommandError")
        if (error._tag !== "CommandError") return
        assert.isTrue(error.transient)
        assert.include(error.message, "timed out")
        assert.isAtLeast(error.durationMs ?? 0, 1000)
        assert.isBelow(error.durationMs ?? Infinity, 10_000)
        assert.deepStrictEqual(yield* processesLeft(marker), [])
      }))
  })

  /** A `nix` that logs when it starts and stops (with its pid), runs the real one, and lingers 300 ms. */
  const timedNix = (): { readonly binDir: string; readonly intervals: () => ReadonlyArray<readonly [number, number]> } => {
    const log = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-timed-")), "times.log")
    const binDir = fakeNix(
      `echo "start $$ $(date +%s%N)" >> '${log}'\n/usr/bin/nix "$@"; rc=$?\nsleep 0.3\necho "stop $$ $(date +%s%N)" >> '${log}'\nexit $rc`
    )
    const intervals = () => {
      const times = new Map<string, Array<number>>()
      for (const line of Fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "")) {
        const [, pid, ns] = line.split(" ")
        times.set(pid!, [...(times.get(pid!) ?? []), Number(BigInt(ns!) / 1_000_000n)])
      }
      return [...times.values()].map(([start, stop]) => [start!, stop!] as const).sort((a, b) => a[0] - b[0])
    }
    return { binDir, intervals }
  }
  const overlaps = (intervals: ReadonlyArray<readonly [number, number]>) => intervals.some(([start], i) => i > 0 && start < intervals[i - 1]![1])
  const evalConcurrently = Effect.gen(function* () {
    const nix = yield* Nix.Nix
    const results = yield* Effect.all(
      [1, 2, 3].map((n) => nix.eval({ _tag: "Expression", expression: `${n} * 10` })),
      { concurrency: "unbounded" }
    )
    assert.deepStrictEqual(results, [10, 20, 30])
  })

  for (const [maxProcesses, overlapping, title] of [
    [1, false, "three concurrent calls run one nix process at a time"],
    [3, true, "three concurrent calls overlap (the control: the log would show a broken limit)"]
  ] as const) {
    const timed = timedNix()
    it.layer(NixCli.layerWith({ binDir: timed.binDir, maxProcesses }))(`maxProcesses = ${maxProcesses}`, (it) => {
      it.effect(title, () =>
        Effect.gen(function* () {
          yield* evalConcurrently
          const intervals = timed.intervals()
          assert.strictEqual(intervals.length, 3)
          assert.strictEqual(overlaps(intervals), overlapping, JSON.stringify(intervals))
        }))
    })
  }
})
