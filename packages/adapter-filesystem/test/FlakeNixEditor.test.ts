import type { Workspace } from "@cim-nix/application"
import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { FlakeNixEditor } from "../src/index.js"
import { cases, fixtures, read, unchangedParts } from "./corpus.js"

const edit = (text: string, e: Workspace.FlakeEdit) => FlakeNixEditor.apply(text, e)
const strip = (s: string) => s.replace(/\s+/g, "")
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/** The refusal of an edit, as its error. */
const refusal = (text: string, e: Workspace.FlakeEdit) =>
  Effect.flip(edit(text, e))

/** What the inserted bindings of an AddInput may look like once whitespace is removed, in any of the styles. */
const addedBindings = (e: Workspace.AddInput): RegExp => {
  const attributes = [
    e.url !== undefined ? `url="${e.url}";` : `follows="${e.follows}";`,
    ...(e.flake === false ? ["flake=false;"] : []),
    ...Object.entries(e.overrides ?? {}).map(([nested, target]) => `inputs.${nested}.follows="${target}";`)
  ].map(escape)
  const name = escape(e.name)
  const dotted = attributes.map((a) => `(inputs\\.)?${name}\\.${a}`).join("")
  const leading = attributes.map((a) => `;${name}\\.${a.slice(0, -1)}`).join("")
  const attrs = `(inputs\\.)?${name}=\\{${attributes.join("")}\\};`
  return new RegExp(`^(${dotted}|${leading}|${attrs})$`)
}

