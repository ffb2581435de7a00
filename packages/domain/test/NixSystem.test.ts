import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { NixSystem } from "../src/index.js"

describe("NixSystem", () => {
  it.effect("accepts the supported systems and names them in the error", () =>
    Effect.gen(function* () {
      for (const system of NixSystem.supported) expect(yield* NixSystem.validate(system)).toBe(system)
      expect(NixSystem.supported).toEqual(expect.arrayContaining(["x86_64-linux", "aarch64-linux", "i686-linux", "x86_64-darwin", "aarch64-darwin", "riscv64-linux", "armv7l-linux"]))
      const error = yield* Effect.flip(NixSystem.validate("x86_64-windows"))
      expect(error).toMatchObject({
        _tag: "ValidationError",
        field: "system",
        message: "\"x86_64-windows\" is not a supported system",
        hint: "Use one of: x86_64-linux, aarch64-linux, x86_64-darwin, armv6l-linux, armv7l-linux, i686-linux, aarch64-darwin, powerpc64le-linux, riscv64-linux, x86_64-freebsd."
      })
    }))
})
