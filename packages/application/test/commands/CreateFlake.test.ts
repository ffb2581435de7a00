import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Option } from "effect"
import { EventEnvelope, Flake } from "@cim-nix/domain"
import { CommandHandler, CreateFlake, EventStore, FlakeTemplate } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import * as Fakes from "./flakeFakes.js"

const request = (fields: Partial<CreateFlake.CreateFlake> = {}): CreateFlake.CreateFlake => ({
  path: "/work/f",
  description: "demo",
  template: "package",
  inputs: [],
  force: false,
  git: false,
  causality: EventEnvelope.root("cmd-1"),
  ...fields
})

const stream = { aggregateType: Flake.aggregateType, aggregateId: "/work/f" }

const run = <A, E>(files: Fakes.Files, effect: Effect.Effect<A, E, any>, onWrite?: (path: string) => Effect.Effect<void>) =>
  effect.pipe(
    Effect.provide(Layer.mergeAll(Fakes.workspace(files, onWrite), Fakes.nix(files, () => Fakes.lockWith(["lib"])))),
    Effect.provide(InMemoryEventStore.layer)
  ) as Effect.Effect<A, E>

describe("FlakeTemplate", () => {
  it.effect("prints inputs with url, follows, overrides and flake = false, escaped, and the outputs with their arguments", () =>
    Effect.gen(function* () {
      const text = yield* FlakeTemplate.render(FlakeTemplate.templates.minimal, 'a "b" ${c}', [
        { name: "lib", ref: "path:/src/lib", overrides: { dep: "other" }, flake: true },
        { name: "other", follows: "lib", overrides: {}, flake: true },
        { name: "src", ref: "github:o/r", overrides: {}, flake: false }
      ])
      expect(text).toBe(`{
  description = "a \\"b\\" \\\${c}";
  inputs.lib.url = "path:/src/lib";
  inputs.lib.inputs.dep.follows = "other";
  inputs.other.follows = "lib";
  inputs.src.url = "github:o/r";
  inputs.src.flake = false;
  # Add outputs here: packages, devShells, nixosModules, ...
  outputs = { self, lib, other, src }: { };
}
`)
    }))

  it("lets a user input replace the template's input of the same name", () => {
    const inputs = FlakeTemplate.inputs(FlakeTemplate.templates.nixos, [{ name: "nixpkgs", ref: "path:/src/nixpkgs", overrides: {}, flake: true }])
    expect(inputs).toEqual([{ name: "nixpkgs", ref: "path:/src/nixpkgs", overrides: {}, flake: true }])
  })
})

describe("CreateFlake", () => {
  it.effect("writes flake.nix, locks the local input, checks, and records the three events as one conversation", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const created = yield* run(files, CreateFlake.handle(request({ inputs: [{ name: "lib", ref: "path:/src/lib", overrides: {}, flake: true }] })))
      expect(files.get("/work/f/flake.nix")).toMatch(/^\{\n  description = "demo";\n  inputs\.lib\.url = "path:\/src\/lib";\n/)
      expect(created.lock).toEqual({ locked: ["lib"] })
      expect(created.check).toEqual({ passed: ["packages.x86_64-linux.default"], failed: [] })
      expect(created.events.map((e) => [e.type, e.version, e.correlationId, e.causationId])).toEqual([
        ["FlakeCreated", 1, "cmd-1", "cmd-1"],
        ["FlakeUpdated", 2, "cmd-1", created.events[0]!.eventId],
        ["FlakeChecked", 3, "cmd-1", created.events[1]!.eventId]
      ])
    }))

  it.effect("a lock Nix refuses is reported (the creation stays recorded) and the check skipped", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const failure = Fakes.nixFailure("no flake.nix in /src/lib")
      const created = yield* CreateFlake.handle(request({ inputs: [Fakes.pathInput("lib")] })).pipe(
        Effect.provide(Layer.mergeAll(Fakes.workspace(files), Fakes.nix(files, () => Fakes.lockWith([]), { lockFlake: () => Effect.fail(failure) }))),
        Effect.provide(InMemoryEventStore.layer)
      )
      expect(created.lock).toEqual({ failed: "no flake.nix in /src/lib" })
      expect(created.lockError).toEqual(Option.some(failure))
      expect(created.check).toEqual({ skipped: "the inputs could not be locked" })
      expect(created.events.map((e) => e.type)).toEqual(["FlakeCreated"])
    }))

  it.effect("with git, stages flake.nix and flake.lock after locking", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const created = yield* run(files, CreateFlake.handle(request({ git: true, inputs: [{ name: "lib", ref: "path:/src/lib", overrides: {}, flake: true }] })))
      expect(created.git).toEqual({ initialised: true, added: ["flake.nix", "flake.lock"] })
      expect(files.get("/work/f/.git-index")).toBe("flake.nix\nflake.lock")
      const plain = yield* run(new Map(), CreateFlake.handle(request()))
      expect(plain.git).toBeNull()
    }))

  it.effect("refuses an existing flake.nix unless forced: nothing written, nothing recorded", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map([["/work/f/flake.nix", "# mine\n"]])
      const refused = yield* run(files, Effect.either(CreateFlake.handle(request())))
      expect(Either.isLeft(refused) && refused.left).toMatchObject({ _tag: "IoError", hint: expect.stringMatching(/--force/) })
      expect(files.get("/work/f/flake.nix")).toBe("# mine\n")
      const forced = yield* run(files, CreateFlake.handle(request({ force: true })))
      expect(forced.events.map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
      expect(files.get("/work/f/flake.nix")).toMatch(/description = "demo"/)
    }))

  it.effect("a bad input is refused before any file is written", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map()
      const bad = yield* run(files, Effect.either(CreateFlake.handle(request({ inputs: [{ name: "x", ref: "github:nope", overrides: {}, flake: true }] }))))
      expect(Either.isLeft(bad) && bad.left._tag).toBe("ParseError")
      expect(files.size).toBe(0)
    }))

  it.effect("when another writer creates the flake meanwhile, the old flake.nix is put back and the conflict reported", () =>
    Effect.gen(function* () {
      const files: Fakes.Files = new Map([["/work/f/flake.nix", "# old\n"]])
      const other = CommandHandler.execute({
        aggregate: Flake.aggregate,
        aggregateId: "/work/f",
        command: Flake.CreateFlake.make({ path: "/work/f", description: "other", inputs: [] }),
        causality: EventEnvelope.root("cmd-other")
      })
      const result = yield* Effect.either(
        Effect.gen(function* () {
          const store = yield* EventStore.EventStore
          let raced = false
          const race = () =>
            raced
              ? Effect.void
              : Effect.sync(() => (raced = true)).pipe(Effect.zipRight(other), Effect.orDie, Effect.asVoid, Effect.provideService(EventStore.EventStore, store))
          const create = CreateFlake.handle(request({ force: true })).pipe(
            Effect.provide(Fakes.workspace(files, race)),
            Effect.provide(Fakes.nix(files, () => Fakes.lockWith([])))
          )
          const outcome = yield* Effect.either(create)
          return { outcome, stored: yield* store.readStream(stream) }
        }).pipe(Effect.provide(InMemoryEventStore.layer))
      )
      const { outcome, stored } = Either.getOrThrow(result)
      expect(Either.isLeft(outcome) && outcome.left._tag).toBe("ConcurrencyConflict")
      expect(files.get("/work/f/flake.nix")).toBe("# old\n")
      expect(stored.map((e) => [e.type, e.correlationId])).toEqual([["FlakeCreated", "cmd-other"]])
    }))
})
