import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as fc from "fast-check"
import { Configuration, StorePath } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const flake = "/home/me/systems"
const hostname = "web-01"
const system = (n: number) => Effect.runSync(StorePath.parse(`/nix/store/${String(n % 10).repeat(32)}-nixos-system-web-01-24.05`))
const drv = Effect.runSync(StorePath.parse(`/nix/store/${"a".repeat(32)}-nixos-system-web-01-24.05.drv`))

const create = (fields: Partial<Omit<Configuration.CreateConfiguration, "_tag">> = {}) =>
  Configuration.CreateConfiguration.make({ flake, hostname, system: "x86_64-linux", ...fields })
const activate = (mode: Configuration.ActivationMode, storePath = system(1)) =>
  Configuration.ActivateConfiguration.make({ flake, hostname, mode, storePath })
const rollback = (to?: number) => Configuration.RollbackConfiguration.make({ flake, hostname, ...(to === undefined ? {} : { to }) })

const decide = (command: Configuration.Command, history: ReadonlyArray<Configuration.Event> = []) => accept(Configuration.aggregate, history, command)
const fail = (command: Configuration.Command, history: ReadonlyArray<Configuration.Event> = []) => reject(Configuration.aggregate, history, command)

/** Decides each command in turn on the folded history, keeping the events of those that succeed. */
const run = (commands: ReadonlyArray<Configuration.Command>): ReadonlyArray<Configuration.Event> =>
  commands.reduce<ReadonlyArray<Configuration.Event>>((history, command) => {
    const result = Effect.runSync(Effect.either(decide(command, history)))
    return Either.isRight(result) ? [...history, ...result.right] : history
  }, [])

const state = (history: ReadonlyArray<Configuration.Event>) => Option.getOrThrow(Configuration.aggregate.fold(history))

