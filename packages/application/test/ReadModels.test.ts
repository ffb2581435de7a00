import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Either, FastCheck as fc, Layer, Option } from "effect"
import { Aggregate, Configuration, DomainEvent, EventEnvelope, Flake, Package, StorePath } from "@cim-nix/domain"
import * as EventStore from "../src/ports/EventStore.js"
import * as EventLog from "../src/projections/EventLog.js"
import * as ProjectionRunner from "../src/projections/ProjectionRunner.js"
import * as ProjectionStore from "../src/projections/ProjectionStore.js"
import * as ReadModels from "../src/projections/ReadModels.js"
import * as FindConfiguration from "../src/queries/FindConfiguration.js"
import * as FindFlake from "../src/queries/FindFlake.js"
import * as FindPackage from "../src/queries/FindPackage.js"
import * as ListEvents from "../src/queries/ListEvents.js"
import { InMemoryEventStore, InMemoryProjectionStore, TestEvents } from "../src/testing/index.js"

const at = (second: number) => DateTime.unsafeMake(1_714_564_800_000 + second * 1000)
const storePath = (c: string, name: string) => Effect.runSync(StorePath.parse(`/nix/store/${c.repeat(32)}-${name}`))
const narHash = (n: number) => `sha256-${String(n).padStart(43, "A")}=`

type AnyAggregate = Aggregate.Aggregate<any, any, DomainEvent.DomainEvent>

/** What a command handler does, without Nix: load the stream, decide, append at the version read. */
const run = (aggregate: AnyAggregate, aggregateId: string, command: unknown, second: number, correlation = `cmd-${second}`) =>
  Effect.gen(function* () {
    const store = yield* EventStore.EventStore
    const stream = { aggregateType: aggregate.aggregateType, aggregateId }
    const stored = yield* store.readStream(stream)
    const state = aggregate.fold(yield* Effect.forEach(stored, DomainEvent.fromEnvelope))
    const events = yield* aggregate.decide(command, state)
    const newEvents = yield* Aggregate.toNewEvents(aggregate, events, {
      aggregateId,
      eventIds: events.map(() => TestEvents.nextEventId()),
      occurredAt: at(second),
      causality: EventEnvelope.root(correlation)
    })
    return yield* store.append(stream, newEvents, stored.length)
  })

const flake = (path: string, command: unknown, second: number) => run(Flake.aggregate as AnyAggregate, Flake.aggregateId(path), command, second)
const target = (attributePath: string) => ({ flakeRef: "github:NixOS/nixpkgs", attributePath, system: "x86_64-linux" })
const build = (attributePath: string, second: number, durationS: number, ok: boolean) =>
  run(
    Package.aggregate as AnyAggregate,
    Package.aggregateId(Effect.runSync(Package.parseTarget(target(attributePath)))),
    Package.BuildPackage.make({
      ...target(attributePath),
      outcome: ok
        ? Package.Built.make({
          drvPath: storePath("a", `${attributePath}.drv`),
          outputs: { out: storePath(String(second % 10), attributePath) },
          alreadyValid: false,
          startedAt: at(second),
          finishedAt: at(second + durationS)
        })
        : Package.Failed.make({ exitCode: 100, errorSummary: "builder failed", logTail: "...", startedAt: at(second), finishedAt: at(second + durationS) })
    }),
    second
  )
const host = (hostname: string, command: unknown, second: number) =>
  run(Configuration.aggregate as AnyAggregate, Configuration.aggregateId({ flake: "/srv/a", hostname }), command, second)

const stores = Layer.merge(InMemoryEventStore.layer, InMemoryProjectionStore.layer)
const catchUp = ProjectionRunner.catchUp(ReadModels.config)

const everything = Effect.gen(function* () {
  const store = yield* ProjectionStore.ProjectionStore
  return yield* Effect.forEach(ReadModels.config.projections, (p) => Effect.all([store.checkpoint(p.name), store.list(p.name, { limit: 1_000_000 })]))
})

