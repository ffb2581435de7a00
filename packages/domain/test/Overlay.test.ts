import { describe, expect, it } from "@effect/vitest"
import { Effect, Option } from "effect"
import { Overlay } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const create = (fields: Partial<Omit<Overlay.CreateOverlay, "_tag">> = {}) => Overlay.CreateOverlay.make({ name: "myOverlay", ...fields })
const fail = (command: Overlay.CreateOverlay) => reject(Overlay.aggregate, [], command)

const identifierHint = (what: string) =>
  `${what === "package" ? "A" : "An"} ${what} name is a Nix identifier: a letter or \`_\`, then letters, digits, \`_\`, \`'\` or \`-\`, and not a keyword (if, then, else, let, in, with, rec, inherit, assert, or).`

describe("Overlay", () => {
  it.effect("creates an overlay with additions, overrides and removals, and folds into state", () =>
    Effect.gen(function* () {
      const command = create({
        additions: [{ name: "hello-web", path: "./pkgs/hello-web.nix", args: { withTls: true } }],
        overrides: [
          { name: "nginx", kind: "override", changes: { withDebug: true } },
          { name: "curl", kind: "overrideAttrs", changes: { version: "8.0.0", patches: ["./curl.patch"] } }
        ],
        removals: ["telnet"]
      })
      const events = yield* accept(Overlay.aggregate, [], command)
      const { _tag, ...overlay } = command
      expect(events).toEqual([{ _tag: "OverlayCreated", ...overlay }])
      expect(Overlay.aggregate.fold(events)).toEqual(Option.some(overlay))
      expect(Overlay.aggregateId("myOverlay")).toBe("myOverlay")
      // defaults: no additions, overrides, removals; no args
      expect(Overlay.CreateOverlay.make({ name: "x", additions: [Overlay.Addition.make({ name: "a", path: "./a.nix" })] })).toEqual({
        _tag: "CreateOverlay",
        name: "x",
        additions: [{ name: "a", path: "./a.nix", args: {} }],
        overrides: [],
        removals: []
      })
    }))

  it.effect("refuses to create an overlay twice", () =>
    Effect.gen(function* () {
      const events = yield* accept(Overlay.aggregate, [], create())
      expect(yield* reject(Overlay.aggregate, events, create())).toMatchObject({
        _tag: "ValidationError",
        field: "name",
        message: "overlay myOverlay already exists",
        hint: "Choose another name, or edit the existing overlay."
      })
    }))

  it.effect("rejects names that are not identifiers: overlay, packages, arguments, attributes", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ name: "my overlay" }))).toMatchObject({
        field: "name",
        message: "\"my overlay\" is not a valid overlay name",
        hint: identifierHint("overlay")
      })
      const cases: ReadonlyArray<readonly [Overlay.CreateOverlay, string, string, string]> = [
        [create({ additions: [{ name: "ok", path: "./ok.nix", args: {} }, { name: "2fa", path: "./a.nix", args: {} }] }), "additions[1].name", "\"2fa\"", "package"],
        [create({ overrides: [{ name: "with", kind: "override", changes: {} }] }), "overrides[0].name", "\"with\"", "package"],
        [create({ removals: ["a.b"] }), "removals[0]", "\"a.b\"", "package"],
        [create({ additions: [{ name: "a", path: "./a.nix", args: { "with space": 1 } }] }), "additions.a.args", "\"with space\"", "argument"],
        [create({ overrides: [{ name: "a", kind: "overrideAttrs", changes: { "": 1 } }] }), "overrides.a.changes", "\"\"", "attribute"]
      ]
      for (const [command, field, shown, what] of cases) {
        expect(yield* fail(command)).toMatchObject({
          _tag: "ValidationError",
          field,
          message: `${shown} is not a valid ${what} name`,
          hint: identifierHint(what)
        })
      }
    }))

  it.effect("rejects an addition whose path is not a path literal", () =>
    Effect.gen(function* () {
      expect(yield* fail(create({ additions: [{ name: "hello", path: "pkgs hello.nix", args: {} }] }))).toMatchObject({
        _tag: "ValidationError",
        field: "additions.hello.path",
        message: "\"pkgs hello.nix\" is not a path to call hello from",
        hint: "Give a path literal such as `./hardware.nix`, `../common` or `/etc/nixos/x.nix` (characters `A-Za-z0-9._+-`, at least one slash, no empty segment, no trailing slash), e.g. ./pkgs/hello.nix."
      })
    }))

  it.effect("rejects a package that is both added and overridden", () =>
    Effect.gen(function* () {
      const error = yield* fail(create({
        additions: [{ name: "hello", path: "./hello.nix", args: {} }],
        overrides: [{ name: "hello", kind: "overrideAttrs", changes: { doCheck: false } }]
      }))
      expect(error).toMatchObject({
        _tag: "ValidationError",
        field: "overrides.hello",
        message: "package hello is both added and overridden by this overlay",
        hint: "Put the changes into the arguments of the addition of hello, or drop the addition to override the hello of the package set below (prev.hello)."
      })
    }))

  it.effect("rejects an override of a package the overlay removes", () =>
    Effect.gen(function* () {
      const error = yield* fail(create({ overrides: [{ name: "hello", kind: "override", changes: {} }], removals: ["hello"] }))
      expect(error).toMatchObject({
        _tag: "ValidationError",
        field: "overrides.hello",
        message: "package hello is overridden but this overlay also removes it",
        hint: "Drop either the override or the removal of hello."
      })
    }))

  it.effect("rejects any other second definition of a package", () =>
    Effect.gen(function* () {
      const hint = "An overlay gives each package one definition: keep one entry for hello."
      const addition = { name: "hello", path: "./hello.nix", args: {} }
      const override = { name: "hello", kind: "override", changes: {} } as const
      const cases: ReadonlyArray<readonly [Overlay.CreateOverlay, string, string]> = [
        [create({ additions: [addition, addition] }), "additions.hello", "package hello is added twice"],
        [create({ overrides: [override, override] }), "overrides.hello", "package hello is overridden twice"],
        [create({ removals: ["hello", "hello"] }), "removals.hello", "package hello is removed twice"],
        [create({ additions: [addition], removals: ["hello"] }), "removals.hello", "package hello is both added and removed by this overlay"]
      ]
      for (const [command, field, message] of cases) {
        expect(yield* fail(command)).toMatchObject({ _tag: "ValidationError", field, message, hint })
      }
    }))
})
