/**
 * flake.lock: versions 5 to 7, `follows` resolution (and its loops), refusal of other versions.
 */
import { assert, describe, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import * as FlakeLock from "../src/FlakeLock.js"

const narHash = "sha256-voMmkv4ywnX2zPIJwkwidmjd/vX1IJaRYohy4D4j2rA="
const rev = "0123456789abcdef0123456789abcdef01234567"

const lockText = (version: number) =>
  JSON.stringify({
    nodes: {
      nixpkgs: {
        locked: { lastModified: 1700000000, narHash, owner: "NixOS", repo: "nixpkgs", rev, type: "github" },
        original: { owner: "NixOS", ref: "nixos-24.05", repo: "nixpkgs", type: "github" }
      },
      home: {
        inputs: { nixpkgs: ["nixpkgs"] },
        locked: { lastModified: 1795647355, narHash, path: "/tmp/home", type: "path" },
        original: { path: "/tmp/home", type: "path" }
      },
      src: { flake: false, locked: { lastModified: 1795647355, narHash, path: "/tmp/src", type: "path" }, original: { path: "/tmp/src", type: "path" } },
      root: { inputs: { nixpkgs: "nixpkgs", home: "home", src: "src" } }
    },
    root: "root",
    version
  })

describe("FlakeLock", () => {
  for (const version of [5, 6, 7]) {
    it.effect(`reads a version ${version} lock file`, () =>
      Effect.gen(function* () {
        const lock = yield* FlakeLock.parse(lockText(version))
        assert.strictEqual(lock.version, version)
        const nixpkgs = lock.nodes["nixpkgs"]!.locked!
        const original = lock.nodes["nixpkgs"]!.original!
        assert.isTrue(nixpkgs.type === "github" && original.type === "github")
        if (nixpkgs.type !== "github" || original.type !== "github") return
        assert.deepStrictEqual([nixpkgs.owner, nixpkgs.repo, nixpkgs.rev, nixpkgs.narHash, nixpkgs.lastModified], ["NixOS", "nixpkgs", rev, narHash, 1700000000])
        assert.strictEqual(original.ref, "nixos-24.05")
        assert.strictEqual(lock.nodes["src"]!.flake, false)
      }))
  }

  it.effect("resolves inputs through follows", () =>
    Effect.gen(function* () {
      const lock = yield* FlakeLock.parse(lockText(7))
      assert.deepStrictEqual(FlakeLock.resolve(lock, ["home"]), Option.some("home"))
      assert.deepStrictEqual(FlakeLock.resolve(lock, ["home", "nixpkgs"]), Option.some("nixpkgs"))
      assert.deepStrictEqual(FlakeLock.resolve(lock, ["absent"]), Option.none())
      assert.deepStrictEqual([...FlakeLock.rootInputs(lock).keys()], ["home", "nixpkgs", "src"])
      assert.strictEqual(FlakeLock.rootInputs(lock).get("home")!.type, "path")
    }))

  it.effect("a follows loop resolves to nothing instead of looping", () =>
    Effect.gen(function* () {
      const lock = yield* FlakeLock.decode({
        nodes: { a: { inputs: { b: ["c", "b"] } }, c: { inputs: { b: ["a", "b"] } }, root: { inputs: { a: "a", c: "c" } } },
        root: "root",
        version: 7
      })
      assert.deepStrictEqual(FlakeLock.resolve(lock, ["a", "b"]), Option.none())
    }))

  it.effect("refuses other versions, a missing root and non-JSON, with a hint", () =>
    Effect.gen(function* () {
      for (const text of [lockText(4), JSON.stringify({ nodes: {}, root: "root", version: 7 }), "{ not json"]) {
        const error = yield* Effect.flip(FlakeLock.parse(text))
        assert.strictEqual(error.kind, "FlakeLock")
        assert.include(error.hint, "nix flake lock")
      }
    }))
})
