/**
 * The same domain results from every Nix version: the adapter's commands and parsers driven by
 * recorded (2.8) and hand-written (2.19, 2.33, Lix) outputs, see fixtures/README.md.
 */
import { FlakeRef, StorePath } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Chunk, Effect, Option, Stream } from "effect"
import * as Build from "../src/internal/build.js"
import * as Flake from "../src/internal/flake.js"
import * as Store from "../src/internal/store.js"
import { fakeRunner, fixture, infoOf, versions } from "./support/fakeRunner.js"
import { installable } from "./support/fixtures.js"

const top = "/nix/store/dacr3sp5jismgv2g2plzd44ccx6ckyan-top-2.1"
const dep = "/nix/store/mqnj02vvb8zdsnliwssxa74kkysaraal-dep-1.0"
const topDrv = "/nix/store/awp1pg0c9zji634k625sr40a6qr15xfd-top-2.1.drv"
const depDrv = "/nix/store/1pa3vhfn6ah4b19zjdmidjlvyczgc1q5-dep-1.0.drv"
const storePath = (text: string) => Effect.runSync(StorePath.parse(text))

describe("every Nix version gives the same domain values", () => {
  it.effect("version lines and capabilities", () =>
    Effect.gen(function* () {
      const infos = yield* Effect.forEach(versions, infoOf)
      assert.deepStrictEqual(
        infos.map((i) => [i.version.variant, i.version.text]),
        [
          ["nix", "2.8.0"],
          ["nix", "2.19.0"],
          ["nix", "2.33.0"],
          ["lix", "2.93.0"]
        ]
      )
      assert.deepStrictEqual(
        infos.map((i) => i.capabilities.pathInfoJsonObject),
        [false, true, true, false]
      )
    }))

  for (const version of versions) {
    it.effect(`${version}: path-info, both JSON shapes`, () =>
      Effect.gen(function* () {
        const { calls, runner } = fakeRunner(() => ({ stdout: fixture(version, "path-info.json") }))
        const infos = yield* Store.pathInfo(runner, infoOf(version))([storePath(top), storePath(dep)], { closureSize: true })
        assert.deepStrictEqual(infos, [
          {
            path: storePath(top),
            narHash: "sha256-TNL/JyTLoDaEJBPH0yXKW8dLVlFd+pbCAPcfBt0w/NU=",
            narSize: 168,
            closureSize: Option.some(296),
            references: [storePath(dep)],
            deriver: Option.some(storePath(topDrv)),
            registrationTime: Option.some(1795648399)
          },
          {
            path: storePath(dep),
            narHash: "sha256-hM9qMQH0zuQEUE29tOkmNLYj4ZX49+gCdh67uzlPgY8=",
            narSize: 128,
            closureSize: Option.some(128),
            references: [],
            deriver: Option.some(storePath(depDrv)),
            registrationTime: Option.some(1795648399)
          }
        ])
        const args = calls[0]!.args
        assert.strictEqual(args.includes("--json-format"), version === "nix-2.33.0")
        assert.includeMembers([...args], ["path-info", "--json", "--closure-size", "--", top, dep])
      }))

    it.effect(`${version}: derivation show, with the command of that version`, () =>
      Effect.gen(function* () {
        const file = version === "nix-2.8.0" ? "show-derivation.json" : "derivation-show.json"
        const { calls, runner } = fakeRunner(() => ({ stdout: fixture(version, file) }))
        const derivations = yield* Store.showDerivation(runner, infoOf(version))(storePath(topDrv))
        const reference = yield* Store.showDerivation(fakeRunner(() => ({ stdout: fixture("nix-2.8.0", "show-derivation.json") })).runner, infoOf("nix-2.8.0"))(
          storePath(topDrv)
        )
        assert.deepStrictEqual(derivations, reference)
        const drv = derivations.get(topDrv)!
        assert.deepStrictEqual([...drv.inputDrvs], [[depDrv, ["out"]]])
        assert.strictEqual(drv.env.get("name"), "top-2.1")
        assert.deepStrictEqual(calls[0]!.args.slice(0, -2), version === "nix-2.8.0" ? ["show-derivation"] : ["derivation", "show"])
      }))

    it.effect(`${version}: build reads --json (never --print-out-paths) and keeps the installables' order`, () =>
      Effect.gen(function* () {
        const { calls, runner } = fakeRunner((inv) =>
          inv.args[0] === "build"
            ? { stdout: fixture("nix-2.8.0", "build.json"), stderr: fixture("nix-2.8.0", "build-log.jsonl") }
            : { stdout: inv.args.at(-1)!.endsWith(".top") ? topDrv : depDrv }
        )
        const installables = [installable("path:/tmp/fx#packages.x86_64-linux.top"), installable("path:/tmp/fx#packages.x86_64-linux.dep")]
        const events = Chunk.toReadonlyArray(yield* Stream.runCollect(Build.buildWithProgress(runner, infoOf(version))(installables)))
        const built = events.at(-1)!
        assert.strictEqual(built._tag, "Built")
        if (built._tag !== "Built") return
        assert.deepStrictEqual(
          built.results.map((r) => [StorePath.format(r.drvPath), StorePath.format(r.outputs.get("out")!), r.built]),
          [
            [topDrv, top, true],
            [depDrv, dep, true]
          ]
        )
        assert.isAtMost(built.results[1]!.startedAt, built.results[0]!.startedAt)
        const buildArgs = calls.find((c) => c.args[0] === "build")!.args
        assert.notInclude([...buildArgs], "--print-out-paths")
        assert.isBelow(buildArgs.indexOf("-L"), buildArgs.indexOf("--log-format"))
        const logLines = events.flatMap((e) => (e._tag === "BuildLogLine" ? [e.line] : []))
        assert.deepStrictEqual(logLines, ["building top"])
        const builds = events.flatMap((e) => (e._tag === "ActivityStarted" && e.activity === "build" ? [Option.getOrThrow(e.drvPath)] : []))
        assert.deepStrictEqual(builds, [depDrv, topDrv])
      }))
  }

  it.effect("invalid paths, in the list form (2.8) and the object form (2.19)", () =>
    Effect.gen(function* () {
      for (const version of ["nix-2.8.0", "nix-2.19.0"]) {
        const { runner } = fakeRunner(() => ({ stdout: fixture(version, "path-info-invalid.json") }))
        const error = yield* Effect.flip(Store.pathInfo(runner, infoOf(version))([storePath("/nix/store/00000000000000000000000000000000-x")]))
        assert.include(error.message, "path '/nix/store/00000000000000000000000000000000-x' is not valid")
      }
    }))

  it.effect("flake update: `flake lock --update-input` before 2.19 (and on Lix), `flake update <inputs>` since", () =>
    Effect.gen(function* () {
      const argsFor = (version: string, inputs: ReadonlyArray<string>) =>
        Effect.gen(function* () {
          const { calls, runner } = fakeRunner((inv) => ({ stdout: inv.args[1] === "metadata" ? fixture("nix-2.8.0", "flake-metadata.json") : "" }))
          const lock = yield* Flake.update(runner, infoOf(version))(FlakeRef.unsafeMake({ type: "path", path: "/tmp/fx" }), inputs)
          assert.strictEqual(lock.version, 7)
          return calls[0]!.args
        })
      // Lix forked from 2.18 and keeps `--update-input`.
      for (const version of ["nix-2.8.0", "lix-2.93.0"]) {
        assert.deepStrictEqual(yield* argsFor(version, ["a", "b/c"]), ["flake", "lock", "--update-input", "a", "--update-input", "b/c", "--", "path:/tmp/fx"])
        assert.deepStrictEqual(yield* argsFor(version, []), ["flake", "update", "--", "path:/tmp/fx"])
      }
      for (const version of ["nix-2.19.0", "nix-2.33.0"]) {
        assert.deepStrictEqual(yield* argsFor(version, ["a"]), ["flake", "update", "--flake", "path:/tmp/fx", "--", "a"])
        assert.deepStrictEqual(yield* argsFor(version, []), ["flake", "update", "--flake", "path:/tmp/fx"])
      }
    }))
})
