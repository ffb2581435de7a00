import { describe, expect, it } from "@effect/vitest"
import { DateTime, Effect, Either, ParseResult, Schema } from "effect"
import * as fc from "fast-check"
import {
  Aggregate,
  Configuration,
  DomainEvent,
  Evaluation,
  EventEnvelope,
  Flake,
  GarbageCollection,
  Module,
  NixSystem,
  OptionType,
  Overlay,
  Package,
  StorePath
} from "../src/index.js"
import type { Json } from "../src/Json.js"
import { compile, rejected } from "../src/internal/fastDecoder.js"
import { fitting, identifier, optionType } from "./support/arbitraries.js"
import { mutations } from "./support/mutations.js"

/** The payload decoders `fromEnvelope` runs: the compiled one, and Effect's that it must agree with. */
const payloadOptions = { onExcessProperty: "error" } as const
const compiledPayload = compile(DomainEvent.DomainEvent, payloadOptions)
const effectPayload = ParseResult.decodeUnknownEither(DomainEvent.DomainEvent, payloadOptions)
/** What `fromEnvelope` decodes: the stored payload with the envelope's type as its tag. */
const tagged = (event: DomainEvent.DomainEvent) => ({ ...(Effect.runSync(stored(event)).payload as object), _tag: event._tag })

const at = DateTime.unsafeMake("2024-05-01T12:00:00Z")
const eventId = Schema.decodeSync(EventEnvelope.EventId)("01890a5d-ac96-774b-bcce-b302099a8057")
const storePath = (c: string, name: string) => Effect.runSync(StorePath.parse(`/nix/store/${c.repeat(32)}-${name}`))

/** The aggregate that writes each event type. */
const aggregateOf = (event: DomainEvent.DomainEvent): Aggregate.Aggregate<unknown, never, DomainEvent.DomainEvent> => {
  const byType = {
    Flake: Flake.aggregate,
    Package: Package.aggregate,
    Module: Module.aggregate,
    Overlay: Overlay.aggregate,
    Configuration: Configuration.aggregate,
    Evaluation: Evaluation.aggregate,
    GarbageCollection: GarbageCollection.aggregate
  } as const
  return byType[DomainEvent.eventTypes[event._tag].aggregateType as keyof typeof byType] as unknown as Aggregate.Aggregate<unknown, never, DomainEvent.DomainEvent>
}

/** The event as a store hands it back: its new envelope with the payload through JSON. */
const stored = (event: DomainEvent.DomainEvent) =>
  Aggregate.toNewEvents(aggregateOf(event), [event], { aggregateId: "id", eventIds: [eventId], occurredAt: at, causality: EventEnvelope.root("cmd") }).pipe(
    Effect.map(([envelope]) => ({ ...envelope!, payload: JSON.parse(JSON.stringify(envelope!.payload)) as unknown }))
  )

