/**
 * Test doubles for the configuration handlers: a Nix with a simulated system profile and a
 * recording (or failing) switch-to-configuration, and the commands run against it.
 */
import { Effect, Either, Layer } from "effect"
import { CommandError, Configuration, EventEnvelope, StorePath } from "@cim-nix/domain"
import { ActivateConfiguration, CreateConfiguration, EventStore, Nix, RollbackConfiguration } from "../../src/index.js"
import { InMemoryEventStore } from "../../src/testing/index.js"
import { workspace } from "./flakeFakes.js"

const flake = "/srv/fleet"
export const profile = "/tmp/profiles/system"
const system = (name: string) => Either.getOrThrow(StorePath.parseEither(`/nix/store/${"a".repeat(31)}${name.slice(-1)}-${name}`))

/**
 * A Nix with a simulated profile (Nix's rules: `set` adds a generation numbered after the
 * highest, switch moves `current`, delete never removes the current one), builds returning the
 * system named in `built`, and `switchToConfiguration` failing for the systems in `failing`.
 */
const simulated = (built: { name: string }, failing: Set<string>, calls: Array<string>) => {
  const generations: Array<Nix.Generation> = []
  const current = () => generations.find((g) => g.current)!
  const point = (n: number) => generations.forEach((g, i) => (generations[i] = { ...g, current: g.number === n }))
  return Nix.Nix.of({
    build: (installables) =>
      Effect.succeed(installables.map((installable) => ({ installable, drvPath: system("x.drv"), outputs: new Map([["out", system(built.name)]]), startedAt: 0, stoppedAt: 0, built: true }))),
    listGenerations: () => Effect.sync(() => [...generations]),
    setProfile: (_, path) =>
      Effect.sync(() => {
        const number = Math.max(0, ...generations.map((g) => g.number)) + 1
        generations.push({ number, createdAt: 0, current: false, storePath: path })
        point(number)
        return current()
      }),
    switchGeneration: (_, n) => Effect.sync(() => (point(n), current())),
    deleteGenerations: (_, selection) =>
      Effect.sync(() => {
        const drop = selection._tag === "Numbers" ? selection.numbers : []
        for (const n of drop) if (n !== current().number) generations.splice(generations.findIndex((g) => g.number === n), 1)
        return [...generations]
      }),
    switchToConfiguration: (path, mode) => {
      calls.push(`${path.name} ${mode}`)
      return failing.has(path.name)
        ? Effect.fail(new CommandError({ command: ["switch-to-configuration", mode], exitCode: 4, message: "switch-to-configuration failed", hint: "" }))
        : Effect.succeed({ stdout: "", stderr: "" })
    }
  } as Partial<Nix.NixService> as Nix.NixService)
}

export const setup = () => {
  const built = { name: "nixos-system-web-1" }
  const failing = new Set<string>()
  const calls: Array<string> = []
  const nix = simulated(built, failing, calls)
  const layer = Layer.mergeAll(InMemoryEventStore.layer, workspace(new Map()), Layer.succeed(Nix.Nix, nix))
  return { built, failing, calls, nix, layer }
}

export const create = CreateConfiguration.handle(
  { configuration: Configuration.CreateConfiguration.make({ flake, hostname: "web-1", system: "x86_64-linux", modules: [], overlays: [] }), force: false },
  EventEnvelope.root("create")
)
export const activate = (mode: Configuration.ActivationMode = "switch") =>
  ActivateConfiguration.handle({ flake, hostname: "web-1", mode, profile }, EventEnvelope.root(`activate-${mode}`))
export const rollback = (to?: number) =>
  RollbackConfiguration.handle({ flake, hostname: "web-1", profile, ...(to === undefined ? {} : { to }) }, EventEnvelope.root("rollback"))
const stream = { aggregateType: Configuration.aggregateType, aggregateId: Configuration.aggregateId({ flake, hostname: "web-1" }) }
export const types = Effect.flatMap(EventStore.EventStore, (store) => store.readStream(stream)).pipe(Effect.map((events) => events.map((e) => e.type)))
