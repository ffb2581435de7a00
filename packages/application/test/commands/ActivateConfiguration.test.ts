import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { activate, create, profile, setup, types } from "./configurationFakes.js"

describe("ActivateConfiguration", () => {
  it.effect("a failing switch-to-configuration points the profile back, deletes the new generation and records nothing", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* create
      yield* activate()
      t.built.name = "nixos-system-web-2"
      t.failing.add("nixos-system-web-2")
      const failed = yield* Effect.either(activate())
      expect(Either.isLeft(failed) && failed.left._tag).toBe("CommandError")
      expect((yield* t.nix.listGenerations(profile)).map((g) => [g.number, g.current, g.storePath.name])).toEqual([[1, true, "nixos-system-web-1"]])
      expect(t.calls).toEqual(["nixos-system-web-1 switch", "nixos-system-web-2 switch"])
      expect(yield* types).toEqual(["ConfigurationCreated", "ConfigurationActivated"])
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("dry-activate builds and records without touching the profile or running the script", () => {
    const t = setup()
    return Effect.gen(function* () {
      yield* create
      const dry = yield* activate("dry-activate")
      expect(dry).toMatchObject({ generation: null, profileGeneration: null, activated: false, output: null })
      expect(t.calls).toEqual([])
      expect(yield* t.nix.listGenerations(profile)).toEqual([])
      expect(yield* types).toEqual(["ConfigurationCreated", "ConfigurationActivated"])
    }).pipe(Effect.provide(t.layer))
  })

  it.effect("a configuration never created is a ValidationError before anything is built", () => {
    const t = setup()
    return Effect.gen(function* () {
      const missing = yield* Effect.either(activate())
      expect(Either.isLeft(missing) && missing.left.message).toMatch(/there is no configuration web-1/)
      expect(t.calls).toEqual([])
      expect(yield* types).toEqual([])
    }).pipe(Effect.provide(t.layer))
  })
})