/** One step of a random history: a command of some aggregate (invalid ones are refused by decide and skipped). */
const step = fc.oneof(
  fc.record({ kind: fc.constant("createFlake" as const), path: fc.constantFrom("/srv/a", "/srv/b") }),
  fc.record({ kind: fc.constant("addInput" as const), path: fc.constantFrom("/srv/a", "/srv/b"), name: fc.constantFrom("src", "utils") }),
  fc.record({ kind: fc.constant("removeInput" as const), path: fc.constantFrom("/srv/a", "/srv/b"), name: fc.constantFrom("src", "nixpkgs") }),
  fc.record({ kind: fc.constant("lock" as const), path: fc.constantFrom("/srv/a", "/srv/b"), n: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant("check" as const), path: fc.constantFrom("/srv/a", "/srv/b"), ok: fc.boolean() }),
  fc.record({ kind: fc.constant("build" as const), attr: fc.constantFrom("hello", "cowsay"), duration: fc.integer({ min: 0, max: 600 }), ok: fc.boolean() }),
  fc.record({ kind: fc.constant("createHost" as const), host: fc.constantFrom("web", "db") }),
  fc.record({ kind: fc.constant("activate" as const), host: fc.constantFrom("web", "db"), mode: fc.constantFrom(...Configuration.ActivationMode.literals) }),
  fc.record({ kind: fc.constant("rollback" as const), host: fc.constantFrom("web", "db") })
)
type Step = typeof step extends fc.Arbitrary<infer A> ? A : never

const perform = (s: Step, second: number) => {
  switch (s.kind) {
    case "createFlake":
      return flake(s.path, Flake.CreateFlake.make({ path: s.path, description: `flake ${s.path}`, inputs: [Flake.InputSpec.make({ name: "nixpkgs", ref: "github:NixOS/nixpkgs" })] }), second)
    case "addInput":
      return flake(s.path, Flake.AddFlakeInput.make({ path: s.path, input: Flake.InputSpec.make({ name: s.name, ref: `path:/srv/${s.name}`, flake: false }) }), second)
    case "removeInput":
      return flake(s.path, Flake.RemoveFlakeInput.make({ path: s.path, name: s.name }), second)
    case "lock":
      return flake(s.path, Flake.UpdateFlake.make({ path: s.path, locks: { nixpkgs: { narHash: narHash(s.n), lastModified: s.n } } }), second)
    case "check":
      return flake(s.path, Flake.CheckFlake.make({ path: s.path, passed: ["checks.x86_64-linux.a"], failed: s.ok ? [] : [{ output: "checks.x86_64-linux.b", message: "failed" }] }), second)
    case "build":
      return build(s.attr, second, s.duration, s.ok)
    case "createHost":
      return host(s.host, Configuration.CreateConfiguration.make({ flake: "/srv/a", hostname: s.host, system: "x86_64-linux" }), second)
    case "activate":
      return host(s.host, Configuration.ActivateConfiguration.make({ flake: "/srv/a", hostname: s.host, mode: s.mode, storePath: storePath(String(second % 10), `nixos-system-${s.host}`) }), second)
    case "rollback":
      return host(s.host, Configuration.RollbackConfiguration.make({ flake: "/srv/a", hostname: s.host }), second)
  }
}

