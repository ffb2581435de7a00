/**
 * A synthetic but valid history of domain events, for benchmarks and load tests of the event
 * stores and read models: 100 flakes and 50 NixOS configurations are created, then builds of 500
 * packages (one in eight fails), flake checks, lock updates and activations follow in a fixed
 * mix. Deterministic apart from the event ids; one append (one command) per event. Encoding
 * domain events is slow, so only the first 2,000 are made from the domain's constructors; later
 * ones repeat their payloads (after the creations) with fresh ids and times.
 */
import { DateTime, Effect } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"
import { Aggregate, Configuration, Flake, FlakeRef, Package, StorePath } from "@cim-nix/domain"
import type { AppendError, Service as EventStoreService, StreamId } from "../ports/EventStore.js"
import { nextEventId } from "./TestEvents.js"

/** One append of the history. */
export interface Append {
  readonly stream: StreamId
  readonly events: ReadonlyArray<EventEnvelope.NewEvent>
}

const flakes = 100
const hosts = 50
const targets = 500
const base32 = "0123456789abcdfghijklmnpqrsvwxyz"

const storePath = (n: number, name: string) => {
  let hash = ""
  for (let i = 0, x = n + 1; i < 32; i++, x = (x * 1103515245 + 12345) % 2147483648) hash += base32[x % 32]
  return Effect.runSync(StorePath.parse(`/nix/store/${hash}-${name}`))
}

const narHash = (n: number) => `sha256-${String(n).padStart(43, "A")}=`

const made = 2000
const creations = flakes + hosts

/** `count` events (at least the 150 creations), as appends in order. */
export const history = (count: number): Array<Append> => {
  const templates = make(Math.min(count, made))
  const appends = [...templates]
  for (let i = appends.length; i < count; i++) {
    const template = templates[creations + ((i - creations) % (templates.length - creations))]!
    appends.push({
      stream: template.stream,
      events: template.events.map((e) => ({
        ...e,
        eventId: nextEventId(),
        occurredAt: at(i),
        correlationId: `command-${i}`,
        causationId: `command-${i}`
      }))
    })
  }
  return appends
}

const at = (i: number) => DateTime.unsafeMake(1_714_564_800_000 + i * 1000)

const make = (count: number): Array<Append> => {
  const appends: Array<Append> = []
  const add = (aggregate: Aggregate.Aggregate<any, any, any>, aggregateId: string, event: unknown) => {
    const i = appends.length
    const events = Effect.runSync(Aggregate.toNewEvents(aggregate, [event], {
      aggregateId,
      eventIds: [nextEventId()],
      occurredAt: at(i),
      causality: { correlationId: `command-${i}`, causationId: `command-${i}` }
    }))
    appends.push({ stream: { aggregateType: aggregate.aggregateType, aggregateId }, events })
  }
  const nixpkgs = Effect.runSync(FlakeRef.parse("github:NixOS/nixpkgs/nixos-24.05"))
  const flakePath = (f: number) => Flake.FlakePath.make(`/srv/flakes/flake-${f}`)
  for (let f = 0; f < flakes; f++) {
    add(Flake.aggregate, Flake.aggregateId(flakePath(f)), Flake.FlakeCreated.make({
      path: flakePath(f),
      description: `flake number ${f}`,
      inputs: { nixpkgs: { ref: nixpkgs, overrides: {}, flake: true } }
    }))
  }
  const hostname = (h: number) => `host-${h}`
  for (let h = 0; h < hosts; h++) {
    const created = Effect.runSync(Configuration.aggregate.decide(
      Configuration.CreateConfiguration.make({ flake: flakePath(h), hostname: hostname(h), system: "x86_64-linux" }),
      Configuration.aggregate.initial
    ))
    add(Configuration.aggregate, Configuration.aggregateId({ flake: flakePath(h), hostname: hostname(h) }), created[0])
  }
  const parsedTargets = Array.from({ length: targets }, (_, t) =>
    Effect.runSync(Package.parseTarget({ flakeRef: "github:NixOS/nixpkgs/nixos-24.05", attributePath: `pkg-${t}`, system: "x86_64-linux" })))
  const generations = new Array<number>(hosts).fill(0)
  const locks = new Array<number>(flakes).fill(0)
  for (let i = appends.length; i < count; i++) {
    const kind = i % 10
    if (kind <= 6) {
      const t = (i * 7919) % targets
      const target = parsedTargets[t]!
      const durationMs = 1000 + ((i * 2654435761) % 600_000)
      const timing = { startedAt: at(i), finishedAt: DateTime.unsafeMake(DateTime.toEpochMillis(at(i)) + durationMs), durationMs }
      add(Package.aggregate, Package.aggregateId(target), i % 8 === 0
        ? Package.PackageBuildFailed.make({ ...target, exitCode: 100, errorSummary: `builder for pkg-${t} failed`, logTail: "error: ...", ...timing })
        : Package.PackageBuilt.make({
          ...target,
          drvPath: storePath(t, `pkg-${t}.drv`),
          outputs: { out: storePath(t + i, `pkg-${t}`) } as Package.PackageBuilt["outputs"],
          alreadyValid: false,
          ...timing
        }))
    } else if (kind === 7) {
      const f = i % flakes
      add(Flake.aggregate, Flake.aggregateId(flakePath(f)), Flake.FlakeChecked.make({
        path: flakePath(f),
        passed: ["checks.x86_64-linux.build"],
        failed: i % 3 === 0 ? [{ output: "checks.x86_64-linux.fmt", message: "not formatted" }] : []
      }))
    } else if (kind === 8) {
      const f = i % flakes
      const before = locks[f]! === 0 ? null : { narHash: narHash(locks[f]!), lastModified: locks[f]! }
      locks[f] = i
      add(Flake.aggregate, Flake.aggregateId(flakePath(f)), Flake.FlakeUpdated.make({
        path: flakePath(f),
        changes: [{ input: "nixpkgs", before, after: { narHash: narHash(i), lastModified: i } }]
      }))
    } else {
      const h = i % hosts
      generations[h]! += 1
      add(Configuration.aggregate, Configuration.aggregateId({ flake: flakePath(h), hostname: hostname(h) }), Configuration.ConfigurationActivated.make({
        generation: generations[h]!,
        mode: "switch",
        storePath: storePath(i, `nixos-system-${hostname(h)}`)
      }))
    }
  }
  return appends
}

/** Appends `appends` in order, each at the version its stream has reached (for loads and replays). */
export const appendAll = (store: EventStoreService, appends: ReadonlyArray<Append>): Effect.Effect<void, AppendError> =>
  Effect.suspend(() => {
    const versions = new Map<string, number>()
    return Effect.forEach(appends, ({ events, stream }) => {
      const key = `${stream.aggregateType}\u0000${stream.aggregateId}`
      const version = versions.get(key) ?? 0
      versions.set(key, version + events.length)
      return store.append(stream, events, version)
    }, { discard: true })
  })
