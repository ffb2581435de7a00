import { expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as EventStore from "../src/ports/EventStore.js"
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
