/**
 * Flakes against the real Nix: lock and update a flake with `path:` inputs (all inputs, then a
 * named one), metadata, show, check (passing and failing), init/new from a local template, search.
 */
import { Nix } from "@cim-nix/application"
import { FlakeLock, FlakeRef } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { drv, installable, layer, pathRef, runId, tempDir, writeFlake } from "./support/fixtures.js"

const root = tempDir("flake")
const dep = (name: string, value: number) =>
  writeFlake("dep", `{ outputs = { self }: { lib.value = ${value}; lib.name = "${name}"; }; }`, Path.join(root, name))

const narHashOf = (lock: FlakeLock.FlakeLock, input: string) => {
  const node = Option.getOrThrow(FlakeLock.resolve(lock, [input]))
  return lock.nodes[node]!.locked!.narHash
}

describe("flakes", () => {
  it.layer(layer)("through the adapter", (it) => {
    const depA = dep("dep-a", 1)
    const depB = dep("dep-b", 1)
    const main = writeFlake(
      "main",
      `{
  description = "main flake ${runId}";
  inputs.a.url = "path:${depA}";
  inputs.b.url = "path:${depB}";
  outputs = { self, a, b }: {
    packages.x86_64-linux.sum = ${drv(`sum-${runId}`, "echo ${toString (a.lib.value + b.lib.value)} > $out")};
    checks.x86_64-linux.sum = self.packages.x86_64-linux.sum;
  };
}
`,
      Path.join(root, "main")
    )
    const flake = pathRef(main)

    it.effect("locks, reads metadata, updates a named input, then all", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const lock = yield* nix.lockFlake(flake)
        assert.strictEqual(lock.version, 7)
        assert.sameMembers(Object.keys(lock.nodes[lock.root]!.inputs!), ["a", "b"])
        const onDisk = yield* FlakeLock.parse(Fs.readFileSync(Path.join(main, "flake.lock"), "utf8"))
        assert.deepStrictEqual(onDisk, lock)
        const inputs = FlakeLock.rootInputs(lock)
        assert.strictEqual(inputs.get("a")!.type, "path")
        assert.isTrue(FlakeRef.isLocked(inputs.get("a")!))

        const metadata = yield* nix.flakeMetadata(flake)
        assert.deepStrictEqual(metadata.description, Option.some(`main flake ${runId}`))
        assert.isTrue(FlakeRef.isLocked(metadata.locked))
        assert.isTrue(Fs.existsSync(Path.join(metadata.storePath.storeDir, `${metadata.storePath.hash}-${metadata.storePath.name}`, "flake.nix")))
        assert.deepStrictEqual(metadata.locks, lock)

        // Change both inputs; update only `a`.
        dep("dep-a", 10)
        dep("dep-b", 100)
        const first = yield* nix.updateFlake(flake, ["a"])
        assert.notStrictEqual(narHashOf(first, "a"), narHashOf(lock, "a"))
        assert.strictEqual(narHashOf(first, "b"), narHashOf(lock, "b"))
        assert.deepStrictEqual(
          yield* nix.eval({ _tag: "Installable", installable: installable(`path:${main}#packages.x86_64-linux.sum.name`) }),
          `sum-${runId}`
        )
        const all = yield* nix.updateFlake(flake, [])
        assert.strictEqual(narHashOf(all, "a"), narHashOf(first, "a"))
        assert.notStrictEqual(narHashOf(all, "b"), narHashOf(first, "b"))
      }))

    it.effect("refuses an input name that is not one", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.updateFlake(flake, ["--commit-lock-file"]))
        assert.strictEqual(error._tag, "ValidationError")
      }))

    it.effect("shows the outputs and checks the flake", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const outputs = yield* nix.showFlake(flake)
        assert.deepStrictEqual((outputs["packages"] as Nix.FlakeOutputs)["x86_64-linux"], {
          sum: { type: "derivation", name: `sum-${runId}` }
        })
        yield* nix.checkFlake(flake)
      }))

    it.effect("a failing check is a FlakeError with Nix's message", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const bad = writeFlake(
          "bad-check",
          `{ outputs = { self }: { checks.x86_64-linux.broken = ${drv(`broken-${runId}`, "echo check failed here; exit 1")}; }; }`
        )
        const error = yield* Effect.flip(nix.checkFlake(pathRef(bad)))
        assert.strictEqual(error._tag, "FlakeError")
        if (error._tag !== "FlakeError") return
        assert.include(error.path, bad)
        assert.include(error.message, `broken-${runId}`)
        assert.include(error.stderrTail, "check failed here")
      }))

    it.effect("init and new copy a local template", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const templates = writeFlake(
          "templates",
          `{ outputs = { self }: { templates.basic = { path = ./basic; description = "basic ${runId}"; }; }; }`
        )
        Fs.mkdirSync(Path.join(templates, "basic"))
        Fs.writeFileSync(Path.join(templates, "basic", "flake.nix"), "{ outputs = { self }: { answer = 42; }; }\n")
        const template = installable(`path:${templates}#basic`)

        const target = tempDir("init")
        yield* nix.initFlake(target, template)
        assert.strictEqual(Fs.readFileSync(Path.join(target, "flake.nix"), "utf8"), "{ outputs = { self }: { answer = 42; }; }\n")

        const created = Path.join(tempDir("new"), "fresh")
        yield* nix.newFlake(created, template)
        assert.deepStrictEqual(yield* nix.eval({ _tag: "Installable", installable: installable(`path:${created}#answer`) }), 42)
      }))

    it.effect("searches a flake's packages", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const pkgs = writeFlake(
          "search",
          `{ outputs = { self }: { packages.x86_64-linux = {
            hello = ${drv(`hello-${runId}`, "echo > $out")};
            world = ${drv(`world-${runId}`, "echo > $out")};
          }; }; }`
        )
        const all = yield* nix.search(pathRef(pkgs))
        // Nix splits the name at the first '-' followed by a digit: runId starts with one.
        assert.deepStrictEqual(
          all.map((h) => [h.attrPath.join("/"), h.pname, h.version]),
          [
            ["packages/x86_64-linux/hello", "hello", runId],
            ["packages/x86_64-linux/world", "world", runId]
          ]
        )
        const some = yield* nix.search(pathRef(pkgs), "^wor")
        assert.deepStrictEqual(
          some.map((h) => h.pname),
          ["world"]
        )
        assert.deepStrictEqual(yield* nix.search(pathRef(pkgs), "-nothing-matches"), [])
        // A regex starting with '-' is the regex (after '--'), not a flag.
        assert.deepStrictEqual(
          (yield* nix.search(pathRef(pkgs), "-*wor")).map((h) => h.pname),
          ["world"]
        )
      }))
  })
})
