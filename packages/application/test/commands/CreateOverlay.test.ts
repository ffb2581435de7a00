import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { CreateOverlay } from "../../src/index.js"

describe("CreateOverlay", () => {
  it.effect("prints additions with callPackage, overrides with overrideAttrs or override, removals as null", () =>
    Effect.gen(function* () {
      const text = yield* CreateOverlay.render({
        name: "local",
        additions: [{ name: "hello2", path: "./pkgs/hello.nix", args: { greeting: "hi" } }],
        overrides: [
          { name: "hello", kind: "overrideAttrs", changes: { doCheck: false } },
          { name: "curl", kind: "override", changes: { http3Support: true } }
        ],
        removals: ["old"]
      })
      expect(text).toBe(TEXT)
    }))

  it.effect("reads NAME=PATH and PKG.ATTR=VALUE, merging overrides per package", () =>
    Effect.gen(function* () {
      expect(yield* CreateOverlay.parseAddition("hello=./pkgs/hello.nix")).toEqual({ name: "hello", path: "./pkgs/hello.nix", args: {} })
      expect(yield* CreateOverlay.parseOverrides(["hello.doCheck=false", "curl.pname=curl-x", "hello.version=\"2\""])).toEqual([
        { name: "hello", kind: "overrideAttrs", changes: { doCheck: false, version: "2" } },
        { name: "curl", kind: "overrideAttrs", changes: { pname: "curl-x" } }
      ])
      const noAttr = yield* Effect.either(CreateOverlay.parseOverrides(["hello=1"]))
      expect(Either.isLeft(noAttr) && noAttr.left.hint).toMatch(/PKG\.ATTR=VALUE/)
      const noPath = yield* Effect.either(CreateOverlay.parseAddition("hello"))
      expect(Either.isLeft(noPath) && noPath.left.message).toMatch(/NAME=PATH/)
    }))
})

const TEXT = `# Overlay local, written by cim-nix.
final: prev: {
  hello2 = final.callPackage ./pkgs/hello.nix { greeting = "hi"; };
  hello = prev.hello.overrideAttrs (old: { doCheck = false; });
  curl = prev.curl.override { http3Support = true; };
  old = null;
}`