describe("Configuration", () => {
  it.effect("creates a configuration and folds into state", () =>
    Effect.gen(function* () {
      const events = yield* decide(create({ modules: ["./hardware.nix", "inputs.sops-nix.nixosModules.sops"], overlays: ["inputs.foo.overlays.default", "./overlay.nix"] }))
      const fields = { flake, hostname, system: "x86_64-linux", modules: ["./hardware.nix", "inputs.sops-nix.nixosModules.sops"], overlays: ["inputs.foo.overlays.default", "./overlay.nix"] }
      expect(events).toEqual([{ _tag: "ConfigurationCreated", ...fields }])
      expect(Configuration.aggregate.fold(events)).toEqual(Option.some({ ...fields, generations: [] }))
      expect(Configuration.aggregateId({ flake, hostname })).toBe("/home/me/systems#nixosConfigurations.web-01")
      expect(Configuration.aggregateId({ flake, hostname: "web.example.org" })).toBe("/home/me/systems#nixosConfigurations.\"web.example.org\"")
      expect(Configuration.aggregateId({ flake, hostname: "01" })).toBe("/home/me/systems#nixosConfigurations.\"01\"")
    }))

  it.effect("refuses to create a configuration twice", () =>
    Effect.gen(function* () {
      expect(yield* fail(create(), run([create()]))).toMatchObject({
        _tag: "ValidationError",
        field: "hostname",
        message: "configuration web-01 already exists in the flake at /home/me/systems",
        hint: "Activate or change the existing configuration, or choose another host name."
      })
    }))

  it.effect("validates flake path, host name, system, modules and overlays", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ flake: "systems" }))).toMatchObject({ _tag: "ValidationError", field: "flake", message: "\"systems\" is not a valid flake path: it is not absolute" })
      expect(yield* fail(create({ hostname: "Web_01" }))).toMatchObject({
        _tag: "ValidationError",
        field: "hostname",
        message: "\"Web_01\" is not a valid host name: it has a label with characters outside a-z, 0-9 and -: \"Web_01\""
      })
      expect(yield* fail(create({ system: "x86_64-windows" }))).toMatchObject({ _tag: "ValidationError", field: "system", message: "\"x86_64-windows\" is not a supported system" })
      expect(yield* fail(create({ modules: ["./ok.nix", "hard ware.nix"] }))).toMatchObject({
        _tag: "ValidationError",
        field: "modules[1]",
        message: "\"hard ware.nix\" is neither a path nor a module name",
        hint: "Refer to a module by a path literal such as `./hardware.nix`, `../common` or `/etc/nixos/x.nix` (characters `A-Za-z0-9._+-`, at least one slash, no empty segment, no trailing slash), or by name: identifiers joined by dots, e.g. `inputs.sops-nix.nixosModules.sops`."
      })
      expect(yield* fail(create({ overlays: ["(final: prev: {})"] }))).toMatchObject({
        _tag: "ValidationError",
        field: "overlays[0]",
        message: "\"(final: prev: {})\" is neither a path nor an overlay name",
        hint: "Refer to an overlay by a path literal such as `./hardware.nix`, `../common` or `/etc/nixos/x.nix` (characters `A-Za-z0-9._+-`, at least one slash, no empty segment, no trailing slash), or by name: identifiers joined by dots, e.g. `inputs.foo.overlays.default`."
      })
    }))

  it.effect("fails to activate or roll back a configuration that does not exist", () =>
    Effect.gen(function* () {
      for (const command of [activate("switch"), rollback()]) {
        expect(yield* fail(command)).toMatchObject({
          _tag: "ValidationError",
          field: "hostname",
          message: "there is no configuration web-01 in the flake at /home/me/systems",
          hint: "Create the configuration first, or check the host name and flake path."
        })
      }
    }))

  it.effect("numbers generations from 1 for switch and boot; test and dry-activate create none", () =>
    Effect.gen(function* () {
      const history = run([create()])
      const first = yield* decide(activate("switch", system(1)), history)
      expect(first).toEqual([{ _tag: "ConfigurationActivated", generation: 1, mode: "switch", storePath: system(1) }])
      const second = yield* decide(activate("boot", system(2)), [...history, ...first])
      expect(second).toEqual([{ _tag: "ConfigurationActivated", generation: 2, mode: "boot", storePath: system(2) }])
      const tested = yield* decide(activate("test", system(3)), [...history, ...first, ...second])
      expect(tested).toEqual([{ _tag: "ConfigurationActivated", generation: null, mode: "test", storePath: system(3) }])
      const dry = yield* decide(activate("dry-activate", system(4)), [...history, ...first, ...second, ...tested])
      expect(dry).toEqual([{ _tag: "ConfigurationActivated", generation: null, mode: "dry-activate", storePath: system(4) }])
      const s = state([...history, ...first, ...second, ...tested, ...dry])
      expect(s.generations).toEqual([
        { number: 1, storePath: system(1), mode: "switch" },
        { number: 2, storePath: system(2), mode: "boot" }
      ])
      expect(s.current).toBe(2)
      expect(s.lastActivation).toEqual({ mode: "dry-activate", storePath: system(4) })
      expect(["switch", "boot", "test", "dry-activate"].map((m) => Configuration.createsGeneration(m as Configuration.ActivationMode))).toEqual([true, true, false, false])
    }))

  it.effect("refuses to activate a derivation", () =>
    Effect.gen(function* () {
      expect(yield* fail(activate("switch", drv), run([create()]))).toMatchObject({
        _tag: "ValidationError",
        field: "storePath",
        message: `${StorePath.format(drv)} is a derivation, not a built system`,
        hint: "Activate the output of config.system.build.toplevel, not its .drv."
      })
    }))

  it.effect("rolls back to the previous generation by default, or to a named earlier one", () =>
    Effect.gen(function* () {
      const history = run([create(), activate("switch", system(1)), activate("switch", system(2)), activate("switch", system(3))])
      const back = yield* decide(rollback(), history)
      expect(back).toEqual([{ _tag: "ConfigurationRolledBack", from: 3, to: 2, storePath: system(2) }])
      expect(state([...history, ...back]).current).toBe(2)
      const further = yield* decide(rollback(1), [...history, ...back])
      expect(further).toEqual([{ _tag: "ConfigurationRolledBack", from: 2, to: 1, storePath: system(1) }])
      // the next generation is numbered after the highest, as Nix does
      const next = yield* decide(activate("switch", system(5)), [...history, ...back, ...further])
      expect(next).toEqual([{ _tag: "ConfigurationActivated", generation: 4, mode: "switch", storePath: system(5) }])
      const s = state([...history, ...back, ...further, ...next])
      expect(s.current).toBe(4)
      expect(s.generations.map((g) => g.number)).toEqual([1, 2, 3, 4])
    }))

  it.effect("refuses rollbacks without an earlier generation", () =>
    Effect.gen(function* () {
      expect(yield* fail(rollback(), run([create(), activate("test")]))).toMatchObject({
        _tag: "ValidationError",
        field: "to",
        message: "configuration web-01 has no generation to roll back from",
        hint: "Activate it with switch or boot first: only those create generations."
      })
      expect(yield* fail(rollback(), run([create(), activate("switch")]))).toMatchObject({
        _tag: "ValidationError",
        field: "to",
        message: "configuration web-01 is at generation 1: there is no earlier generation to roll back to",
        hint: "Activate a new system instead."
      })
      const three = run([create(), activate("switch"), activate("switch"), activate("switch")])
      for (const to of [3, 4, 0, -1, 1.5]) {
        expect(yield* fail(rollback(to), three)).toMatchObject({
          _tag: "ValidationError",
          field: "to",
          message: `${to} is not an earlier generation of configuration web-01: the current generation is 3`,
          hint: "Roll back to a generation from 1 to 2."
        })
      }
      expect(yield* fail(rollback(2), run([create(), activate("switch")]))).toMatchObject({
        message: "2 is not an earlier generation of configuration web-01: the current generation is 1",
        hint: "Generation 1 is the first: activate a new system instead."
      })
    }))

  it("keeps generations contiguous from 1 under any sequence of activations and rollbacks (property)", () => {
    const command = fc.oneof(
      fc.tuple(fc.constantFrom<Configuration.ActivationMode>("switch", "boot", "test", "dry-activate"), fc.nat(9)).map(([mode, n]) => activate(mode, system(n))),
      fc.option(fc.integer({ min: -1, max: 12 }), { nil: undefined }).map(rollback)
    )
    fc.assert(
      fc.property(fc.array(command, { maxLength: 40 }), (commands) => {
        const history = run([create(), ...commands])
        const s = state(history)
        expect(s.generations.map((g) => g.number)).toEqual(s.generations.map((_, i) => i + 1))
        expect(s.current === undefined).toBe(s.generations.length === 0)
        if (s.current !== undefined) expect(s.current >= 1 && s.current <= s.generations.length).toBe(true)
        let created = 0
        for (const event of history) {
          if (event._tag === "ConfigurationActivated" && event.generation !== null) expect(event.generation).toBe(++created)
          if (event._tag === "ConfigurationRolledBack") expect(event.to < event.from && event.to >= 1).toBe(true)
        }
        expect(created).toBe(s.generations.length)
      }),
      { numRuns: 300 }
    )
  })
})
