/**
 * Evaluation against the real Nix: installables, files, and batches of flake attributes in one
 * process (counted with wrapper programs), with names that would be code if spliced as text.
 */
import { Nix } from "@cim-nix/application"
import { AttributePath, FlakeRef } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { NixCli } from "../src/index.js"
import { countingBinDir, installable, layer, offline, pathRef, writeFlake } from "./support/fixtures.js"

const flakeDir = writeFlake(
  "eval",
  String.raw`{
  outputs = { self }: {
    packages.x86_64-linux.hello = derivation { name = "hello-eval"; system = "x86_64-linux"; builder = "/bin/sh"; args = [ "-c" "echo > $out" ]; };
    lib = {
      answer = 42;
      "dotted.name" = "dot";
      "quote\"and\\backslash" = "q";
      "\${builtins.throw \"injected\"}" = "interpolation";
      nested.list = [ 1 "two" { three = 3; } ];
      nothing = null;
      pure = builtins.currentSystem or "no-system";
    };
  };
}
`
)
const flake = pathRef(flakeDir)
const path = (...segments: Array<string>) => AttributePath.unsafeMake(segments)

describe("evaluation", () => {
  it.layer(layer)("through the adapter", (it) => {
    it.effect("evaluates an installable and a file attribute", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        assert.strictEqual(yield* nix.eval({ _tag: "Installable", installable: installable(`path:${flakeDir}#lib.answer`) }), 42)
        const file = Path.join(flakeDir, "values.nix")
        Fs.writeFileSync(file, '{ a.b = [ 1 2 ]; c = "x"; }')
        assert.deepStrictEqual(yield* nix.eval({ _tag: "File", path: file, attrPath: path("a", "b") }), [1, 2])
        assert.deepStrictEqual(yield* nix.instantiateEval({ _tag: "File", path: file, attrPath: path("c") }), "x")
      }))

    it.effect("instantiateEval refuses installables (the classic CLI has no flakes)", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const error = yield* Effect.flip(nix.instantiateEval({ _tag: "Installable", installable: installable(`path:${flakeDir}#lib`) }))
        assert.strictEqual(error._tag, "ValidationError")
      }))

    it.effect("evaluates a batch in the order asked, missing attributes as none, names as data", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const paths = [
          path("lib", "nested", "list"),
          path("lib", "dotted.name"),
          path("lib", 'quote"and\\backslash'),
          path("lib", '${builtins.throw "injected"}'),
          path("lib", "missing"),
          path("lib", "answer", "deeper"),
          path("lib", "nothing"),
          path("packages", "x86_64-linux", "hello", "name"),
          path("lib", "answer")
        ]
        const values = yield* nix.evalAttributes(flake, paths)
        assert.deepStrictEqual(
          values.map((v) => v.path),
          paths
        )
        assert.deepStrictEqual(
          values.map((v) => v.value),
          [
            Option.some([1, "two", { three: 3 }]),
            Option.some("dot"),
            Option.some("q"),
            Option.some("interpolation"),
            Option.none(),
            Option.none(),
            Option.some(null),
            Option.some("hello-eval"),
            Option.some(42)
          ]
        )
      }))

    it.effect("a batch is pure: the flake sees no current system unless impure is asked", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const [pure] = yield* nix.evalAttributes(flake, [path("lib", "pure")])
        assert.deepStrictEqual(pure!.value, Option.some("no-system"))
        const [impure] = yield* nix.evalAttributes(flake, [path("lib", "pure")], { impure: true })
        assert.deepStrictEqual(impure!.value, Option.some("x86_64-linux"))
      }))

    it.effect("a batch on a flake that fails to evaluate is a FlakeError naming the flake", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const broken = writeFlake("eval-broken", "{ outputs = { self }: { x = 1 + ; }; }")
        const error = yield* Effect.flip(nix.evalAttributes(pathRef(broken), [path("x")]))
        assert.strictEqual(error._tag, "FlakeError")
        if (error._tag !== "FlakeError") return
        assert.include(error.path, broken)
        assert.include(error.stderrTail ?? "", "syntax error")
      }))
  })

  const counting = countingBinDir("/usr/bin")
  it.layer(NixCli.layerWith({ binDir: counting.dir, env: offline }))("process count", (it) => {
    it.effect("a batch of 200 attributes is one nix process for a locked flake, two for an unlocked one", () =>
      Effect.gen(function* () {
        const nix = yield* Nix.Nix
        const many = Array.from({ length: 200 }, (_, i) => path("lib", i % 2 === 0 ? "answer" : `absent-${i}`))
        const metadata = yield* nix.flakeMetadata(flake)
        assert.isTrue(FlakeRef.isLocked(metadata.locked))
        const before = counting.calls().length
        const locked = yield* nix.evalAttributes(metadata.locked, many)
        assert.strictEqual(counting.calls().length - before, 1)
        assert.strictEqual(locked.filter((v) => Option.isSome(v.value)).length, 100)
        const unlocked = yield* nix.evalAttributes(flake, many)
        const calls = counting.calls().slice(before + 1)
        assert.deepStrictEqual(
          calls.map((c) => c.split(" ").slice(0, 4).join(" ")),
          ["nix --extra-experimental-features nix-command flakes", "nix --extra-experimental-features nix-command flakes"]
        )
        assert.include(calls[0], "flake metadata")
        assert.include(calls[1], " eval --json --expr ")
        assert.deepStrictEqual(unlocked, locked)
      }))
  })
})
