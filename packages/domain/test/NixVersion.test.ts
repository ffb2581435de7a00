import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { NixVersion } from "../src/index.js"

describe("NixVersion", () => {
  it.effect("parses Nix and Lix version lines", () =>
    Effect.gen(function* () {
      const nix = yield* NixVersion.parse("nix (Nix) 2.8.0\n")
      expect([nix.variant, nix.major, nix.minor, nix.patch]).toEqual(["nix", 2, 8, 0])
      const lix = yield* NixVersion.parse("nix (Lix, like Nix) 2.91.1")
      expect([lix.variant, lix.minor, lix.text]).toEqual(["lix", 91, "2.91.1"])
      const pre = yield* NixVersion.parse("nix (Nix) 2.18.1pre20231010_abcdef")
      expect(pre.text).toBe("2.18.1pre20231010_abcdef")
    }))

  it.effect("rejects anything else with a ParseError and a hint", () =>
    Effect.gen(function* () {
      const r = yield* Effect.either(NixVersion.parse("bash: nix: command not found"))
      expect(Either.isLeft(r) && r.left._tag).toBe("ParseError")
      expect(Either.isLeft(r) && r.left.hint).toMatch(/Nix \(2\.8 or newer\) or Lix/)
    }))

  it.effect("derives capabilities per release, Lix as 2.18 with a list-shaped path-info", () =>
    Effect.gen(function* () {
      const caps = (line: string) => NixVersion.parse(line).pipe(Effect.map(NixVersion.capabilities))
      const v28 = yield* caps("nix (Nix) 2.8.0")
      expect(v28.printOutPaths).toBe(false)
      expect(v28.derivationShow).toBe("show-derivation")
      const v219 = yield* caps("nix (Nix) 2.19.2")
      expect([v219.printOutPaths, v219.flakeUpdateInputs, v219.pathInfoJsonObject, v219.searchNeedsRegex]).toEqual([true, true, true, false])
      const v233 = yield* caps("nix (Nix) 2.33.0")
      expect([v233.derivationJsonV4, v233.pathInfoJsonFormat, v233.derivationShow]).toEqual([true, true, "derivation show"])
      const lix = yield* caps("nix (Lix, like Nix) 2.91.1")
      expect([lix.pathInfoJsonObject, lix.flakeUpdateInputs, lix.derivationJsonV4]).toEqual([false, false, false])
      expect(NixVersion.enabled(v28)).toEqual([])
      expect(NixVersion.enabled(v219)).toContain("flakeUpdateInputs")
    }))
})
