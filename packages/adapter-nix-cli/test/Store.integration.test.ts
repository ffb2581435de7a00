/**
 * The store and profiles against the real Nix: path-info with closure sizes and references,
 * derivations, garbage collection of given paths (dry run, then for real, the freed bytes
 * checked against the NAR sizes the store reported), and the generations of a temporary profile.
 *
 * The collection is restricted to this test's own paths: other suites may share the store and
 * hold unrooted build results of their own.
 */
import { Nix } from "@cim-nix/application"
import { StorePath } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { drv, installable, layer, runId, tempDir, writeFlake } from "./support/fixtures.js"

/** A builder writing about `kib` KiB with shell built-ins only (the builder has no PATH). */
const bulk = (kib: number) =>
  `line=0123456789012345678901234567890123456789012345678901234567890123; i=0; while [ $i -lt ${kib * 16} ]; do echo $line; i=$((i+1)); done > $out`

const flakeDir = writeFlake(
  "store",
  `{
  outputs = { self }: let
    dep = ${drv(`dep-${runId}`, bulk(64))};
  in {
    packages.x86_64-linux = {
      inherit dep;
      top = ${drv(`top-${runId}`, "echo ${dep} > $out")};
      big = ${drv(`big-${runId}`, bulk(3 * 1024))};
      small = ${drv(`small-${runId}`, bulk(40))};
    };
  };
}
`
)
const pkg = (name: string) => installable(`path:${flakeDir}#packages.x86_64-linux.${name}`)
const exists = (path: StorePath.StorePath) => Fs.existsSync(StorePath.format(path))

describe("store", () => {
  it.layer(layer)("through the adapter", (it) => {
    it.effect("path-info: NAR size, closure size and references", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const [top, dep] = yield* nix.build([pkg("top"), pkg("dep")])
        const topOut = top!.outputs.get("out")!
        const depOut = dep!.outputs.get("out")!
        const [info] = yield* nix.pathInfo([topOut], { closureSize: true })
        assert.deepStrictEqual(info!.path, topOut)
        assert.deepStrictEqual(info!.references, [depOut])
        assert.deepStrictEqual(info!.deriver, Option.some(top!.drvPath))
        const [depInfo] = yield* nix.pathInfo([depOut])
        assert.isAbove(depInfo!.narSize, 64 * 1024)
        assert.deepStrictEqual(info!.closureSize, Option.some(info!.narSize + depInfo!.narSize))
        assert.isTrue(Option.isNone(depInfo!.closureSize))
        const closure = yield* nix.pathInfo([topOut], { recursive: true })
        assert.sameDeepMembers(
          closure.map((i) => StorePath.format(i.path)),
          [StorePath.format(topOut), StorePath.format(depOut)]
        )
      }))

    it.effect("path-info of a path not in the store is a CommandError saying so", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const missing = yield* StorePath.parse(`/nix/store/00000000000000000000000000000000-missing-${runId}`)
        const error = yield* Effect.flip(nix.pathInfo([missing]))
        assert.strictEqual(error._tag, "CommandError")
        assert.include(error.message, "is not valid")
      }))

    it.effect("shows the derivation behind a .drv path and behind an installable", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const [top, dep] = yield* nix.build([pkg("top"), pkg("dep")])
        const byPath = yield* nix.showDerivation(top!.drvPath)
        const byInstallable = yield* nix.showDerivation(pkg("top"))
        assert.deepStrictEqual(byInstallable, byPath)
        const derivation = byPath.get(StorePath.format(top!.drvPath))!
        assert.strictEqual(derivation.env.get("name"), `top-${runId}`)
        assert.deepStrictEqual([...derivation.inputDrvs.keys()], [StorePath.format(dep!.drvPath)])
        assert.strictEqual(derivation.builder, "/bin/sh")
      }))

    it.effect("collects garbage: a dry run deletes nothing, then the freed bytes match the NAR sizes", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const built = yield* nix.build([pkg("big"), pkg("small")])
        const paths = built.map((r) => r.outputs.get("out")!)
        const infos = yield* nix.pathInfo(paths)
        const narBytes = infos.reduce((sum, i) => sum + i.narSize, 0)
        assert.isAbove(narBytes, 3 * 1024 * 1024)

        const dry = yield* nix.collectGarbage({ dryRun: true, paths })
        assert.isTrue(dry.dryRun)
        assert.sameDeepMembers([...dry.deletedPaths], paths)
        assert.strictEqual(dry.freedBytes, narBytes)
        assert.isTrue(paths.every(exists))

        const real = yield* nix.collectGarbage({ paths })
        assert.isFalse(real.dryRun)
        assert.sameDeepMembers([...real.deletedPaths], paths)
        assert.isFalse(paths.some(exists))
        // Nix 2.8 reports MiB with two decimals; file sizes are a little below NAR sizes.
        assert.approximately(real.freedBytes, narBytes, 0.01 * 1024 * 1024)
      }))

    it.effect("refuses a malformed olderThan before running anything", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.collectGarbage({ olderThan: "30 days" }))
        assert.strictEqual(error._tag, "ValidationError")
      }))
  })
})

describe("profiles", () => {
  it.layer(layer)("through the adapter", (it) => {
    it.effect("sets, lists, rolls back, switches and deletes generations of a temporary profile", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const [dep, top] = yield* nix.build([pkg("dep"), pkg("top")])
        const one = dep!.outputs.get("out")!
        const two = top!.outputs.get("out")!
        const profile = Path.join(tempDir("profile"), "profile")
        assert.deepStrictEqual(yield* nix.listGenerations(profile), [])

        const before = Date.now() - 2000
        const first = yield* nix.setProfile(profile, one)
        const second = yield* nix.setProfile(profile, two)
        assert.deepStrictEqual([first.number, first.current, second.number, second.current], [1, true, 2, true])
        assert.deepStrictEqual(first.storePath, one)
        assert.isAtLeast(second.createdAt, before)
        assert.isAtMost(second.createdAt, Date.now() + 1000)
        assert.strictEqual(Fs.realpathSync(profile), StorePath.format(two))

        const listed = yield* nix.listGenerations(profile)
        assert.deepStrictEqual(
          listed.map((g) => [g.number, g.current, StorePath.format(g.storePath)]),
          [
            [1, false, StorePath.format(one)],
            [2, true, StorePath.format(two)]
          ]
        )

        const back = yield* nix.rollback(profile)
        assert.deepStrictEqual([back.number, StorePath.format(back.storePath)], [1, StorePath.format(one)])
        assert.strictEqual(Fs.realpathSync(profile), StorePath.format(one))

        const forward = yield* nix.switchGeneration(profile, 2)
        assert.strictEqual(forward.number, 2)
        assert.strictEqual(Fs.realpathSync(profile), StorePath.format(two))

        const left = yield* nix.deleteGenerations(profile, { _tag: "Old" })
        assert.deepStrictEqual(
          left.map((g) => g.number),
          [2]
        )
        assert.isFalse(Fs.existsSync(`${profile}-1-link`))
      }))
  })
})
