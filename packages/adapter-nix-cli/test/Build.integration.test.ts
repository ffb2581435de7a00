/**
 * Builds against the real Nix: several installables in one call, progress events from the
 * structured log, out-links, failures with the build log tail, and a hung build killed on
 * timeout with no process left behind.
 */
import { Nix } from "@cim-nix/application"
import { StorePath } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Fiber, Option, Stream } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { NixCli } from "../src/index.js"
import { drv, installable, layer, offline, processesLeft, processesWith, runId, tempDir, writeFlake } from "./support/fixtures.js"

const flakeDir = writeFlake(
  "build",
  `{
  outputs = { self }: let
    a = ${drv(`a-${runId}`, "echo building a; echo a > $out")};
  in {
    packages.x86_64-linux = {
      inherit a;
      b = ${drv(`b-${runId}`, "echo building b; echo ${a} > $out")};
      fail = ${drv(`fail-${runId}`, "echo about to fail; echo on stderr >&2; exit 3")};
    };
  };
}
`
)
const pkg = (name: string) => installable(`path:${flakeDir}#packages.x86_64-linux.${name}`)

describe("build", () => {
  it.layer(layer)("through the adapter", (it) => {
    it.effect("builds several installables in one call, with progress, then finds them built", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const before = Date.now()
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(nix.buildWithProgress([pkg("b"), pkg("a")])))
        const after = Date.now()
        const last = events.at(-1)!
        assert.strictEqual(last._tag, "Built")
        if (last._tag !== "Built") return
        const [b, a] = last.results
        assert.strictEqual(b!.drvPath.name, `b-${runId}.drv`)
        assert.strictEqual(a!.drvPath.name, `a-${runId}.drv`)
        const aOut = StorePath.format(a!.outputs.get("out")!)
        const bOut = StorePath.format(b!.outputs.get("out")!)
        assert.strictEqual(Fs.readFileSync(aOut, "utf8"), "a\n")
        assert.strictEqual(Fs.readFileSync(bOut, "utf8"), `${aOut}\n`)
        for (const r of [a!, b!]) {
          assert.isTrue(r.built)
          assert.isAtLeast(r.startedAt, before)
          assert.isAtLeast(r.stoppedAt, r.startedAt)
          assert.isAtMost(r.stoppedAt, after)
        }
        // a is a dependency of b: started first (Nix reports the end of an activity lazily)
        assert.isBelow(a!.startedAt, b!.startedAt)
        const started = events.flatMap((e) => (e._tag === "ActivityStarted" && e.activity === "build" ? [Option.getOrThrow(e.drvPath)] : []))
        assert.sameMembers(started, [StorePath.format(a!.drvPath), StorePath.format(b!.drvPath)])
        const lines = events.flatMap((e) => (e._tag === "BuildLogLine" ? [e.line] : []))
        assert.includeMembers(lines, ["building a", "building b"])
        assert.isTrue(events.some((e) => e._tag === "ActivityStarted" && e.activity === "builds"))
        assert.isTrue(events.some((e) => e._tag === "Progress"))

        const again = yield* nix.build([pkg("a"), pkg("b")])
        assert.deepStrictEqual(
          again.map((r) => r.built),
          [false, false]
        )
        assert.deepStrictEqual(again[0]!.outputs, a!.outputs)
      }))

    it.effect("creates an out-link when asked", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const link = Path.join(tempDir("outlink"), "result")
        const [a] = yield* nix.build([pkg("a")], { outLink: link })
        assert.strictEqual(Fs.readlinkSync(link), StorePath.format(a!.outputs.get("out")!))
      }))

    it.effect("a failing builder is a BuildError with the exit code, the log tail and a hint", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.build([pkg("fail")]))
        assert.strictEqual(error._tag, "BuildError")
        if (error._tag !== "BuildError") return
        assert.strictEqual(error.exitCode, 1)
        assert.include(error.installable, "packages.x86_64-linux.fail")
        assert.include(error.message, "failed with exit code 3")
        assert.include(error.logTail, `fail-${runId}> about to fail`)
        assert.include(error.logTail, `fail-${runId}> on stderr`)
        assert.include(error.hint, "builder failed")
      }))

    it.effect("a missing attribute is a BuildError saying so", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.build([pkg("nope")]))
        assert.strictEqual(error._tag, "BuildError")
        assert.include(error.message, "does not provide attribute")
        assert.include(error.hint, "attribute path")
      }))

    it.effect("selecting outputs with ^ is refused on Nix 2.8", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const info = yield* nix.info
        const result = yield* Effect.either(nix.build([installable(`path:${flakeDir}#packages.x86_64-linux.a^out`)]))
        if (info.capabilities.installableOutputs) assert.strictEqual(result._tag, "Right")
        else assert.isTrue(result._tag === "Left" && result.left._tag === "ValidationError")
      }))
  })

  /** A flake whose package `hung` builds forever; `marker` is in its directory (so in nix's arguments) and in the builder's script. */
  const hungFlake = (name: string, marker: string) =>
    writeFlake(
      name,
      `{ outputs = { self }: { packages.x86_64-linux.hung = ${drv(marker, `while true; do /bin/sleep 1; done; echo ${marker}`)}; }; }`,
      Path.join(tempDir(name), marker)
    )

  const marker = `cim-nix-hung-${runId}`
  const hungDir = hungFlake("hung", marker)
  it.layer(NixCli.layerWith({ env: offline, timeout: "3 seconds" }))("a hung build", (it) => {
    it.effect("is killed on timeout, with its builder, and no nix process remains", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const building = Stream.runCollect(nix.buildWithProgress([installable(`path:${hungDir}#packages.x86_64-linux.hung`)]))
        const started = Date.now()
        const error = yield* Effect.flip(building)
        assert.strictEqual(error._tag, "CommandError")
        if (error._tag !== "CommandError") return
        assert.isTrue(error.transient)
        assert.include(error.message, "timed out")
        assert.isBelow(Date.now() - started, 15_000)
        // The nix process (its arguments hold the flake directory) and the builder (its script holds the marker) are gone.
        assert.deepStrictEqual(yield* processesLeft(marker), [])
      }))
  })

  const interrupted = `cim-nix-interrupted-${runId}`
  const interruptedDir = hungFlake("interrupted", interrupted)
  it.layer(NixCli.layerWith({ env: offline, timeout: "10 minutes" }))("an interrupted build", (it) => {
    it.effect("kills nix and its builder when the fiber is interrupted, long before the timeout", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const fiber = yield* Effect.fork(nix.build([installable(`path:${interruptedDir}#packages.x86_64-linux.hung`)]))
        // Wait until the builder runs: nix (the flake directory is in its arguments) and the builder's shell.
        const deadline = Date.now() + 60_000
        while (processesWith(interrupted).length < 2 && Date.now() < deadline) {
          yield* Effect.promise(() => new Promise((resolve) => setTimeout(resolve, 100)))
        }
        assert.isAtLeast(processesWith(interrupted).length, 2)
        const started = Date.now()
        yield* Fiber.interrupt(fiber)
        assert.isBelow(Date.now() - started, 15_000)
        assert.deepStrictEqual(yield* processesLeft(interrupted), [])
      }))
  })
})