describe("read models", () => {
  it.live.prop(
    "rebuilt from zero, they equal the read models built incrementally",
    [fc.array(step, { minLength: 1, maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 })],
    ([steps, batchSizes]) =>
      Effect.gen(function* () {
        const segment = Math.ceil(steps.length / batchSizes.length)
        let applied = 0
        for (let i = 0; i < batchSizes.length; i++) {
          for (const [j, s] of steps.slice(i * segment, (i + 1) * segment).entries()) {
            const result = yield* Effect.either(perform(s, i * segment + j))
            if (Either.isRight(result)) applied += result.right.length
            else expect(["ValidationError", "FlakeError"]).toContain(result.left._tag)
          }
          yield* ProjectionRunner.catchUp({ ...ReadModels.config, batchSize: batchSizes[i]! })
        }
        const incremental = yield* everything
        expect(yield* ProjectionRunner.rebuild(ReadModels.config)).toBe(applied)
        expect(yield* everything).toEqual(incremental)
        expect((yield* ListEvents.handle(ListEvents.ListEvents.make({ limit: 10_000 }))).length).toBe(applied)
      }).pipe(Effect.provide(stores)),
    { fastCheck: { numRuns: 40 } }
  )

  it.live("flakes: inputs, locks, the last lock update and the last check", () =>
    Effect.gen(function* () {
      yield* perform({ kind: "createFlake", path: "/srv/a" }, 0)
      yield* perform({ kind: "addInput", path: "/srv/a", name: "src" }, 1)
      yield* perform({ kind: "lock", path: "/srv/a", n: 1 }, 2)
      yield* perform({ kind: "check", path: "/srv/a", ok: false }, 3)
      yield* perform({ kind: "lock", path: "/srv/a", n: 1 }, 4)
      yield* catchUp
      const view = Option.getOrThrow(yield* FindFlake.handle(FindFlake.FindFlake.make({ path: "/srv/a" })))
      expect(view.description).toBe("flake /srv/a")
      expect(view.inputs).toEqual({
        nixpkgs: { ref: "github:NixOS/nixpkgs", overrides: {}, flake: true },
        src: { ref: "path:/srv/src", overrides: {}, flake: false }
      })
      expect(view.locks).toEqual({ nixpkgs: { narHash: narHash(1), lastModified: 1 } })
      expect(view.lastLockUpdate).toEqual({ at: at(4), changed: [] })
      expect(view.lastCheck).toEqual({ at: at(3), passed: ["checks.x86_64-linux.a"], failed: [{ output: "checks.x86_64-linux.b", message: "failed" }] })
      expect([view.createdAt, view.updatedAt]).toEqual([at(0), at(4)])
      yield* perform({ kind: "lock", path: "/srv/a", n: 2 }, 5)
      yield* perform({ kind: "removeInput", path: "/srv/a", name: "nixpkgs" }, 6)
      yield* catchUp
      const later = Option.getOrThrow(yield* FindFlake.handle(FindFlake.FindFlake.make({ path: "/srv/a" })))
      expect(later.lastLockUpdate).toEqual({ at: at(5), changed: ["nixpkgs"] })
      expect([Object.keys(later.inputs), later.locks]).toEqual([["src"], {}])
      expect(yield* FindFlake.handle(FindFlake.FindFlake.make({ path: "/srv/b" }))).toEqual(Option.none())
    }).pipe(Effect.provide(stores)))

  it.live("packages: counts, last outputs and the median and 95th percentile of build durations", () =>
    Effect.gen(function* () {
      for (const [i, seconds] of [100, 300, 200, 1000, 400].entries()) yield* build("hello", i * 10_000, seconds, true)
      yield* build("hello", 90_000, 7, false)
      yield* build("cowsay", 0, 5, false)
      yield* catchUp
      const hello = Option.getOrThrow(yield* FindPackage.handle(FindPackage.FindPackage.make(target("hello"))))
      expect([hello.builds, hello.successes, hello.failures]).toEqual([6, 5, 1])
      expect(hello.durationsMs).toEqual([100_000, 200_000, 300_000, 400_000, 1_000_000])
      expect([hello.p50Ms, hello.p95Ms]).toEqual([300_000, 1_000_000])
      expect(hello.lastBuild).toEqual({ finishedAt: at(90_007), succeeded: false, durationMs: 7000, exitCode: 100, errorSummary: "builder failed" })
      expect(hello.lastOutputs).toEqual({ out: `/nix/store/${"0".repeat(32)}-hello` })
      expect([hello.flakeRef, hello.attributePath, hello.system]).toEqual(["github:NixOS/nixpkgs", "hello", "x86_64-linux"])
      const cowsay = Option.getOrThrow(yield* FindPackage.handle(FindPackage.FindPackage.make(target("cowsay"))))
      expect([cowsay.builds, cowsay.failures, cowsay.p50Ms, cowsay.lastOutputs]).toEqual([1, 1, undefined, undefined])
      expect(yield* FindPackage.handle(FindPackage.FindPackage.make(target("htop")))).toEqual(Option.none())
      const invalid = yield* Effect.flip(FindPackage.handle(FindPackage.FindPackage.make({ ...target("hello"), system: "pdp11-unix" })))
      expect(invalid._tag).toBe("ValidationError")
    }).pipe(Effect.provide(stores)))

  it.live("configurations: generations, the current one and the history", () =>
    Effect.gen(function* () {
      yield* perform({ kind: "createHost", host: "web" }, 0)
      yield* perform({ kind: "activate", host: "web", mode: "switch" }, 1)
      yield* perform({ kind: "activate", host: "web", mode: "test" }, 2)
      yield* perform({ kind: "activate", host: "web", mode: "boot" }, 3)
      yield* perform({ kind: "rollback", host: "web" }, 4)
      yield* catchUp
      const web = Option.getOrThrow(yield* FindConfiguration.handle(FindConfiguration.FindConfiguration.make({ flake: "/srv/a", hostname: "web" })))
      const system = (n: number) => `/nix/store/${String(n).repeat(32)}-nixos-system-web`
      expect([web.hostname, web.system, web.currentGeneration]).toEqual(["web", "x86_64-linux", 1])
      expect(web.generations).toEqual([
        { number: 1, storePath: system(1), mode: "switch", at: at(1) },
        { number: 2, storePath: system(3), mode: "boot", at: at(3) }
      ])
      expect(web.history).toEqual([
        { at: at(1), action: "activate", storePath: system(1), mode: "switch", generation: 1 },
        { at: at(2), action: "activate", storePath: system(2), mode: "test" },
        { at: at(3), action: "activate", storePath: system(3), mode: "boot", generation: 2 },
        { at: at(4), action: "rollback", storePath: system(1), generation: 1, from: 2 }
      ])
      expect(yield* FindConfiguration.handle(FindConfiguration.FindConfiguration.make({ flake: "/srv/a", hostname: "db" }))).toEqual(Option.none())
    }).pipe(Effect.provide(stores)))

  it.live("the event log lists events filtered by aggregate, type and correlation id", () =>
    Effect.gen(function* () {
      yield* perform({ kind: "createFlake", path: "/srv/a" }, 0)
      yield* perform({ kind: "build", attr: "hello", duration: 1, ok: true }, 1)
      yield* perform({ kind: "createFlake", path: "/srv/b" }, 2)
      yield* perform({ kind: "check", path: "/srv/a", ok: true }, 3)
      yield* catchUp
      const list = (query: Omit<ListEvents.ListEvents, "_tag">) =>
        Effect.map(ListEvents.handle(ListEvents.ListEvents.make(query)), (entries) => entries.map((e) => [e.position, e.type]))
      expect(yield* list({})).toEqual([[1, "FlakeCreated"], [2, "PackageBuilt"], [3, "FlakeCreated"], [4, "FlakeChecked"]])
      expect(yield* list({ aggregateType: "Flake", aggregateId: "/srv/a" })).toEqual([[1, "FlakeCreated"], [4, "FlakeChecked"]])
      expect(yield* list({ type: "FlakeCreated" })).toEqual([[1, "FlakeCreated"], [3, "FlakeCreated"]])
      expect(yield* list({ correlationId: "cmd-1" })).toEqual([[2, "PackageBuilt"]])
      expect(yield* list({ fromPosition: 2, limit: 2 })).toEqual([[2, "PackageBuilt"], [3, "FlakeCreated"]])
      const [entry] = yield* ListEvents.handle(ListEvents.ListEvents.make({ limit: 1 }))
      expect(entry).toMatchObject({ aggregateType: "Flake", aggregateId: "/srv/a", version: 1, occurredAt: at(0), correlationId: "cmd-0", causationId: "cmd-0" })
    }).pipe(Effect.provide(stores)))

  it.live("the event log keeps order and filters across its blocks, built incrementally or rebuilt", () =>
    Effect.gen(function* () {
      const count = EventLog.blockSize * 2 + 20
      yield* perform({ kind: "createFlake", path: "/srv/a" }, 0)
      for (let i = 1; i < count; i++) {
        yield* perform(i % 3 === 0 ? { kind: "check", path: "/srv/a", ok: true } : { kind: "build", attr: "hello", duration: 1, ok: true }, i)
        // Catching up now and then makes blocks grow across commits.
        if (i % 50 === 0) yield* catchUp
      }
      yield* catchUp
      const positions = (query: Omit<ListEvents.ListEvents, "_tag">) =>
        Effect.map(ListEvents.handle(ListEvents.ListEvents.make(query)), (entries) => entries.map((e) => e.position))
      const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i)
      expect(yield* positions({ limit: 10_000 })).toEqual(range(1, count))
      expect(yield* positions({ fromPosition: 120, limit: 20 })).toEqual(range(120, 139))
      // Checks are the events at positions 4, 7, 10, ...
      expect(yield* positions({ type: "FlakeChecked", fromPosition: 250, limit: 10_000 })).toEqual(range(250, count).filter((p) => p % 3 === 1))
      const store = yield* ProjectionStore.ProjectionStore
      expect((yield* store.list(EventLog.projection.name)).map(([key]) => key)).toEqual([0, 1, 2].map((b) => EventLog.key(b * EventLog.blockSize + 1)))
      const incremental = yield* everything
      expect(yield* ProjectionRunner.rebuild(ReadModels.config)).toBe(count)
      expect(yield* everything).toEqual(incremental)
    }).pipe(Effect.provide(stores)))

  it.live("an event that does not decode stops the projections before it, saying which", () =>
    Effect.gen(function* () {
      yield* perform({ kind: "createFlake", path: "/srv/a" }, 0)
      const [odd] = TestEvents.newEvents({ aggregateType: "Flake", aggregateId: "/srv/a" }, 1)
      yield* Effect.flatMap(EventStore.EventStore, (s) => s.append({ aggregateType: "Flake", aggregateId: "/srv/a" }, [odd!], 1))
      const error = yield* Effect.flip(catchUp)
      expect(error._tag === "CorruptEvent" && [error.position, error.eventId]).toEqual([2, odd!.eventId])
      expect(error.message).toMatch(/unknown event type "Touched"/)
      expect(yield* Effect.flatMap(ProjectionStore.ProjectionStore, (s) => s.checkpoint("flakes"))).toEqual(Option.some({ position: 1, version: 1 }))
    }).pipe(Effect.provide(stores)))
})
