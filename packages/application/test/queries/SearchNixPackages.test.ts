import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref } from "effect"
import { AttributePath } from "@cim-nix/domain"
import { Nix, ProjectionStore } from "../../src/index.js"
import * as SearchNixPackages from "../../src/queries/SearchNixPackages.js"
import { InMemoryProjectionStore } from "../../src/testing/index.js"

const hit = (path: string, pname: string, description = ""): Nix.SearchHit => ({
  attrPath: Either.getOrThrow(AttributePath.parseEither(path)),
  pname,
  version: "1.0",
  description
})

const packages = [
  hit("packages.x86_64-linux.hello", "hello", "Prints a Friendly greeting"),
  hit("packages.x86_64-linux.world", "world"),
  hit("packages.x86_64-linux.tools", "cli-tools", "Command line HELPERS")
]

const search = (query: Omit<SearchNixPackages.SearchNixPackages, "_tag">) => SearchNixPackages.handle(SearchNixPackages.SearchNixPackages.make(query))

const withNix = <A, E>(calls: Ref.Ref<number>, effect: Effect.Effect<A, E, Nix.Nix | ProjectionStore.ProjectionStore>) =>
  effect.pipe(
    Effect.provide(Layer.succeed(Nix.Nix, Nix.Nix.of({ search: () => Effect.as(Ref.update(calls, (n) => n + 1), packages) } as Partial<Nix.NixService> as Nix.NixService)))
  )

describe("SearchNixPackages", () => {
  it.effect("builds the index with one nix search, then answers from it; refresh rebuilds it", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const first = yield* withNix(calls, search({ flake: "path:/src/app", regex: "hel" }))
      expect(first.hits.map((h) => h.attrPath)).toEqual(["packages.x86_64-linux.hello", "packages.x86_64-linux.tools"])
      expect(first).toMatchObject({ flake: "path:/src/app", indexed: 3, refreshed: true })
      const second = yield* withNix(calls, search({ flake: "path:/src/app", regex: "^WORLD$" }))
      expect(second.hits).toEqual([{ attrPath: "packages.x86_64-linux.world", pname: "world", version: "1.0", description: "" }])
      expect(second.refreshed).toBe(false)
      expect(yield* Ref.get(calls)).toBe(1)
      const third = yield* withNix(calls, search({ flake: "path:/src/app", regex: "greeting", refresh: true }))
      expect(third.hits.map((h) => h.pname)).toEqual(["hello"])
      expect(third.refreshed).toBe(true)
      expect(yield* Ref.get(calls)).toBe(2)
    }).pipe(Effect.provide(InMemoryProjectionStore.layer)))

  it.effect("rejects a bad regex and a flag-like flake before Nix runs", () =>
    Effect.gen(function* () {
      const calls = yield* Ref.make(0)
      const badRegex = yield* Effect.either(withNix(calls, search({ flake: "path:/src/app", regex: "(" })))
      assert(Either.isLeft(badRegex))
      expect(badRegex.left._tag).toBe("ValidationError")
      const flagLike = yield* Effect.either(withNix(calls, search({ flake: "--impure", regex: "x" })))
      assert(Either.isLeft(flagLike))
      expect(flagLike.left._tag).toBe("ParseError")
      expect(yield* Ref.get(calls)).toBe(0)
    }).pipe(Effect.provide(InMemoryProjectionStore.layer)))
})