/** One event of every type, decided from commands as a handler would. */
const samples = Effect.gen(function* () {
  const path = "/srv/flake"
  const flake = yield* Flake.aggregate.decide(Flake.CreateFlake.make({ path, inputs: [Flake.InputSpec.make({ name: "nixpkgs", ref: "github:NixOS/nixpkgs" })] }), Flake.aggregate.initial)
  const adopted = yield* Flake.aggregate.decide(Flake.AdoptFlake.make({ path: "/srv/hand-written", description: "mine", inputs: [Flake.InputSpec.make({ name: "src", ref: "path:/srv/src", flake: false })] }), Flake.aggregate.initial)
  const flakeState = Flake.aggregate.fold(flake)
  const flakeMore = yield* Effect.forEach(
    [
      Flake.AddFlakeInput.make({ path, input: Flake.InputSpec.make({ name: "src", ref: "path:/srv/src", flake: false }) }),
      Flake.UpdateFlake.make({ path, locks: { nixpkgs: { rev: "0123456789abcdef0123456789abcdef01234567", narHash: "sha256-dEzj0XNA2zhsKcdGMyodSamUs6yglcuxLzDlAP3HSmk=", lastModified: 1 } } }),
      Flake.RemoveFlakeInput.make({ path, name: "nixpkgs" }),
      Flake.CheckFlake.make({ path, passed: ["checks.x86_64-linux.a"], failed: [{ output: "checks.x86_64-linux.b", message: "failed" }] })
    ],
    (command) => Flake.aggregate.decide(command, flakeState)
  )
  const timing = { startedAt: at, finishedAt: at }
  const target = { flakeRef: "nixpkgs", attributePath: "hello", system: "x86_64-linux" }
  const built = yield* Package.aggregate.decide(
    Package.BuildPackage.make({ ...target, outcome: Package.Built.make({ drvPath: storePath("a", "hello.drv"), outputs: { out: storePath("b", "hello") }, alreadyValid: false, ...timing }) }),
    Package.aggregate.initial
  )
  const buildFailed = yield* Package.aggregate.decide(
    Package.BuildPackage.make({ ...target, outcome: Package.Failed.make({ exitCode: 1, errorSummary: "failed", logTail: "", ...timing }) }),
    Package.aggregate.initial
  )
  const module = yield* Module.aggregate.decide(
    Module.CreateModule.make({ name: "web", options: [{ name: "a.b", type: "nullOr (listOf port)", default: null, example: [80] }], config: { x: { y: [1, "z", null] } } }),
    Module.aggregate.initial
  )
  const overlay = yield* Overlay.aggregate.decide(
    Overlay.CreateOverlay.make({ name: "o", additions: [{ name: "a", path: "./a.nix", args: { b: 1 } }], overrides: [{ name: "c", kind: "overrideAttrs", changes: { d: "e" } }], removals: ["f"] }),
    Overlay.aggregate.initial
  )
  const configuration = yield* Configuration.aggregate.decide(
    Configuration.CreateConfiguration.make({ flake: path, hostname: "web", system: "x86_64-linux", modules: ["./hw.nix"] }),
    Configuration.aggregate.initial
  )
  const activate = (mode: Configuration.ActivationMode, n: string) => Configuration.ActivateConfiguration.make({ flake: path, hostname: "web", mode, storePath: storePath(n, "nixos-system-web") })
  const a1 = yield* Configuration.aggregate.decide(activate("switch", "1"), Configuration.aggregate.fold(configuration))
  const a2 = yield* Configuration.aggregate.decide(activate("switch", "2"), Configuration.aggregate.fold([...configuration, ...a1]))
  const rolledBack = yield* Configuration.aggregate.decide(Configuration.RollbackConfiguration.make({ flake: path, hostname: "web" }), Configuration.aggregate.fold([...configuration, ...a1, ...a2]))
  const test = yield* Configuration.aggregate.decide(activate("test", "3"), Configuration.aggregate.fold([...configuration, ...a1]))
  const evaluated = yield* Evaluation.aggregate.decide(
    Evaluation.EvaluateExpression.make({ expression: "1 + 1", resultSha256: "0".repeat(64), resultBytes: 1, durationMs: 3 }),
    Evaluation.aggregate.initial
  )
  const collected = yield* GarbageCollection.aggregate.decide(
    GarbageCollection.RunGarbageCollection.make({ options: { dryRun: false, olderThan: "7d" }, freedBytes: 10, deletedPaths: 1 }),
    GarbageCollection.aggregate.initial
  )
  return [...flake, ...adopted, ...flakeMore.flat(), ...built, ...buildFailed, ...module, ...overlay, ...configuration, ...a1, ...rolledBack, ...test, ...evaluated, ...collected] as ReadonlyArray<DomainEvent.DomainEvent>
})