describe("FlakeNixEditor over the corpus", () => {
  it("has at least 15 differently written flakes", () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(15)
    expect(new Set(fixtures.map((f) => read(f))).size).toBe(fixtures.length)
  })

  it("writes input URLs in every string form Nix 2.8 accepts: \"...\", ''...'' and unquoted URL literals", () => {
    const urls = fixtures.flatMap((f) => [...read(f).matchAll(/\burl\s*=\s*([^;\s]+)\s*;/g)].map((m) => m[1]!))
    expect(urls.some((u) => /^"[a-z+]+:[^"]+"$/.test(u))).toBe(true)
    expect(urls.some((u) => /^''[a-z+]+:[^']+''$/.test(u))).toBe(true)
    expect(urls.some((u) => /^[a-z+]+:[^"'\s]+$/.test(u))).toBe(true)
  })

  for (const f of fixtures) {
    describe(f.file, () => {
      const before = read(f)
      for (const c of cases(f)) {
        it.effect(c.title, () =>
          Effect.gen(function*() {
            const result = yield* Effect.either(edit(before, c.edit))
            if (c.refused) {
              expect(Either.isLeft(result)).toBe(true)
              const error = Either.isLeft(result) ? result.left : undefined
              expect(error?._tag).toBe("FlakeError")
              expect(error?.message).toMatch(f.followed.includes((c.edit as Workspace.RemoveInput).name) ? /other inputs follow/ : /outputs still uses input/)
              return
            }
            if (Either.isLeft(result)) throw result.left
            const { changes, text: after } = result.right
            // Byte-preserving: outside the changed spans, old and new text are the same bytes.
            const parts = unchangedParts(before, after, changes)
            expect(parts.consistent).toBe(true)
            expect(parts.fresh).toBe(parts.old)
            expect(after.length - before.length).toBe(changes.reduce((n, ch) => n + ch.inserted.length - ch.deleted.length, 0))
            // The changed spans hold exactly what the edit asks for.
            const e = c.edit
            switch (e._tag) {
              case "AddInput": {
                expect(changes.every((ch) => ch.deleted === "")).toBe(true)
                const [bindings, ...argument] = changes.map((ch) => strip(ch.inserted))
                expect(bindings).toMatch(addedBindings(e))
                expect(argument).toEqual(f.formals === "explicit" ? [",extra"] : [])
                break
              }
              case "RemoveInput": {
                expect(changes.every((ch) => ch.inserted === "")).toBe(true)
                const removed = changes.map((ch) => strip(ch.deleted))
                const argument = removed.filter((r) => r === `,${e.name}` || r === `${e.name},`)
                expect(argument.length).toBe(f.arguments.includes(e.name) ? 1 : 0)
                for (const r of removed) expect(r).toContain(e.name)
                expect((yield* refusal(after, { _tag: "RemoveInput", name: e.name })).message).toMatch(/has no input named/)
                break
              }
              case "SetFlake":
                expect(changes.length).toBe(1)
                expect(changes[0]!.deleted).toBe("")
                expect(strip(changes[0]!.inserted)).toMatch(new RegExp(`^;?((inputs\\.)?${escape(e.input)}\\.)?flake=false;?$`))
                break
              case "SetFollows":
                expect(changes.length).toBe(1)
                expect(changes[0]!.deleted).toBe("")
                expect(strip(changes[0]!.inserted)).toMatch(
                  new RegExp(`^;?(((inputs\\.)?${escape(e.input)}\\.)?inputs\\.)?dep\\.follows="${escape(e.follows)}";?$`)
                )
                break
              case "SetDescription":
                expect(changes.length).toBe(1)
                expect(changes[0]!.inserted).toContain(`"Edited: \\"quoted\\", \\\${not interpolated}, back\\\\slash"`)
                expect(changes[0]!.deleted === "" || /^"[^"]*"$/.test(changes[0]!.deleted)).toBe(true)
                break
            }
          }))
      }

      it.effect("gives back the original bytes when an added input is removed", () =>
        Effect.gen(function*() {
          for (const c of cases(f).filter((c) => c.edit._tag === "AddInput")) {
            const added = yield* edit(before, c.edit)
            const removed = yield* edit(added.text, { _tag: "RemoveInput", name: "extra" })
            expect(removed.text).toBe(before)
          }
        }))
    })
  }
})

describe("FlakeNixEditor keeps the file's style", () => {
  const expectEdit = (before: string, e: Workspace.FlakeEdit, after: string) =>
    Effect.gen(function*() {
      const result = yield* edit(before, e)
      expect(result.text).toBe(after)
    })

  it.effect("dotted inputs at the top level, after the last input, with its trailing comment kept in place", () =>
    expectEdit(
      `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs"; # pinned\n\n  outputs = { self, nixpkgs }: { };\n}\n`,
      { _tag: "AddInput", name: "utils", url: "github:numtide/flake-utils" },
      `{\n  inputs.nixpkgs.url = "github:NixOS/nixpkgs"; # pinned\n  inputs.utils.url = "github:numtide/flake-utils";\n\n  outputs = { self, nixpkgs, utils }: { };\n}\n`
    ))

  it.effect("multi-line attribute sets inside `inputs = { }`, indented like their neighbours", () =>
    expectEdit(
      `{\n    inputs = {\n        a = {\n            url = "github:o/a";\n        };\n    };\n    outputs = { self, a }: { };\n}\n`,
      { _tag: "AddInput", name: "b", url: "github:o/b", flake: false },
      `{\n    inputs = {\n        a = {\n            url = "github:o/a";\n        };\n        b = {\n            url = "github:o/b";\n            flake = false;\n        };\n    };\n    outputs = { self, a, b }: { };\n}\n`
    ))

  it.effect("one line stays one line, spacing included", () =>
    expectEdit(
      `{inputs.a={url="github:o/a";};outputs={self,a}:{};}`,
      { _tag: "AddInput", name: "b", url: "github:o/b" },
      `{inputs.a={url="github:o/a";}; inputs.b={url="github:o/b";};outputs={self,a,b}:{};}`
    ))

  it.effect("CRLF line endings and tabs", () =>
    expectEdit(
      `{\r\n\tinputs = {\r\n\t\ta.url = "github:o/a";\r\n\t};\r\n\toutputs = { self, a }: { };\r\n}\r\n`,
      { _tag: "AddInput", name: "b", url: "github:o/b" },
      `{\r\n\tinputs = {\r\n\t\ta.url = "github:o/a";\r\n\t\tb.url = "github:o/b";\r\n\t};\r\n\toutputs = { self, a, b }: { };\r\n}\r\n`
    ))

  it.effect("argument lists with leading commas and with a trailing comma", () =>
    Effect.gen(function*() {
      yield* expectEdit(
        `{\n  inputs.a.url = "github:o/a";\n  outputs =\n    { self\n    , a # the a\n    }: { };\n}\n`,
        { _tag: "AddInput", name: "b", url: "github:o/b" },
        `{\n  inputs.a.url = "github:o/a";\n  inputs.b.url = "github:o/b";\n  outputs =\n    { self\n    , a # the a\n    , b\n    }: { };\n}\n`
      )
      yield* expectEdit(
        `{\n  inputs.a.url = "github:o/a";\n  outputs =\n    {\n      self,\n      a,\n    }:\n    { };\n}\n`,
        { _tag: "AddInput", name: "b", url: "github:o/b" },
        `{\n  inputs.a.url = "github:o/a";\n  inputs.b.url = "github:o/b";\n  outputs =\n    {\n      self,\n      a,\n      b,\n    }:\n    { };\n}\n`
      )
    }))

  it.effect("leaves `{ self, ... }@inputs` and a plain `inputs:` argument alone", () =>
    Effect.gen(function*() {
      const open = `{\n  outputs = { self, ... }@inputs: { };\n}\n`
      yield* expectEdit(open, { _tag: "AddInput", name: "a", url: "github:o/a" }, `{\n  inputs.a.url = "github:o/a";\n  outputs = { self, ... }@inputs: { };\n}\n`)
      const plain = `{\n  outputs = inputs: { };\n}\n`
      yield* expectEdit(plain, { _tag: "AddInput", name: "a", url: "github:o/a" }, `{\n  inputs.a.url = "github:o/a";\n  outputs = inputs: { };\n}\n`)
    }))

  it.effect("a file without inputs gets them after the description; an empty `inputs = { }` is filled", () =>
    Effect.gen(function*() {
      yield* expectEdit(
        `{\n  description = "d"; # what it is\n\n  outputs = { self }: { };\n}\n`,
        { _tag: "AddInput", name: "a", url: "github:o/a" },
        `{\n  description = "d"; # what it is\n  inputs.a.url = "github:o/a";\n\n  outputs = { self, a }: { };\n}\n`
      )
      yield* expectEdit(
        `{\n  inputs = {\n  };\n  outputs = { self }: { };\n}\n`,
        { _tag: "AddInput", name: "a", url: "github:o/a" },
        `{\n  inputs = {\n    a.url = "github:o/a";\n  };\n  outputs = { self, a }: { };\n}\n`
      )
    }))

  it.effect("follows and flake go where the input is defined", () =>
    Effect.gen(function*() {
      const nested = `{\n  inputs = {\n    a.url = "github:o/a";\n    b = {\n      url = "github:o/b";\n    };\n  };\n  outputs = { self, a, b }: { };\n}\n`
      yield* expectEdit(
        nested,
        { _tag: "SetFollows", input: "b", nested: "a", follows: "a" },
        `{\n  inputs = {\n    a.url = "github:o/a";\n    b = {\n      url = "github:o/b";\n      inputs.a.follows = "a";\n    };\n  };\n  outputs = { self, a, b }: { };\n}\n`
      )
      yield* expectEdit(
        nested,
        { _tag: "SetFlake", input: "a", flake: false },
        `{\n  inputs = {\n    a.url = "github:o/a";\n    a.flake = false;\n    b = {\n      url = "github:o/b";\n    };\n  };\n  outputs = { self, a, b }: { };\n}\n`
      )
      const existing = `{ inputs.a = { url = "github:o/a"; flake = true; inputs.x.follows = "y"; }; outputs = { self, a }: { }; }`
      yield* expectEdit(existing, { _tag: "SetFlake", input: "a", flake: false }, existing.replace("flake = true", "flake = false"))
      yield* expectEdit(existing, { _tag: "SetFollows", input: "a", nested: "x", follows: "z" }, existing.replace(`follows = "y"`, `follows = "z"`))
      yield* expectEdit(existing, { _tag: "SetFollows", input: "a", nested: "x", follows: "y" }, existing)
      yield* expectEdit(existing, { _tag: "SetFlake", input: "a", flake: true }, existing)
    }))

  it.effect("sets the description in place or adds it first, escaping the text", () =>
    Effect.gen(function*() {
      yield* expectEdit(
        `{\n  description = "old"; # keep me\n  outputs = { self }: { };\n}\n`,
        { _tag: "SetDescription", description: "new ${x} \"y\"" },
        `{\n  description = "new \\\${x} \\"y\\""; # keep me\n  outputs = { self }: { };\n}\n`
      )
      yield* expectEdit(
        `{\n  # The outputs.\n  outputs = { self }: { };\n}\n`,
        { _tag: "SetDescription", description: "d" },
        `{\n  description = "d";\n  # The outputs.\n  outputs = { self }: { };\n}\n`
      )
    }))

  it.effect("removes an input with its line, its comment and its argument, and nothing else", () =>
    expectEdit(
      `{\n  # Inputs.\n  inputs.a.url = "github:o/a";\n  inputs.b.url = "github:o/b"; # the b\n  inputs.b.flake = false;\n\n  outputs = { self, b, a }: { };\n}\n`,
      { _tag: "RemoveInput", name: "b" },
      `{\n  # Inputs.\n  inputs.a.url = "github:o/a";\n\n  outputs = { self, a }: { };\n}\n`
    ))
})

describe("FlakeNixEditor refuses what it cannot edit safely", () => {
  const outputs = `outputs = { self }: { };`
  const refusedWith = (text: string, pattern: RegExp, e: Workspace.FlakeEdit = { _tag: "AddInput", name: "z", url: "github:o/z" }) =>
    Effect.gen(function*() {
      const error = yield* refusal(text, e)
      expect(error._tag).toBe("FlakeError")
      expect(error.message).toMatch(pattern)
      expect(error.hint.length).toBeGreaterThan(0)
    })

  it.effect("syntax errors, with line and column", () =>
    refusedWith(`{\n  inputs.a.url = "github:o/a"\n  ${outputs}\n}\n`, /does not parse: .* at line \d+, column \d+/))

  it.effect("inputs computed by a function call, an import or a variable", () =>
    Effect.gen(function*() {
      yield* refusedWith(`{ inputs = import ./inputs.nix; ${outputs} }`, /inputs is computed: it is a function application \(`import \.\/inputs\.nix`\)/)
      yield* refusedWith(`{ inputs = builtins.fromJSON (builtins.readFile ./inputs.json); ${outputs} }`, /inputs is computed: it is a function application/)
      yield* refusedWith(`{ inputs = defaults // { a.url = "github:o/a"; }; ${outputs} }`, /inputs is computed: it is an operator expression/)
      yield* refusedWith(`{ inputs.a = mkInput "a"; ${outputs} }`, /input a is computed: it is a function application/)
      yield* refusedWith(`{ inherit (import ./common.nix) inputs; ${outputs} }`, /takes `inputs` from elsewhere/)
      yield* refusedWith(`{ inputs = { inherit (x) a; }; ${outputs} }`, /takes inputs from elsewhere/)
      yield* refusedWith(`{ \${"inputs"}.a.url = "github:o/a"; ${outputs} }`, /attribute name .* is computed/)
    }))

  it.effect("an input given as a string, which Nix does not accept", () =>
    refusedWith(`{ inputs.a = "github:o/a"; ${outputs} }`, /input a is a string/))

  it.effect("an input defined twice", () =>
    Effect.gen(function*() {
      yield* refusedWith(`{\n  inputs.a = { url = "github:o/a"; };\n  inputs = { a = { flake = false; }; };\n  ${outputs}\n}`, /input a is defined twice \(lines 2 and 3\)/)
      yield* refusedWith(`{\n  inputs.a.url = "github:o/a";\n  inputs.a.url = "github:o/b";\n  ${outputs}\n}`, /inputs\.a\.url is defined twice \(lines 2 and 3\)/)
    }))

  it.effect("outputs that is not a function, or missing (for edits that must keep its arguments in step)", () =>
    Effect.gen(function*() {
      yield* refusedWith(`{ outputs = import ./outputs.nix; }`, /outputs is a function application, not a function/)
      yield* refusedWith(`{ description = "d"; }`, /it has no outputs/)
      // The description does not depend on outputs.
      const changed = yield* edit(`{ outputs = import ./outputs.nix; }`, { _tag: "SetDescription", description: "d" })
      expect(changed.text).toBe(`{ description = "d"; outputs = import ./outputs.nix; }`)
    }))

  it.effect("a top level that is not an attribute set", () =>
    refusedWith(`let x = 1; in { ${outputs} }`, /it is a let expression, not an attribute set/))

  it.effect("adding an input that exists, removing or changing one that does not, removing one others follow", () =>
    Effect.gen(function*() {
      const text = `{ inputs.a.url = "github:o/a"; inputs.b.url = "github:o/b"; inputs.b.inputs.c.follows = "a"; outputs = { self, a, b }: { }; }`
      yield* refusedWith(text, /already has an input named a/, { _tag: "AddInput", name: "a", url: "github:o/x" })
      yield* refusedWith(text, /has no input named x/, { _tag: "RemoveInput", name: "x" })
      yield* refusedWith(text, /has no input named x/, { _tag: "SetFlake", input: "x", flake: false })
      yield* refusedWith(text, /other inputs follow a: inputs\.b\.inputs\.c\.follows at line 1/, { _tag: "RemoveInput", name: "a" })
    }))

  it.effect("removing an input that outputs still uses, as an argument or through `inputs.<name>`", () =>
    Effect.gen(function*() {
      const remove: Workspace.FlakeEdit = { _tag: "RemoveInput", name: "a" }
      const inputs = `inputs.a.url = "github:o/a";`
      yield* refusedWith(`{ ${inputs} outputs = { self, a }: { x = a.lib; }; }`, /outputs still uses input a: `a` at line 1, column \d+/, remove)
      yield* refusedWith(`{ ${inputs} outputs = { self, a }: { inherit a; }; }`, /outputs still uses input a: `inherit a;`/, remove)
      yield* refusedWith(`{ ${inputs} outputs = inputs: { x = inputs.a.lib; }; }`, /outputs still uses input a: `inputs\.a\.lib`/, remove)
      yield* refusedWith(`{ ${inputs} outputs = { self, ... }@inp: { x = inp."a"; }; }`, /outputs still uses input a/, remove)
      // A use with a default, a use of another input's attribute, and an unused argument are fine.
      const fine = yield* edit(`{ ${inputs} outputs = { self, a }@inputs: { x = inputs.a or null; y = self.a; }; }`, remove)
      expect(fine.text).toBe(`{ outputs = { self }@inputs: { x = inputs.a or null; y = self.a; }; }`)
    }))

  it.effect("invalid names and flake references, before looking at the file", () =>
    Effect.gen(function*() {
      const text = `{ ${outputs} }`
      for (const name of ["self", "in", "1abc", "a.b", "a b", ""]) {
        const error = yield* refusal(text, { _tag: "AddInput", name, url: "github:o/a" })
        expect(error._tag).toBe("ValidationError")
      }
      const follows = yield* refusal(text, { _tag: "SetFollows", input: "a", nested: "b", follows: "a//b" })
      expect(follows._tag).toBe("ValidationError")
      for (const source of [{}, { url: "github:o/a", follows: "b" }]) {
        const error = yield* refusal(text, { _tag: "AddInput", name: "a", ...source })
        expect(error._tag).toBe("ValidationError")
        expect(error.message).toMatch(/exactly one of url and follows/)
      }
      const nul = yield* refusal(text, { _tag: "SetDescription", description: "a\u0000b" })
      expect(nul._tag).toBe("ValidationError")
      for (const url of ["not a url", "github:", "github:o/r\"x"]) {
        const error = yield* refusal(text, { _tag: "AddInput", name: "a", url })
        expect(error._tag).toBe("ParseError")
      }
    }))
})

describe("FlakeNixEditor properties", () => {
  const identifier = fc.stringMatching(/^[a-z_][a-z0-9_'-]{0,10}$/).filter((s) => !["in", "if", "or", "let", "rec", "then", "else", "with", "assert", "inherit", "self"].includes(s))
  const url = fc.oneof(
    fc.tuple(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9-]{0,8}$/), fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,8}$/)).map(([o, r]) => `github:${o}/${r}`),
    fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,8}$/).map((p) => `path:./deps/${p}`),
    fc.stringMatching(/^[a-z0-9]{1,8}$/).map((r) => `git+https://example.org/${r}.git?ref=main`)
  )

  it("adding then removing an input gives back the original bytes, in every file", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...fixtures),
        identifier,
        url,
        fc.option(fc.boolean(), { nil: undefined }),
        fc.dictionary(identifier, identifier, { maxKeys: 2 }),
        fc.boolean(),
        async (f, name, u, flake, overrides, byFollows) => {
          fc.pre(!f.inputs.includes(name))
          const before = read(f)
          const source = byFollows ? { follows: f.inputs[0] ?? "" } : { url: u }
          const added = await Effect.runPromise(edit(before, { _tag: "AddInput", name, ...source, ...(flake === undefined ? {} : { flake }), overrides }))
          expect(added.text).not.toBe(before)
          const removed = await Effect.runPromise(edit(added.text, { _tag: "RemoveInput", name }))
          expect(removed.text).toBe(before)
        }
      ),
      { numRuns: 200 }
    )
  })

  it("edits in sequence keep every byte of the untouched parts", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...fixtures.filter((f) => f.inputs.length > 0)), fc.string({ maxLength: 30 }), async (f, description) => {
        const before = read(f)
        const first = f.inputs[0]!
        const after = await Effect.runPromise(
          FlakeNixEditor.applyAll(before, [
            { _tag: "SetDescription", description },
            { _tag: "AddInput", name: "extra", url: "github:o/extra", overrides: { dep: first } },
            { _tag: "SetFlake", input: "extra", flake: false },
            { _tag: "RemoveInput", name: "extra" }
          ])
        )
        const restored = await Effect.runPromise(FlakeNixEditor.applyAll(after, [{ _tag: "SetDescription", description: "x" }]))
        const original = await Effect.runPromise(FlakeNixEditor.applyAll(before, [{ _tag: "SetDescription", description: "x" }]))
        expect(restored).toBe(original)
      }),
      { numRuns: 60 }
    )
  })
})

