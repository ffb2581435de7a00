import { expect, it } from "@effect/vitest"
import { Effect, Either, FastCheck as fc, Layer, Option, Stream } from "effect"
import * as EventStore from "../src/ports/EventStore.js"
import * as Projection from "../src/projections/Projection.js"
import * as ProjectionRunner from "../src/projections/ProjectionRunner.js"
import * as ReadModels from "../src/projections/ReadModels.js"
import * as FindConfiguration from "../src/queries/FindConfiguration.js"
import * as FindPackage from "../src/queries/FindPackage.js"
import { DomainHistory, InMemoryEventStore, InMemoryProjectionStore } from "../src/testing/index.js"

it.live("the synthetic history is valid: every event decodes and the read models take it", () =>
  Effect.gen(function* () {
    const appends = DomainHistory.history(2500)
    expect(appends.length).toBe(2500)
    const store = yield* EventStore.EventStore
    yield* DomainHistory.appendAll(store, appends)
    expect(yield* ProjectionRunner.catchUp(ReadModels.config)).toBe(2500)
    const pkg = Option.getOrThrow(yield* FindPackage.handle(FindPackage.FindPackage.make({
      flakeRef: "github:NixOS/nixpkgs/nixos-24.05",
      attributePath: "pkg-350",
      system: "x86_64-linux"
    })))
    expect(pkg.builds).toBeGreaterThan(0)
    expect(pkg.successes + pkg.failures).toBe(pkg.builds)
    const host = Option.getOrThrow(yield* FindConfiguration.handle(FindConfiguration.FindConfiguration.make({ flake: "/srv/flakes/flake-9", hostname: "host-9" })))
    expect(host.currentGeneration).toBe(host.generations[host.generations.length - 1]!.number)
    expect(host.generations.length).toBeGreaterThan(0)
  }).pipe(Effect.provide(Layer.merge(InMemoryEventStore.layer, InMemoryProjectionStore.layer))))

it.live.prop(
  "each read model's projector gives the same documents for a key's events in one call or split at any points",
  [fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 30 })],
  ([splits]) =>
    Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      yield* DomainHistory.appendAll(store, DomainHistory.history(600))
      const envelopes = Array.from(yield* Stream.runCollect(store.readAllEncoded()))
      const events = envelopes.map((e) => Either.getOrThrow(ReadModels.check(e)))
      for (const projection of ReadModels.config.projections) {
        const byKey = new Map<string, Array<number>>()
        events.forEach((event, i) => {
          for (const key of projection.keys(event, envelopes[i]!)) byKey.set(key, [...(byKey.get(key) ?? []), i])
        })
        expect(byKey.size).toBeGreaterThan(0)
        for (const [key, indices] of byKey) {
          const whole = projection.apply(Option.none(), indices.map((i) => events[i]!), indices.map((i) => envelopes[i]!), key)
          let split: Option.Option<unknown> = Option.none()
          for (let from = 0, s = 0; from < indices.length; s++) {
            const part = indices.slice(from, from + splits[s % splits.length]!)
            split = projection.apply(split, part.map((i) => events[i]!), part.map((i) => envelopes[i]!), key)
            from += part.length
          }
          expect(split).toEqual(whole)
          // The documents are what queries decode.
          expect(Either.isRight(Projection.decodeDocument(projection, key, Option.getOrThrow(whole)))).toBe(true)
        }
      }
    }).pipe(Effect.provide(Layer.merge(InMemoryEventStore.layer, InMemoryProjectionStore.layer))),
  { fastCheck: { numRuns: 10 } }
)