/** Decides each command on the state folded so far, keeping the events of those that succeed. */
const run = <S, C, E extends DomainEvent.DomainEvent>(aggregate: Aggregate.Aggregate<S, C, E>, commands: ReadonlyArray<C>): ReadonlyArray<E> =>
  commands.reduce<ReadonlyArray<E>>((history, command) => {
    const result = Effect.runSync(Effect.either(aggregate.decide(command, aggregate.fold(history))))
    return Either.isRight(result) ? [...history, ...result.right] : history
  }, [])

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`))
const base32Hash = fc.stringMatching(/^[0-9abcdfghijklmnpqrsvwxyz]{32}$/)
const storeName = fc.stringMatching(/^[a-z][a-z0-9+._-]{0,20}$/)
const anyStorePath = fc.tuple(base32Hash, storeName).map(([hash, name]) => Effect.runSync(StorePath.parse(`/nix/store/${hash}-${name}`)))
const drvPath = fc.tuple(base32Hash, storeName).map(([hash, name]) => Effect.runSync(StorePath.parse(`/nix/store/${hash}-${name}.drv`)))
const outPath = anyStorePath.filter((p) => !StorePath.isDerivation(p))
const instant = fc.integer({ min: 0, max: 4_000_000_000_000 }).map((ms) => DateTime.unsafeMake(ms))
/** JSON values as JSON text holds them (it has no -0: the generator's -0 becomes 0). */
const json = fc.jsonValue().map((v) => JSON.parse(JSON.stringify(v)) as Json)
const jsonObject = fc.dictionary(fc.string(), json, { maxKeys: 3 })
const attrPathText = fc.array(fc.oneof(identifier, fc.string({ minLength: 1, maxLength: 4 }).filter((s) => !s.includes("\0"))), { minLength: 1, maxLength: 3 }).map((segments) =>
  segments.map((segment) => JSON.stringify(segment).replaceAll("$", "\\$")).join(".")
)

const flakeEvents = fc
  .record({
    description: fc.string(),
    inputs: fc.uniqueArray(
      fc.record({ name: identifier.filter((n) => n !== "self"), ref: fc.constantFrom("github:NixOS/nixpkgs/nixos-24.05", "nixpkgs", "path:/srv/src", "git+https://example.org/a.git?ref=main", "gitlab:a/b"), flake: fc.boolean() }),
      { selector: (i) => i.name, minLength: 1, maxLength: 4 }
    ),
    lock: fc.record({ rev: fc.option(hex(40), { nil: undefined }), narHash: fc.stringMatching(/^sha256-[A-Za-z0-9+/]{43}=$/), lastModified: fc.option(fc.nat(), { nil: undefined }) }),
    passed: fc.uniqueArray(attrPathText, { maxLength: 3 }),
    failed: fc.uniqueArray(fc.record({ output: attrPathText, message: fc.string() }), { selector: (f) => f.output, maxLength: 2 }),
    adopted: fc.boolean()
  })
  .map(({ description, inputs, lock, passed, failed, adopted }) => {
    const path = "/srv/flake"
    const [first, ...rest] = inputs.map((i) => Flake.InputSpec.make(i))
    const { rev, lastModified, narHash } = lock
    return run(Flake.aggregate, [
      (adopted ? Flake.AdoptFlake : Flake.CreateFlake).make({ path, description, inputs: [first!] }),
      ...rest.map((input) => Flake.AddFlakeInput.make({ path, input: { ...input, overrides: { nixpkgs: first!.name } } })),
      Flake.UpdateFlake.make({ path, locks: { [first!.name]: { narHash, ...(rev === undefined ? {} : { rev }), ...(lastModified === undefined ? {} : { lastModified }) } } }),
      Flake.CheckFlake.make({ path, passed, failed: failed.filter((f) => !passed.includes(f.output)) }),
      ...rest.map((input) => Flake.RemoveFlakeInput.make({ path, name: input.name }))
    ])
  })

const packageEvents = fc
  .record({
    start: instant,
    ms: fc.nat(10_000_000),
    drv: drvPath,
    outputs: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9_-]{0,6}$/), outPath, { minKeys: 1, maxKeys: 3 }),
    alreadyValid: fc.boolean(),
    exitCode: fc.integer({ min: 1, max: 255 }),
    summary: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ""),
    logTail: fc.string()
  })
  .map(({ start, ms, drv, outputs, alreadyValid, exitCode, summary, logTail }) => {
    const timing = { startedAt: start, finishedAt: DateTime.add(start, { millis: ms }) }
    const target = { flakeRef: "github:NixOS/nixpkgs", attributePath: "legacyPackages.x86_64-linux.hello", system: "x86_64-linux" }
    return run(Package.aggregate, [
      Package.BuildPackage.make({ ...target, outcome: Package.Built.make({ drvPath: drv, outputs, alreadyValid, ...timing }) }),
      Package.BuildPackage.make({ ...target, outcome: Package.Failed.make({ exitCode, errorSummary: summary, logTail, ...timing }) })
    ])
  })

const moduleEvents = fc
  .record({
    name: identifier,
    options: fc.uniqueArray(
      fc.record({ name: identifier, type: optionType(false), description: fc.option(fc.string(), { nil: undefined }), example: fc.option(json, { nil: undefined }) }),
      { selector: (o) => o.name, maxLength: 3 }
    ).chain((options) => fc.tuple(...options.map((o) => fc.option(fitting(o.type), { nil: undefined }).map((d) => ({ ...o, default: d }))))),
    config: jsonObject
  })
  .map(({ name, options, config }) =>
    run(Module.aggregate, [
      Module.CreateModule.make({
        name,
        options: options.map(({ type, default: d, description, example, ...o }) => ({
          ...o,
          type: OptionType.print(type),
          // as JSON text holds it (no -0)
          ...(d === undefined ? {} : { default: JSON.parse(JSON.stringify(d)) as Json }),
          ...(description === undefined ? {} : { description }),
          ...(example === undefined ? {} : { example })
        })),
        imports: ["./hardware.nix", "inputs.foo.nixosModules.bar"],
        config
      })
    ])
  )

const overlayEvents = fc
  .record({
    names: fc.uniqueArray(identifier, { minLength: 3, maxLength: 6 }),
    args: jsonObject.map((o) => Object.fromEntries(Object.entries(o).filter(([k]) => /^[a-z]+$/.test(k)))),
    kind: fc.constantFrom<Overlay.OverrideKind>("override", "overrideAttrs")
  })
  .map(({ names: [a, b, c, ...more], args, kind }) =>
    run(Overlay.aggregate, [
      Overlay.CreateOverlay.make({
        name: "o",
        additions: [{ name: a!, path: "./pkgs/a.nix", args }],
        overrides: [{ name: b!, kind, changes: args }],
        removals: [c!, ...more]
      })
    ])
  )

const configurationEvents = fc
  .record({
    hostname: fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,5}){0,2}$/),
    system: fc.constantFrom(...NixSystem.supported),
    steps: fc.array(fc.oneof(fc.tuple(fc.constantFrom<Configuration.ActivationMode>("switch", "boot", "test", "dry-activate"), outPath), fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined })), { maxLength: 8 })
  })
  .map(({ hostname, system, steps }) => {
    const flake = "/srv/flake"
    return run(Configuration.aggregate, [
      Configuration.CreateConfiguration.make({ flake, hostname, system, modules: ["./hw.nix"], overlays: ["inputs.o.overlays.default"] }),
      ...steps.map((step) =>
        Array.isArray(step)
          ? Configuration.ActivateConfiguration.make({ flake, hostname, mode: step[0], storePath: step[1] })
          : Configuration.RollbackConfiguration.make({ flake, hostname, ...(step === undefined ? {} : { to: step }) })
      )
    ])
  })

const evaluationEvents = fc
  .record({ expression: fc.string({ minLength: 1 }).filter((s) => s.trim() !== ""), resultSha256: hex(64), resultBytes: fc.nat(), durationMs: fc.double({ min: 0, max: 1e9, noNaN: true }) })
  .map((fields) => run(Evaluation.aggregate, [Evaluation.EvaluateExpression.make({ ...fields, durationMs: Object.is(fields.durationMs, -0) ? 0 : fields.durationMs })]))

const garbageCollectionEvents = fc
  .record({ dryRun: fc.boolean(), olderThan: fc.option(fc.nat(400).map((d) => `${d}d`), { nil: undefined }), maxFreed: fc.option(fc.nat(), { nil: undefined }), freedBytes: fc.nat(), deletedPaths: fc.nat() })
  .map(({ dryRun, olderThan, maxFreed, freedBytes, deletedPaths }) =>
    run(GarbageCollection.aggregate, [
      GarbageCollection.RunGarbageCollection.make({
        options: { dryRun, ...(olderThan === undefined ? {} : { olderThan }), ...(maxFreed === undefined ? {} : { maxFreed }) },
        freedBytes: dryRun ? 0 : freedBytes,
        deletedPaths
      })
    ])
  )

/** Events decided from arbitrary valid commands of every aggregate. */
const arbitraryEvents: fc.Arbitrary<ReadonlyArray<DomainEvent.DomainEvent>> = fc
  .tuple(flakeEvents, packageEvents, moduleEvents, overlayEvents, configurationEvents, evaluationEvents, garbageCollectionEvents)
  .map((lists) => lists.flat())

const decodeError = (envelope: DomainEvent.StoredEvent) => Effect.flip(DomainEvent.fromEnvelope(envelope))

describe("DomainEvent", () => {
  it("lists every event type with its aggregate type and schema version", () => {
    const v1 = (aggregateType: string) => ({ aggregateType, schemaVersion: 1 })
    expect(DomainEvent.eventTypes).toEqual({
      FlakeCreated: v1("Flake"),
      FlakeUpdated: v1("Flake"),
      FlakeInputAdded: v1("Flake"),
      FlakeAdopted: v1("Flake"),
      FlakeInputRemoved: v1("Flake"),
      FlakeChecked: v1("Flake"),
      PackageBuilt: v1("Package"),
      PackageBuildFailed: v1("Package"),
      ModuleCreated: v1("Module"),
      OverlayCreated: v1("Overlay"),
      ConfigurationCreated: v1("Configuration"),
      ConfigurationActivated: v1("Configuration"),
      ConfigurationRolledBack: v1("Configuration"),
      ExpressionEvaluated: v1("Evaluation"),
      GarbageCollected: v1("GarbageCollection")
    })
    expect(DomainEvent.isEventType("FlakeCreated")).toBe(true)
    expect(DomainEvent.isEventType("toString")).toBe(false)
  })

  it.effect("reads back every event type written through an envelope and JSON", () =>
    Effect.gen(function* () {
      const events = yield* samples
      expect(new Set(events.map((e) => e._tag))).toEqual(new Set(Object.keys(DomainEvent.eventTypes)))
      for (const event of events) {
        const envelope = yield* stored(event)
        expect(envelope.type).toBe(event._tag)
        expect(envelope.aggregateType).toBe(DomainEvent.eventTypes[event._tag].aggregateType)
        expect(envelope.payload).not.toHaveProperty("_tag")
        expect(yield* DomainEvent.fromEnvelope(envelope)).toEqual(event)
      }
    }))

  it("round trips the events of arbitrary commands through encode, JSON and fromEnvelope (property)", () => {
    fc.assert(
      fc.property(arbitraryEvents, (events) => {
        for (const event of events) {
          const envelope = Effect.runSync(stored(event))
          expect(Effect.runSync(DomainEvent.fromEnvelope(envelope))).toEqual(event)
        }
      }),
      { numRuns: 200 }
    )
  })

  it("decodes every stored payload on the compiled path, to the value Effect's decoder gives (property)", () => {
    fc.assert(
      fc.property(arbitraryEvents, (events) => {
        for (const event of events) {
          const payload = tagged(event)
          const value = compiledPayload(payload)
          expect(value).not.toBe(rejected)
          expect(value).toStrictEqual(Either.getOrThrow(effectPayload(payload)))
        }
      }),
      { numRuns: 100 }
    )
  })

  it("accepts a mutated payload on the compiled path only when Effect's decoder does, with its value (property)", () => {
    const mutated = arbitraryEvents.filter((events) => events.length > 0).chain((events) =>
      fc.constantFrom(...events).chain((event) => mutations(tagged(event))))
    fc.assert(
      fc.property(mutated, (payload) => {
        const expected = effectPayload(payload)
        const value = compiledPayload(payload)
        if (Either.isLeft(expected)) expect(value).toBe(rejected)
        else if (value !== rejected) expect(value).toStrictEqual(expected.right)
      }),
      { numRuns: 500 }
    )
  })

  it("checkEnvelope passes an envelope exactly when fromEnvelope reads it, as the stored payload with its tag, or with fromEnvelope's error (property)", () => {
    const envelopes = arbitraryEvents.filter((events) => events.length > 0).chain((events) =>
      fc.constantFrom(...events).chain((event) => {
        const envelope = Effect.runSync(stored(event))
        return fc.oneof(
          fc.constant(envelope),
          mutations(envelope.payload).map((payload) => ({ ...envelope, payload })),
          fc.constantFrom("FlakeExploded", "PackageBuilt", "toString").map((type) => ({ ...envelope, type })),
          fc.constantFrom(0, 2).map((schemaVersion) => ({ ...envelope, schemaVersion }))
        )
      }))
    fc.assert(
      fc.property(envelopes, (envelope) => {
        const before = JSON.stringify(envelope.payload)
        const decoded = DomainEvent.fromEnvelope(envelope)
        const checked = DomainEvent.checkEnvelope(envelope)
        if (Either.isLeft(decoded)) expect(checked).toStrictEqual(decoded)
        else expect(checked).toStrictEqual(Either.right({ ...(envelope.payload as object), _tag: envelope.type }))
        expect(JSON.stringify(envelope.payload)).toBe(before)
      }),
      { numRuns: 400 }
    )
  })

  it.effect("rejects unknown types, the wrong aggregate type and other schema versions", () =>
    Effect.gen(function* () {
      const [event] = yield* samples
      const envelope = yield* stored(event!)
      const input = `FlakeCreated ${JSON.stringify(envelope.payload)}`
      expect(yield* decodeError({ ...envelope, type: "FlakeExploded" })).toMatchObject({
        _tag: "ParseError",
        kind: "DomainEvent",
        input: `FlakeExploded ${JSON.stringify(envelope.payload)}`,
        position: 0,
        message: "unknown event type \"FlakeExploded\"",
        hint: "The event was written by another program or a newer version of this one: upgrade, or leave such events to the program that wrote them."
      })
      expect(yield* decodeError({ ...envelope, aggregateType: "Module" })).toMatchObject({
        input,
        message: "event FlakeCreated belongs to Flake streams, not to \"Module\"",
        hint: "The envelope's aggregateType does not match its type: the event was stored under the wrong stream."
      })
      expect(yield* decodeError({ ...envelope, schemaVersion: 2 })).toMatchObject({
        message: "event FlakeCreated has payload schema version 2, this program reads version 1",
        hint: "A newer version of this program wrote the event: upgrade to read it."
      })
      expect(yield* decodeError({ ...envelope, schemaVersion: 0 })).toMatchObject({
        message: "event FlakeCreated has payload schema version 0, this program reads version 1",
        hint: "No upgrade from that version is known: the event store holds events this program never wrote."
      })
    }))

  it.effect("rejects payloads that are not objects or do not match the schema", () =>
    Effect.gen(function* () {
      const [event] = yield* samples
      const envelope = yield* stored(event!)
      for (const payload of [null, [], "x", 3]) {
        expect(yield* decodeError({ ...envelope, payload })).toMatchObject({
          _tag: "ParseError",
          kind: "DomainEvent",
          message: "the payload of event FlakeCreated is not an object",
          hint: "A payload is the object of the event's fields; the store returned something else."
        })
      }
      const payload = envelope.payload as Record<string, unknown>
      const hint = "The stored payload was changed or written by a program that does not follow this schema version."
      const missing = yield* decodeError({ ...envelope, payload: { ...payload, description: undefined } })
      expect(missing).toMatchObject({ _tag: "ParseError", kind: "DomainEvent", hint })
      expect(missing.message).toMatch(/^the payload of event FlakeCreated does not match its schema: [^]*description/)
      const badPath = yield* decodeError({ ...envelope, payload: { ...payload, path: "relative" } })
      expect(badPath.message).toMatch(/"relative" is not a flake path: it is not absolute/)
      const extra = yield* decodeError({ ...envelope, payload: { ...payload, surprise: 1 } })
      expect(extra.message).toMatch(/surprise/)
    }))
})
