import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option } from "effect"
import * as fc from "fast-check"
import { Flake, FlakeRef } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const path = "/home/me/app"
const narA = "sha256-dEzj0XNA2zhsKcdGMyodSamUs6yglcuxLzDlAP3HSmk="
const narB = "sha256-bZsJIso1URwbhSoVqrjnrnTw30qQQx3ZriTo15rlkyw="
const revA = "0123456789abcdef0123456789abcdef01234567"
const revB = "89abcdef0123456789abcdef0123456789abcdef"

const ref = (text: string) => Effect.runSync(FlakeRef.parse(text))
const input = (name: string, fields: Partial<Flake.InputSpec> = {}) => Flake.InputSpec.make({ name, ...fields })
const create = (inputs: ReadonlyArray<Flake.InputSpec> = [], at = path) => Flake.CreateFlake.make({ path: at, description: "my app", inputs })
const decide = (command: Flake.Command, history: ReadonlyArray<Flake.Event> = []) => accept(Flake.aggregate, history, command)
const fail = (command: Flake.Command, history: ReadonlyArray<Flake.Event> = []) => reject(Flake.aggregate, history, command)

const created = (inputs: ReadonlyArray<Flake.InputSpec> = []) => Effect.runSync(decide(create(inputs)))

const standard = [
  input("nixpkgs", { ref: "github:NixOS/nixpkgs/nixos-24.05" }),
  input("home-manager", { ref: "github:nix-community/home-manager", overrides: { nixpkgs: "nixpkgs" } }),
  input("pkgs", { follows: "nixpkgs" }),
  input("src", { ref: "path:/srv/src", flake: false })
]

const cycleHint = "Break the cycle: give one of these inputs a flake reference (url) instead of follows."