describe("FlakeNixEditor AddOutputImport", () => {
  const host = (name: string): Workspace.FlakeEdit => ({ _tag: "AddOutputImport", attrPath: ["nixosConfigurations", name], file: `./nixos/${name}.nix` })
  const expectEdit = (before: string, e: Workspace.FlakeEdit, after: string) =>
    Effect.map(edit(before, e), (result) => expect(result.text).toBe(after))

  it.effect("binds the output after the outputs' last binding, through let ... in, with the @ name the file uses", () =>
    expectEdit(
      `{\n  # mine\n  outputs = { self, ... }@args:\n    let x = 1; in {\n      packages.x86_64-linux.default = x; # keep\n    };\n}\n`,
      host("web"),
      `{\n  # mine\n  outputs = { self, ... }@args:\n    let x = 1; in {\n      packages.x86_64-linux.default = x; # keep\n      nixosConfigurations.web = import ./nixos/web.nix args;\n    };\n}\n`
    ))

  it.effect("goes inside an existing nixosConfigurations set, or after the other hosts written dotted", () =>
    Effect.gen(function*() {
      yield* expectEdit(
        `{\n  outputs = inputs: {\n    nixosConfigurations = {\n      a = 1;\n    };\n    b = 2;\n  };\n}\n`,
        host("web"),
        `{\n  outputs = inputs: {\n    nixosConfigurations = {\n      a = 1;\n      web = import ./nixos/web.nix inputs;\n    };\n    b = 2;\n  };\n}\n`
      )
      yield* expectEdit(
        `{ outputs = inputs: { nixosConfigurations.a = 1; b = 2; }; }`,
        host("web"),
        `{ outputs = inputs: { nixosConfigurations.a = 1; nixosConfigurations.web = import ./nixos/web.nix inputs; b = 2; }; }`
      )
    }))

  it.effect("names the whole argument set @inputs when outputs lists its arguments, and quotes a host name that needs it", () =>
    expectEdit(
      `{ outputs = { self, nixpkgs }: { }; }`,
      host("01-web"),
      `{ outputs = { self, nixpkgs }@inputs: { nixosConfigurations."01-web" = import ./nixos/01-web.nix inputs; }; }`
    ))

  it.effect("refuses outputs that are not an attribute set literal, a host already defined, a set that is computed; the text is kept", () =>
    Effect.gen(function*() {
      const cases: ReadonlyArray<readonly [string, RegExp]> = [
        [`{ outputs = inputs: import ./outputs.nix inputs; }`, /outputs returns a function application, not an attribute set literal/],
        [`{ outputs = inputs: { nixosConfigurations.web = 1; }; }`, /outputs already defines nixosConfigurations\.web \(line 1\)/],
        [`{ outputs = inputs: { nixosConfigurations = { web.x = 1; }; }; }`, /outputs already defines nixosConfigurations\.web\.x/],
        [`{ outputs = inputs: { nixosConfigurations = mkHosts ./hosts; }; }`, /nixosConfigurations at line 1 is not an attribute set literal/],
        [`{ outputs = { self, inputs }: { }; }`, /takes an argument named inputs but not the whole argument set/],
        [`{ outputs = inputs: { \${"x"} = 1; }; }`, /output name .* is computed/]
      ]
      for (const [text, message] of cases) {
        const error = yield* refusal(text, host("web"))
        expect(error._tag).toBe("FlakeError")
        expect(error.message).toMatch(message)
      }
      const bad = yield* refusal(`{ outputs = inputs: { }; }`, { _tag: "AddOutputImport", attrPath: ["x"], file: "/etc/passwd" })
      expect(bad._tag).toBe("ValidationError")
    }))
})
