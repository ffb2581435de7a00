import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { activate, create, profile, rollback, setup, types } from "./configurationFakes.js"

describe("RollbackConfiguration", () => {
  it.effect("switches to the generation of the recorded system and activates it; a failing script switches back", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* create
      yield* activate()
      t.built.name = "nixos-system-web-2"
      yield* activate()
      t.failing.add("nixos-system-web-1")
      const failed = yield* Effect.either(rollback())
      expect(Either.isLeft(failed) && failed.left._tag).toBe("CommandError")
      expect((yield* t.nix.listGenerations(profile)).map((g) => [g.number, g.current])).toEqual([[1, false], [2, true]])
      t.failing.clear()
      const back = yield* rollback()
      expect(back).toMatchObject({ from: 2, to: 1, profileGeneration: 1 })
      expect((yield* t.nix.listGenerations(profile)).map((g) => [g.number, g.current])).toEqual([[1, true], [2, false]])
      expect(t.calls.at(-1)).toBe("nixos-system-web-1 switch")
      expect(yield* types).toEqual(["ConfigurationCreated", "ConfigurationActivated", "ConfigurationActivated", "ConfigurationRolledBack"])
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("without an earlier generation, or of a configuration never created, is a ValidationError and changes nothing", () => {
    const t = setup()
    return Effect.gen(function* () {
      const missing = yield* Effect.either(rollback())
      expect(Either.isLeft(missing) && missing.left.message).toMatch(/there is no configuration web-1/)
      yield* create
      yield* activate()
      const first = yield* Effect.either(rollback())
      expect(Either.isLeft(first) && first.left.message).toMatch(/is at generation 1: there is no earlier generation/)
      const later = yield* Effect.either(rollback(3))
      expect(Either.isLeft(later) && later.left._tag).toBe("ValidationError")
      expect(t.calls).toEqual(["nixos-system-web-1 switch"])
      expect(yield* types).toEqual(["ConfigurationCreated", "ConfigurationActivated"])
    }).pipe(Effect.provide(t.layer))
  })
})
