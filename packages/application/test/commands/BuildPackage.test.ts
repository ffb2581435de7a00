import { assert, describe, expect, it } from "@effect/vitest"
import { Effect, Either, Layer, Ref, Stream } from "effect"
import type { Installable } from "@cim-nix/domain"
import { BuildError, CommandError, EventEnvelope, StorePath } from "@cim-nix/domain"
import { EventStore, Nix } from "../../src/index.js"
import * as BuildPackage from "../../src/commands/BuildPackage.js"
import { InMemoryEventStore } from "../../src/testing/index.js"

const path = (text: string) => Either.getOrThrow(StorePath.parseEither(text))
const hash = "0123456789abcdfghijklmnpqrsvwxyz"

const result = (installable: Installable.Installable, name: string, built: boolean): Nix.BuildResult => ({
  installable,
  drvPath: path(`/nix/store/${hash}-${name}.drv`),
  outputs: new Map([["out", path(`/nix/store/${hash}-${name}`)]]),
  startedAt: 1_700_000_000_000,
  stoppedAt: 1_700_000_000_250,
  built
})

/** A Nix that answers `builtins.currentSystem` and builds with `build`, counting the calls. */
const fakeNix = (calls: Ref.Ref<number>, build: Nix.NixService["buildWithProgress"]) =>
  Layer.succeed(
    Nix.Nix,
    Nix.Nix.of({
      eval: () => Effect.succeed("x86_64-linux"),
      buildWithProgress: (installables, options) => Stream.unwrap(Effect.as(Ref.update(calls, (n) => n + 1), build(installables, options)))
    } as Partial<Nix.NixService> as Nix.NixService)
  )

/** The causality the tests' commands carry (a request id, say). */
const causality = EventEnvelope.root("request-1")

const run = (command: BuildPackage.BuildPackage, build: Nix.NixService["buildWithProgress"]) =>
  Effect.gen(function* () {
    const calls = yield* Ref.make(0)
    const outcome = yield* Effect.either(BuildPackage.handle(command, causality).pipe(Effect.provide(fakeNix(calls, build))))
    const store = yield* EventStore.EventStore
    const all = yield* store.readAll({ fromPosition: 1, batchSize: 100 }).pipe(Stream.runCollect)
    return { outcome, calls: yield* Ref.get(calls), stored: Array.from(all) }
  }).pipe(Effect.provide(InMemoryEventStore.layer))

describe("BuildPackage", () => {
  it.effect("builds every installable in one call and records PackageBuilt per installable, with the given correlation", () =>
    Effect.gen(function* () {
      const { outcome, calls, stored } = yield* run(
        BuildPackage.BuildPackage.make({ installables: ["path:/src/app#hello", "path:/src/app"] }),
        (installables) =>
          Stream.make(
            { _tag: "Message", level: 3, text: "building" } as const,
            { _tag: "Built", results: [result(installables[0]!, "hello", true), result(installables[1]!, "app", false)] } as const
          )
      )
      expect(calls).toBe(1)
      assert(Either.isRight(outcome))
      expect(outcome.right.map((r) => r.installable)).toEqual(["path:/src/app#hello", "path:/src/app"])
      expect(stored.map((e) => [e.type, e.aggregateId, e.version])).toEqual([
        ["PackageBuilt", "path:/src/app#hello@x86_64-linux", 1],
        ["PackageBuilt", "path:/src/app#default@x86_64-linux", 1]
      ])
      expect(stored.map((e) => e.eventId)).toEqual(outcome.right.flatMap((r) => r.events.map((e) => e.eventId)))
      expect(stored.map((e) => [e.correlationId, e.causationId])).toEqual([["request-1", "request-1"], ["request-1", "request-1"]])
      expect(stored[0]!.payload).toMatchObject({ alreadyValid: false, durationMs: 250, outputs: { out: { storeDir: "/nix/store", hash, name: "hello" } } })
      expect(stored[1]!.payload).toMatchObject({ alreadyValid: true })
    }))

  it.effect("records PackageBuildFailed with the log tail and returns the BuildError", () =>
    Effect.gen(function* () {
      const failure = new BuildError({
        installable: "path:/src/app#broken",
        exitCode: 1,
        message: "nix build failed (exit code 1)",
        hint: "read the log",
        logTail: "broken> oops\nerror: builder for '/nix/store/x-broken.drv' failed with exit code 3"
      })
      const { outcome, stored } = yield* run(BuildPackage.BuildPackage.make({ installables: ["path:/src/app#broken"] }), () => Stream.fail(failure))
      expect(Either.isLeft(outcome) && outcome.left).toBe(failure)
      expect(stored.map((e) => [e.type, e.correlationId])).toEqual([["PackageBuildFailed", "request-1"]])
      expect(stored[0]!.payload).toMatchObject({
        exitCode: 1,
        errorSummary: "builder for '/nix/store/x-broken.drv' failed with exit code 3",
        logTail: failure.logTail
      })
    }))

  it.effect("rejects flag-like and malformed installables before Nix runs; nothing is recorded", () =>
    Effect.gen(function* () {
      for (const installables of [["--foo"], ["path:/src/app#ok", "-L"], ["path:/src/app#a^"], []]) {
        const { outcome, calls, stored } = yield* run(BuildPackage.BuildPackage.make({ installables }), () => Stream.empty)
        expect(Either.isLeft(outcome) && outcome.left._tag).toMatch(/^(ParseError|ValidationError)$/)
        expect(calls).toBe(0)
        expect(stored).toEqual([])
      }
    }))

  it.effect("on a concurrent append to the same stream, decides again on fresh state and appends after it", () =>
    Effect.gen(function* () {
      const inner = yield* EventStore.EventStore
      const raced = yield* Ref.make(false)
      // Another writer records the same target between our load and our append.
      const racing = EventStore.EventStore.of({
        ...inner,
        append: (stream, events, expected) =>
          Effect.gen(function* () {
            if (!(yield* Ref.getAndSet(raced, true))) {
              yield* inner.append(stream, events.map((e) => ({ ...e, eventId: e.eventId.replace(/.$/, (c) => (c === "0" ? "1" : "0")) as typeof e.eventId })), expected)
            }
            return yield* inner.append(stream, events, expected)
          })
      })
      const calls = yield* Ref.make(0)
      const outcome = yield* BuildPackage.handle(BuildPackage.BuildPackage.make({ installables: ["path:/src/app#hello"] }), causality).pipe(
        Effect.provide(fakeNix(calls, (installables) => Stream.make({ _tag: "Built", results: [result(installables[0]!, "hello", false)] } as const))),
        Effect.provideService(EventStore.EventStore, racing)
      )
      const stored = yield* inner.readStream({ aggregateType: "Package", aggregateId: "path:/src/app#hello@x86_64-linux" })
      expect(stored.map((e) => [e.type, e.version])).toEqual([["PackageBuilt", 1], ["PackageBuilt", 2]])
      expect(outcome[0]!.events.map((e) => e.version)).toEqual([2])
      expect(yield* Ref.get(calls)).toBe(1)
    }).pipe(Effect.provide(InMemoryEventStore.layer)))

  it.effect("a process failure (timeout) is returned as is and records nothing", () =>
    Effect.gen(function* () {
      const timeout = new CommandError({ command: ["nix", "build"], message: "nix build timed out after 2s", hint: "raise --timeout", transient: true })
      const { outcome, stored } = yield* run(BuildPackage.BuildPackage.make({ installables: ["path:/src/app#slow"] }), () => Stream.fail(timeout))
      expect(Either.isLeft(outcome) && outcome.left).toBe(timeout)
      expect(stored).toEqual([])
    }))
})