describe("Flake", () => {
  describe("CreateFlake", () => {
    it.effect("creates a flake with inputs, follows and overrides, and folds into state", () =>
      Effect.gen(function* () {
        const events = yield* decide(create(standard))
        const inputs = {
          nixpkgs: { ref: ref("github:NixOS/nixpkgs/nixos-24.05"), overrides: {}, flake: true },
          "home-manager": { ref: ref("github:nix-community/home-manager"), overrides: { nixpkgs: "nixpkgs" }, flake: true },
          pkgs: { follows: "nixpkgs", overrides: {}, flake: true },
          src: { ref: ref("path:/srv/src"), overrides: {}, flake: false }
        }
        expect(events).toEqual([{ _tag: "FlakeCreated", path, description: "my app", inputs }])
        expect(Flake.aggregate.fold(events)).toEqual(Option.some({ path, description: "my app", inputs, outputs: [], locks: {} }))
        expect(Flake.aggregateId(path)).toBe(path)
        expect((yield* decide(create([], "/")))[0]).toMatchObject({ path: "/" })
      }))

    it.effect("refuses to create a flake twice", () =>
      Effect.gen(function* () {
        expect(yield* fail(create(), created())).toMatchObject({
          _tag: "FlakeError",
          path,
          message: "a flake already exists at /home/me/app",
          hint: "Change the existing flake (add, remove or update inputs), or create the new one in another directory."
        })
      }))

    it.effect("requires an absolute, normalised path", () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [string, string]> = [
          ["", "is empty"],
          ["home/me", "is not absolute"],
          ["./app", "is not absolute"],
          ["/home/../etc", "has a .. segment"],
          ["/home/./me", "has a . segment"],
          ["/home//me", "has an empty segment (//)"],
          ["/home/me/", "ends with /"],
          ["/home/m\0e", "contains a NUL character"]
        ]
        for (const [p, reason] of cases) {
          expect(yield* fail(create([], p))).toMatchObject({
            _tag: "ValidationError",
            field: "path",
            message: `${JSON.stringify(p)} is not a valid flake path: it ${reason}`,
            hint: "Give the absolute, normalised directory of the flake (no ., .. or empty segments, no trailing /), e.g. /home/me/my-flake."
          })
        }
      }))

    it.effect("requires input names that are identifiers, and not self", () =>
      Effect.gen(function* () {
        for (const name of ["1st", "if", "a.b", ""]) {
          expect(yield* fail(create([input("ok", { ref: "nixpkgs" }), input(name, { ref: "nixpkgs" })]))).toMatchObject({
            _tag: "ValidationError",
            field: "inputs[1].name",
            message: `${JSON.stringify(name)} is not a valid input name`,
            hint: "An input name is a Nix identifier: a letter or `_`, then letters, digits, `_`, `'` or `-`, and not a keyword (if, then, else, let, in, with, rec, inherit, assert, or)."
          })
        }
        expect(yield* fail(create([input("self", { ref: "nixpkgs" })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs[0].name",
          message: "an input cannot be named self: outputs receives the flake itself as self, so the input would never be seen",
          hint: "Choose another name for the input."
        })
      }))

    it.effect("requires unique input names", () =>
      Effect.gen(function* () {
        expect(yield* fail(create([input("nixpkgs", { ref: "nixpkgs" }), input("nixpkgs", { ref: "github:NixOS/nixpkgs" })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.nixpkgs",
          message: "input nixpkgs is declared twice",
          hint: "Declare each input once."
        })
      }))

    it.effect("requires exactly one of a flake reference and follows", () =>
      Effect.gen(function* () {
        const hint = "Give an input either a flake reference (url) or the input it follows, not both."
        expect(yield* fail(create([input("a")]))).toMatchObject({ _tag: "ValidationError", field: "inputs.a", message: "input a has neither a ref nor follows", hint })
        expect(yield* fail(create([input("b", { ref: "nixpkgs" }), input("a", { ref: "nixpkgs", follows: "b" })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.a",
          message: "input a has both a ref and follows",
          hint
        })
      }))

    it.effect("requires every flake reference to parse, naming the input", () =>
      Effect.gen(function* () {
        const error = yield* fail(create([input("bad", { ref: "github:NixOS" })]))
        const direct = yield* Effect.flip(FlakeRef.parse("github:NixOS"))
        expect(error).toMatchObject({ _tag: "ParseError", kind: "FlakeRef", input: "github:NixOS", position: direct.position, message: `input bad: ${direct.message}`, hint: direct.hint })
      }))

    it.effect("requires follows targets to be input paths", () =>
      Effect.gen(function* () {
        const hint = "Write input names separated by /, e.g. nixpkgs or home-manager/nixpkgs; each name starts with a letter, then letters, digits, _ or -."
        for (const target of ["", "a//b", "_x", "a/"]) {
          expect(yield* fail(create([input("a", { ref: "nixpkgs" }), input("b", { follows: target })]))).toMatchObject({
            _tag: "ValidationError",
            field: "inputs.b.follows",
            message: `${JSON.stringify(target)} is not an input path`,
            hint
          })
        }
        expect(yield* fail(create([input("a", { ref: "nixpkgs", overrides: { nixpkgs: "a b" } })]))).toMatchObject({
          field: "inputs.a.inputs.nixpkgs.follows",
          message: "\"a b\" is not an input path",
          hint
        })
        expect(yield* fail(create([input("a", { ref: "nixpkgs", overrides: { "b c": "a" } })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.a.inputs",
          message: "\"b c\" is not an input name that follows can override",
          hint: "Name an input of the input: a letter, then letters, digits, _ or -."
        })
      }))

    it.effect("requires follows targets to exist", () =>
      Effect.gen(function* () {
        expect(yield* fail(create([input("a", { ref: "nixpkgs" }), input("b", { follows: "c/nixpkgs" })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.b.follows",
          message: "follows target \"c/nixpkgs\" does not exist: the flake has no input c",
          hint: "Follow one of the flake's other inputs (a), or add input c first."
        })
        expect(yield* fail(create([input("hm", { ref: "github:nix-community/home-manager", overrides: { nixpkgs: "nixpkgs" } })]))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.hm.inputs.nixpkgs.follows",
          message: "follows target \"nixpkgs\" does not exist: the flake has no input nixpkgs",
          hint: "Add input nixpkgs first."
        })
      }))

    it.effect("rejects follows cycles and names the cycle", () =>
      Effect.gen(function* () {
        const cases: ReadonlyArray<readonly [ReadonlyArray<Flake.InputSpec>, string]> = [
          [[input("a", { follows: "b" }), input("b", { follows: "a" })], "a -> b -> a"],
          [[input("a", { follows: "a" })], "a -> a"],
          [[input("x", { ref: "nixpkgs" }), input("a", { follows: "b" }), input("b", { follows: "c" }), input("c", { follows: "a" })], "a -> b -> c -> a"],
          [[input("a", { ref: "nixpkgs", overrides: { x: "b/y" } }), input("b", { ref: "nixpkgs", overrides: { y: "a/x" } })], "a/x -> b/y -> a/x"],
          [[input("a", { follows: "b" }), input("b", { ref: "nixpkgs", overrides: { y: "a/y" } })], "b/y -> a/y -> b/y"]
        ]
        for (const [inputs, cycle] of cases) {
          expect(yield* fail(create(inputs))).toMatchObject({
            _tag: "ValidationError",
            field: "inputs",
            message: `the follows of the inputs form a cycle: ${cycle}`,
            hint: cycleHint
          })
        }
      }))

    it.effect("accepts inputs that depend on each other through follows without looping", () =>
      Effect.gen(function* () {
        // a's input x is b, b's input y is a: each resolves to a locked input
        yield* decide(create([input("a", { ref: "nixpkgs", overrides: { x: "b" } }), input("b", { ref: "nixpkgs", overrides: { y: "a" } })]))
        // a chain of follows that ends in an input with a reference
        yield* decide(create([input("a", { follows: "b/nixpkgs" }), input("b", { follows: "c" }), input("c", { ref: "nixpkgs" })]))
      }))

    it("reports a cycle exactly when top-level follows loop (property)", () => {
      const names = ["a", "b", "c", "d", "e"]
      // each input either has a reference (undefined) or follows another input
      const graph = fc.array(fc.option(fc.constantFrom(...names), { nil: undefined }), { minLength: names.length, maxLength: names.length })
      fc.assert(
        fc.property(graph, (targets) => {
          const loops = names.some((start) => {
            let node: string | undefined = start
            for (let steps = 0; node !== undefined; steps++) {
              if (steps > names.length) return true
              node = targets[names.indexOf(node)]
            }
            return false
          })
          const specs = names.map((name, i) => (targets[i] === undefined ? input(name, { ref: "nixpkgs" }) : input(name, { follows: targets[i]! })))
          const result = Effect.runSync(Effect.either(decide(create(specs))))
          expect(Either.isLeft(result) && result.left._tag === "ValidationError" && result.left.message.startsWith("the follows of the inputs form a cycle: ")).toBe(loops)
          expect(Either.isRight(result)).toBe(!loops)
        }),
        { numRuns: 300 }
      )
    })
  })

  describe("fromDeclaration", () => {
    const declare = (inputs: Record<string, unknown>, implicit: ReadonlyArray<string> = []) => Flake.fromDeclaration(path, { description: "mine", inputs, implicit })

    it.effect("reads url, attribute-set, follows, flake = false and follows overrides, and the implicit inputs of outputs", () =>
      Effect.gen(function* () {
        const command = yield* declare(
          {
            nixpkgs: { url: "github:NixOS/nixpkgs/nixos-24.05" },
            pkgs: { follows: "nixpkgs" },
            src: { flake: false, url: "path:/srv/src" },
            utils: { inputs: { nixpkgs: { follows: "nixpkgs" } }, owner: "numtide", repo: "flake-utils", type: "github" }
          },
          ["home"]
        )
        expect(command).toEqual(Flake.AdoptFlake.make({
          path,
          description: "mine",
          inputs: [
            input("nixpkgs", { ref: "github:NixOS/nixpkgs/nixos-24.05" }),
            input("pkgs", { follows: "nixpkgs" }),
            input("src", { ref: "path:/srv/src", flake: false }),
            input("utils", { ref: "github:numtide/flake-utils", overrides: { nixpkgs: "nixpkgs" } }),
            input("home", { ref: "home" })
          ]
        }))
        expect((yield* decide(command)).map((e) => e._tag)).toEqual(["FlakeAdopted"])
      }))

    it.effect("refuses what it cannot record, saying what to change", () =>
      Effect.gen(function* () {
        expect(yield* Effect.flip(declare({ a: { url: "nixpkgs", type: "github", owner: "o", repo: "r" } }))).toMatchObject({
          _tag: "ParseError",
          message: "input a has both a url and the attributes type, owner, repo"
        })
        expect(yield* Effect.flip(declare({ a: { url: "nixpkgs", inputs: { b: { url: "github:o/r" } } } }))).toMatchObject({
          _tag: "ParseError",
          message: "input a sets inputs.b.url: only follows overrides of an input's inputs are recorded",
          hint: "Write it as inputs.a.inputs.b.follows = \"<input>\", or remove it before adopting the flake."
        })
        expect(yield* Effect.flip(declare({ a: { type: "svn" } }))).toMatchObject({ _tag: "ParseError", kind: "FlakeDeclaration", message: expect.stringMatching(/^input a: /) })
        expect(yield* Effect.flip(declare({ a: { type: "github", owner: { x: 1 } } }))).toMatchObject({ message: "input a: owner is not a flake reference attribute" })
        expect(yield* Effect.flip(declare({ a: { url: 3 } }))).toMatchObject({
          _tag: "ParseError",
          kind: "FlakeDeclaration",
          message: expect.stringMatching(/^\/home\/me\/app\/flake.nix declares what cim-nix cannot read: /)
        })
      }))
  })

  describe("AdoptFlake", () => {
    const adopt = (inputs: ReadonlyArray<Flake.InputSpec> = [], at = path) => Flake.AdoptFlake.make({ path: at, description: "hand-written", inputs })

    it.effect("records a flake cim-nix did not create as FlakeAdopted; it then takes the other commands", () =>
      Effect.gen(function* () {
        const events = yield* decide(adopt(standard))
        const created = yield* decide(Flake.CreateFlake.make({ path, description: "hand-written", inputs: standard }))
        expect(events).toEqual([{ ...created[0], _tag: "FlakeAdopted" }])
        expect(Flake.aggregate.fold(events)).toEqual(Flake.aggregate.fold(created))
        const added = yield* decide(Flake.AddFlakeInput.make({ path, input: input("utils", { ref: "github:numtide/flake-utils" }) }), events)
        expect(added.map((e) => e._tag)).toEqual(["FlakeInputAdded"])
      }))

    it.effect("records what flake.lock pins in the same decision, after the adoption, and checks it as UpdateFlake does", () =>
      Effect.gen(function* () {
        const locks = { nixpkgs: { rev: revA, narHash: narA, lastModified: 7 }, src: { narHash: narB } }
        const events = yield* decide(Flake.AdoptFlake.make({ path, description: "hand-written", inputs: standard, locks }))
        expect(events.map((e) => e._tag)).toEqual(["FlakeAdopted", "FlakeUpdated"])
        expect(events[1]).toEqual({
          _tag: "FlakeUpdated",
          path,
          changes: [
            { input: "nixpkgs", before: null, after: { rev: revA, narHash: narA, lastModified: 7 } },
            { input: "src", before: null, after: { narHash: narB } }
          ]
        })
        expect(Option.getOrThrow(Flake.aggregate.fold(events)).locks).toEqual({ nixpkgs: locks.nixpkgs, src: locks.src })
        expect(yield* fail(Flake.AdoptFlake.make({ path, inputs: standard, locks: { pkgs: { narHash: narA } } }))).toMatchObject({
          _tag: "ValidationError",
          message: "input pkgs follows nixpkgs: it has no lock of its own"
        })
      }))

    it.effect("validates the path and inputs as CreateFlake does, and refuses a flake already recorded", () =>
      Effect.gen(function* () {
        expect(yield* fail(adopt([], "relative/dir"))).toMatchObject({ _tag: "ValidationError", field: "path" })
        expect(yield* fail(adopt([input("a", { follows: "b" }), input("b", { follows: "a" })]))).toMatchObject({
          _tag: "ValidationError",
          message: "the follows of the inputs form a cycle: a -> b -> a"
        })
        for (const history of [created(), Effect.runSync(decide(adopt()))]) {
          expect(yield* fail(adopt(), history)).toMatchObject({
            _tag: "FlakeError",
            message: "a flake already exists at /home/me/app",
            hint: "It is recorded already: change it with the other flake commands."
          })
        }
      }))
  })

  describe("commands on an existing flake", () => {
    it.effect("fail when there is no flake", () =>
      Effect.gen(function* () {
        const commands: ReadonlyArray<Flake.Command> = [
          Flake.AddFlakeInput.make({ path, input: input("a", { ref: "nixpkgs" }) }),
          Flake.RemoveFlakeInput.make({ path, name: "a" }),
          Flake.UpdateFlake.make({ path, locks: {} }),
          Flake.CheckFlake.make({ path, passed: [], failed: [] })
        ]
        for (const command of commands) {
          expect(yield* fail(command)).toMatchObject({
            _tag: "FlakeError",
            path,
            message: "there is no flake at /home/me/app in the event log",
            hint: "Create the flake first (flake create), adopt the flake.nix that is there (flake adopt), or check the path."
          })
        }
      }))

    it.effect("AddFlakeInput adds a valid input", () =>
      Effect.gen(function* () {
        const history = created(standard)
        const events = yield* decide(Flake.AddFlakeInput.make({ path, input: input("utils", { ref: "github:numtide/flake-utils", overrides: { nixpkgs: "pkgs" } }) }), history)
        const added = { ref: ref("github:numtide/flake-utils"), overrides: { nixpkgs: "pkgs" }, flake: true }
        expect(events).toEqual([{ _tag: "FlakeInputAdded", path, name: "utils", input: added }])
        const state = Option.getOrThrow(Flake.aggregate.fold([...history, ...events]))
        expect(Object.keys(state.inputs)).toEqual(["nixpkgs", "home-manager", "pkgs", "src", "utils"])
        expect(state.inputs.utils).toEqual(added)
      }))

    it.effect("AddFlakeInput checks the input like CreateFlake, and refuses an existing name", () =>
      Effect.gen(function* () {
        const history = created(standard)
        const add = (spec: Flake.InputSpec) => fail(Flake.AddFlakeInput.make({ path, input: spec }), history)
        expect(yield* add(input("nixpkgs", { ref: "nixpkgs" }))).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.nixpkgs",
          message: "the flake already has an input nixpkgs",
          hint: "Remove the input first, or choose another name."
        })
        expect(yield* add(input("2x", { ref: "nixpkgs" }))).toMatchObject({ field: "input.name", message: "\"2x\" is not a valid input name" })
        expect(yield* add(input("x", { follows: "nope" }))).toMatchObject({
          field: "inputs.x.follows",
          message: "follows target \"nope\" does not exist: the flake has no input nope",
          hint: "Follow one of the flake's other inputs (nixpkgs, home-manager, pkgs, src), or add input nope first."
        })
        expect(yield* add(input("x", { follows: "x" }))).toMatchObject({ field: "inputs", message: "the follows of the inputs form a cycle: x -> x", hint: cycleHint })
      }))

    it.effect("RemoveFlakeInput removes an input and its lock", () =>
      Effect.gen(function* () {
        const locked = yield* decide(Flake.UpdateFlake.make({ path, locks: { src: { narHash: narA } } }), created(standard))
        const history = [...created(standard), ...locked]
        const events = yield* decide(Flake.RemoveFlakeInput.make({ path, name: "src" }), history)
        expect(events).toEqual([{ _tag: "FlakeInputRemoved", path, name: "src" }])
        const state = Option.getOrThrow(Flake.aggregate.fold([...history, ...events]))
        expect(Object.keys(state.inputs)).toEqual(["nixpkgs", "home-manager", "pkgs"])
        expect(state.locks).toEqual({})
      }))

    it.effect("RemoveFlakeInput refuses an unknown input, and one that others follow, saying which", () =>
      Effect.gen(function* () {
        const history = created(standard)
        expect(yield* fail(Flake.RemoveFlakeInput.make({ path, name: "nope" }), history)).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.nope",
          message: "the flake has no input nope",
          hint: "Name one of its inputs: nixpkgs, home-manager, pkgs, src."
        })
        expect(yield* fail(Flake.RemoveFlakeInput.make({ path, name: "nixpkgs" }), history)).toMatchObject({
          _tag: "ValidationError",
          field: "inputs.nixpkgs",
          message: "cannot remove input nixpkgs: inputs.home-manager.inputs.nixpkgs.follows = \"nixpkgs\", inputs.pkgs.follows = \"nixpkgs\" refer to it",
          hint: "Change or remove those follows first."
        })
        // an input whose own overrides point at itself can go
        const selfish = created([input("a", { ref: "nixpkgs", overrides: { x: "a" } })])
        expect(yield* decide(Flake.RemoveFlakeInput.make({ path, name: "a" }), selfish)).toEqual([{ _tag: "FlakeInputRemoved", path, name: "a" }])
      }))

    it.effect("UpdateFlake records old and new locks per input, sorted by name", () =>
      Effect.gen(function* () {
        const history = created(standard)
        const first = yield* decide(Flake.UpdateFlake.make({ path, locks: { src: { narHash: narA, lastModified: 100 }, nixpkgs: { rev: revA, narHash: narA, lastModified: 1700000000 } } }), history)
        expect(first).toEqual([{
          _tag: "FlakeUpdated",
          path,
          changes: [
            { input: "nixpkgs", before: null, after: { rev: revA, narHash: narA, lastModified: 1700000000 } },
            { input: "src", before: null, after: { narHash: narA, lastModified: 100 } }
          ]
        }])
        const second = yield* decide(Flake.UpdateFlake.make({ path, locks: { nixpkgs: { rev: revB, narHash: narB, lastModified: 1710000000 } } }), [...history, ...first])
        expect(second).toEqual([{
          _tag: "FlakeUpdated",
          path,
          changes: [{ input: "nixpkgs", before: { rev: revA, narHash: narA, lastModified: 1700000000 }, after: { rev: revB, narHash: narB, lastModified: 1710000000 } }]
        }])
        expect(Option.getOrThrow(Flake.aggregate.fold([...history, ...first, ...second])).locks).toEqual({
          nixpkgs: { rev: revB, narHash: narB, lastModified: 1710000000 },
          src: { narHash: narA, lastModified: 100 }
        })
      }))

    it.effect("UpdateFlake refuses unknown inputs, follows inputs and malformed locks", () =>
      Effect.gen(function* () {
        const history = created(standard)
        const update = (locks: Flake.UpdateFlake["locks"]) => fail(Flake.UpdateFlake.make({ path, locks }), history)
        const cases: ReadonlyArray<readonly [Flake.UpdateFlake["locks"], string, string, string]> = [
          [{ nope: { narHash: narA } }, "locks.nope", "the flake has no input nope to lock", "Lock only inputs the flake declares."],
          [{ toString: { narHash: narA } }, "locks.toString", "the flake has no input toString to lock", "Lock only inputs the flake declares."],
          [{ pkgs: { narHash: narA } }, "locks.pkgs", "input pkgs follows nixpkgs: it has no lock of its own", "Lock nixpkgs instead."],
          [{ nixpkgs: { rev: "abc", narHash: narA } }, "locks.nixpkgs.rev", "\"abc\" is not a revision", "A locked revision is a commit hash of 40 lower-case hex digits."],
          [{ nixpkgs: { narHash: "sha256-short=" } }, "locks.nixpkgs.narHash", "\"sha256-short=\" is not a NAR hash", "A NAR hash is written as in flake.lock: sha256- followed by 44 base64 characters."],
          [{ nixpkgs: { narHash: narA, lastModified: -1 } }, "locks.nixpkgs.lastModified", "-1 is not a time", "lastModified is a whole number of seconds since the epoch, as in flake.lock."]
        ]
        for (const [locks, field, message, hint] of cases) {
          expect(yield* update(locks)).toMatchObject({ _tag: "ValidationError", field, message, hint })
        }
      }))

    it.effect("CheckFlake records passed and failed outputs; state keeps the outputs and the last check", () =>
      Effect.gen(function* () {
        const history = created(standard)
        const events = yield* decide(
          Flake.CheckFlake.make({
            path,
            passed: ["packages.x86_64-linux.default", "checks.x86_64-linux.\"fmt\""],
            failed: [{ output: "checks.x86_64-linux.test", message: "builder failed with exit code 1" }]
          }),
          history
        )
        const check = {
          passed: ["packages.x86_64-linux.default", "checks.x86_64-linux.fmt"],
          failed: [{ output: "checks.x86_64-linux.test", message: "builder failed with exit code 1" }]
        }
        expect(events).toEqual([{ _tag: "FlakeChecked", path, ...check }])
        const state = Option.getOrThrow(Flake.aggregate.fold([...history, ...events]))
        expect(state.outputs).toEqual(["checks.x86_64-linux.fmt", "checks.x86_64-linux.test", "packages.x86_64-linux.default"])
        expect(state.lastCheck).toEqual(check)
      }))

    it.effect("CheckFlake refuses an output reported twice and an unparsable output", () =>
      Effect.gen(function* () {
        const history = created()
        expect(yield* fail(Flake.CheckFlake.make({ path, passed: ["checks.x.fmt"], failed: [{ output: "checks.x.\"fmt\"", message: "no" }] }), history)).toMatchObject({
          _tag: "ValidationError",
          field: "failed",
          message: "output checks.x.fmt is reported twice",
          hint: "Report each output once, as passed or as failed."
        })
        expect(yield* fail(Flake.CheckFlake.make({ path, passed: ["checks..fmt"], failed: [] }), history)).toMatchObject({ _tag: "ParseError", kind: "AttributePath", input: "checks..fmt" })
      }))
  })
})
