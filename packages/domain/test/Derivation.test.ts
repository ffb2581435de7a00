import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import * as fc from "fast-check"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { Derivation, StorePath } from "../src/index.js"

const fixtures = join(import.meta.dirname, "fixtures", "derivation")
const drvDir = join(fixtures, "drv")
const drvFiles = readdirSync(drvDir).filter((f) => f.endsWith(".drv"))
/** Every recorded .drv except the one holding bytes that are not UTF-8. */
const textDrvs = drvFiles.filter((f) => !f.endsWith("-bytes.drv"))

const readFixture = (file: string): { producer: string; stdout: unknown } => JSON.parse(readFileSync(join(fixtures, file), "utf8"))

const decodeFile = (file: string) => Derivation.decode(readFileSync(join(drvDir, file), "utf8"))

/** Byte order of the UTF-8 encodings: the order of Nix's std::map keys. */
const byteOrder = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"))

const errorOf = (text: string) => Effect.runSync(Effect.flip(Derivation.decode(text)))

const hash = "0c6kzph7l0dcbfmjap64f0czdafn3b7x"
const sp = (name: string) => `/nix/store/${hash}-${name}`
const sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
const sri = "sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="

describe("Derivation ATerm codec on .drv files written by Nix 2.8", () => {
  it.effect.each(textDrvs)("%s: decode then encode is byte-identical", (file) =>
    Effect.gen(function* () {
      const bytes = readFileSync(join(drvDir, file))
      const drv = yield* Derivation.decode(bytes.toString("utf8"))
      expect(Buffer.from(Derivation.encode(drv), "utf8").equals(bytes)).toBe(true)
    }))

  it.effect("keeps bytes that are not UTF-8 when the file is read as latin1", () =>
    Effect.gen(function* () {
      const bytes = readFileSync(join(drvDir, drvFiles.find((f) => f.endsWith("-bytes.drv"))!))
      const drv = yield* Derivation.decode(bytes.toString("latin1"))
      expect(drv.env.get("value")).toBe("a\xff\xfe\x01b\x7f\"\\")
      expect(Buffer.from(Derivation.encode(drv), "latin1").equals(bytes)).toBe(true)
      // read as UTF-8 the invalid bytes become U+FFFD and cannot come back
      const lossy = yield* Derivation.decode(bytes.toString("utf8"))
      expect(Buffer.from(Derivation.encode(lossy), "utf8").equals(bytes)).toBe(false)
    }))

  it.effect("reads every kind of output, input derivations, sources and a weird environment", () =>
    Effect.gen(function* () {
      const main = yield* decodeFile("vzbddg53x5wrrsi6p8hg8m23gq5y7alm-main.drv")
      expect([...main.outputs.keys()]).toEqual(["dev", "out"])
      expect(main.outputs.get("out")).toEqual(new Derivation.InputAddressed({ path: "/nix/store/6rw421ych71h79421192i9ra4lmh6g6l-main" }))
      expect(main.inputDrvs.get("/nix/store/4srijzpk1c8r1l79cxy5h2yckw4drbs1-dep.drv")).toEqual(["dev", "out"])
      expect(main.inputSrcs).toEqual(["/nix/store/pqka574vf3gx28ajhc4fa3v7i4grrwq2-x.sh"])
      expect([main.system, main.builder, main.args[0]]).toEqual(["x86_64-linux", "/bin/sh", "-c"])
      const weird = main.env.get("weird")!
      for (const piece of ['quote"', "backslash\\ \\n", "newline\n", "cr\r", "tab\t", "$ interp ${x} \\${y}", "é ü 漢字 😀", "\u0001\u001f", "\u007f"]) {
        expect(weird).toContain(piece)
      }
      expect(main.args[1]).toBe(weird)
      // Nix's byte order: "" < "1" < "10" < "2" < "Z" < "__proto__" < "a" ... < "é" < U+E000 < "😀"
      const keys = [...main.env.keys()]
      expect(keys.slice(0, 7)).toEqual(["", "1", "10", "2", "Z", "__proto__", "a"])
      expect(keys.slice(-3)).toEqual(["é", "\ue000", "😀"])
      expect(main.env.get("__proto__")).toBe("proto")

      const fixedNar = yield* decodeFile("yp7csv4lbqq0wwcw0idzc86hpdapjs9r-fo-nar.drv")
      expect(fixedNar.outputs.get("out")).toEqual(
        new Derivation.CAFixed({ path: "/nix/store/h6rml0yw2g9f6csdm9i0zsb3zqdws1vi-fo-nar", method: "nar", hashAlgo: "sha256", hash: sha256 })
      )
      const fixedFlat = yield* decodeFile("g7nwav3nvsmm79qd99pjx2scq5vkihbf-fo-flat.drv")
      expect(fixedFlat.outputs.get("out")).toMatchObject({ _tag: "CAFixed", method: "flat", hashAlgo: "md5", hash: "d41d8cd98f00b204e9800998ecf8427e" })
      const floating = yield* decodeFile("c9bi1gas0nxxig8mny2zm9w9pbfgr1gc-floating.drv")
      expect(floating.outputs.get("out")).toEqual(new Derivation.CAFloating({ method: "nar", hashAlgo: "sha256" }))
      const impure = yield* decodeFile("6a9zcr3mgmw009zzhavqlg5abs3x8gf4-impure.drv")
      expect(impure.outputs.get("out")).toEqual(new Derivation.Impure({ method: "nar", hashAlgo: "sha256" }))
      const deferred = yield* decodeFile("ving20xyap6jqha73ixppsm2290b9x38-deferred.drv")
      expect(deferred.outputs.get("out")).toEqual(new Derivation.Deferred())
    }))

  it.effect("toJson is exactly what `nix show-derivation` (2.8) printed for the same files", () =>
    Effect.gen(function* () {
      const recorded = readFixture("nix-2.8.0.json").stdout as Record<string, unknown>
      expect(Object.keys(recorded).sort()).toEqual(textDrvs.map((f) => `/nix/store/${f}`).sort())
      for (const [path, json] of Object.entries(recorded)) {
        const drv = yield* decodeFile(path.slice("/nix/store/".length))
        expect(Derivation.toJson(drv, path)).toStrictEqual({ [path]: json })
      }
    }))
})

describe("Derivation JSON of other Nix versions", () => {
  const fixtureFiles = readdirSync(fixtures).filter((f) => f.endsWith(".json"))

  it("has a fixture per format: 2.8, 2.15, 2.18, 2.23, 2.30, 2.32 (v3), 2.33 (v4) and Lix", () => {
    expect(fixtureFiles.sort()).toEqual([
      "lix-2.93.json",
      "nix-2.15.json",
      "nix-2.18.json",
      "nix-2.23.json",
      "nix-2.30.json",
      "nix-2.32.json",
      "nix-2.33.json",
      "nix-2.8.0.json"
    ])
  })

  it.effect.each(fixtureFiles)("%s normalises to the derivations decoded from the .drv files", (file) =>
    Effect.gen(function* () {
      const fixture = readFixture(file)
      expect(fixture.producer).toMatch(/^(nix \(Nix\) 2\.8\.0|Nix 2\.\d+|Lix 2\.9x)/)
      const drvs = yield* Derivation.fromJson(fixture.stdout)
      expect(drvs.size).toBe(file.startsWith("lix") ? 5 : 8)
      for (const [path, drv] of drvs) {
        expect(path.startsWith("/nix/store/")).toBe(true)
        expect(drv).toEqual(yield* decodeFile(path.slice("/nix/store/".length)))
      }
    }))

  it.effect("reads one derivation object of each shape with fromDerivationJson", () =>
    Effect.gen(function* () {
      const v4 = readFixture("nix-2.33.json").stdout as { derivations: Record<string, unknown> }
      const drv = yield* Derivation.fromDerivationJson(v4.derivations["yp7csv4lbqq0wwcw0idzc86hpdapjs9r-fo-nar.drv"])
      expect(Derivation.encode(drv)).toBe(readFileSync(join(drvDir, "yp7csv4lbqq0wwcw0idzc86hpdapjs9r-fo-nar.drv"), "utf8"))
      const elsewhere = yield* Derivation.fromDerivationJson(
        { outputs: { out: { path: `${hash}-x` } }, inputs: { srcs: [], drvs: {} }, system: "s", builder: "b", args: [], env: {}, version: 4 },
        { storeDir: "/opt/store" }
      )
      expect(elsewhere.outputs.get("out")).toEqual(new Derivation.InputAddressed({ path: `/opt/store/${hash}-x` }))
      // the 2.23 manual documents `null` for an output field that does not apply
      const documented = yield* Derivation.fromDerivationJson({
        name: "x",
        outputs: { out: { path: null, method: "nar", hashAlgo: "sha256", hash: null } },
        inputSrcs: [],
        inputDrvs: {},
        system: "s",
        builder: "b",
        args: [],
        env: {}
      })
      expect(documented.outputs.get("out")).toEqual(new Derivation.CAFloating({ method: "nar", hashAlgo: "sha256" }))
    }))

  it.effect("explains what is wrong with JSON it cannot read, and where", () =>
    Effect.gen(function* () {
      const base = { outputs: {}, inputSrcs: [], inputDrvs: {}, system: "s", builder: "b", args: [], env: {} }
      const cases: Array<[unknown, RegExp]> = [
        [{ ...base, version: 5 }, /^at \$\.version: unknown derivation JSON version/],
        [{ ...base, inputDrvs: { [sp("a.drv")]: { outputs: ["out"], dynamicOutputs: { out: { outputs: ["x"], dynamicOutputs: {} } } } } }, /dynamicOutputs: dynamic derivation outputs cannot be written/],
        [{ ...base, inputSrcs: ["/nix/store/abc-x"] }, /^at \$\.inputSrcs\[0\]: not a valid store path: the hash part .* has 32 characters, this one has 3$/],
        [{ ...base, outputs: { out: { hash: sha256, hashAlgo: "sha257" } } }, /^at \$\.outputs\.out\.hashAlgo: expected md5, sha1/],
        [{ ...base, outputs: { out: { method: "nar", hash: sri } } }, /^at \$\.outputs\.out: a fixed output without "path" needs its path in env\.out/],
        [{ ...base, outputs: { out: { method: "nar", hash: "sha256-abc" } }, env: { out: sp("x") } }, /^at \$\.outputs\.out\.hash: expected an SRI hash/],
        [{ ...base, env: { x: 1 } }, /^at \$\.env\.x: expected a string/],
        [{ ...base, env: { "a b": null } }, /^at \$\.env\["a b"\]: expected a string/],
        [{ ...base, args: "x" }, /^at \$\.args: expected a list of strings/]
      ]
      for (const [json, message] of cases) {
        const e = yield* Effect.flip(Derivation.fromDerivationJson(json))
        expect(e.kind).toBe("DerivationJson")
        expect(e.message).toMatch(message)
        expect(e.hint).toMatch(/nix show-derivation/)
      }
      const top = yield* Effect.flip(Derivation.fromJson({ "not-a-path": base }))
      expect(top.message).toMatch(/^at \$\["not-a-path"\]: not a valid store path/)
    }))
})

describe("Derivation encoding", () => {
  it("escapes exactly \" \\ newline carriage-return and tab, and writes everything else raw", () => {
    const drv = new Derivation.Derivation({
      outputs: new Map<string, Derivation.Output>([
        ["out", new Derivation.CAFixed({ path: sp("x"), method: "text", hashAlgo: "sha256", hash: sha256 })],
        ["dev", new Derivation.Impure({ method: "git", hashAlgo: "sha1" })]
      ]),
      inputDrvs: new Map([[sp("b.drv"), ["z", "a"]], [sp("a.drv"), ["out"]]]),
      inputSrcs: [sp("src2"), sp("src1")],
      system: "sys",
      builder: "/bin/sh",
      args: ['a"b\\c\nd\re\tf', "$x ${y} \\${z} é 😀 \u0000\u0001\u007f"],
      env: new Map([["b", "2"], ["a", "1"]])
    })
    expect(Derivation.encode(drv)).toBe(
      `Derive([("dev","","git:sha1","impure"),("out","${sp("x")}","text:sha256","${sha256}")],` +
        `[("${sp("a.drv")}",["out"]),("${sp("b.drv")}",["a","z"])],["${sp("src1")}","${sp("src2")}"],` +
        `"sys","/bin/sh",["a\\"b\\\\c\\nd\\re\\tf","$x \${y} \\\\\${z} é 😀 \u0000\u0001\u007f"],[("a","1"),("b","2")])`
    )
  })
})

describe("Derivation decoding errors", () => {
  const good = `Derive([("out","${sp("x")}","","")],[("${sp("d.drv")}",["out"])],["${sp("src")}"],"x86_64-linux","/bin/sh",["-c"],[("k","v")])`

  it("accepts the well-formed reference text", () => {
    expect(Either.isRight(Effect.runSync(Effect.either(Derivation.decode(good))))).toBe(true)
  })

  it("gives the position and what was expected", () => {
    const at = (needle: string) => good.indexOf(needle)
    /** The reference text with other hashAlgo and hash fields, and the position of `needle` in it. */
    const withOutput = (hashAlgo: string, hash: string, needle: string, message: RegExp): [string, number, RegExp] => {
      const text = good.replace(`("out","${sp("x")}","","")`, `("out","${sp("x")}","${hashAlgo}","${hash}")`)
      return [text, text.indexOf(needle), message]
    }
    const cases: Array<[string, number, RegExp]> = [
      ["Derivation([", 5, /^expected "Derive\(" \(the start of a derivation\) at position 5, found "a"/],
      [good.replace('"","")]', '"","" )]'), at('"","")]') + 5, /expected "\)" closing an output at position \d+, found " "/],
      [good.replace('"x86_64-linux",', '"x86_64-linux";'), at('"x86_64-linux",') + 14, /expected "," at position \d+, found ";"/],
      [good.replace('["-c"]', '["-c" ]'), at('["-c"]') + 5, /expected "," or "\]" in the builder arguments at position \d+, found " "/],
      [good.replace('["-c"]', '["-c",]'), at('["-c"]') + 6, /expected a builder argument \(a quoted string\) at position \d+, found "\]"/],
      [good + "\n", good.length, /expected the end of the derivation at position \d+, found "\\n"/],
      [good.slice(0, -4), at('"v")'), /the string that starts at position \d+ has no closing '"'/],
      [good.replace(`"${sp("src")}"`, `"${sp("s c")}"`), at(`"${sp("src")}"`) + 1 + 45, /an input source is not a valid store path: " " is not allowed/],
      withOutput("sha257", "", '"sha257"', /unknown hash algorithm "sha257"; expected md5, sha1, sha256, sha512 or blake3/),
      withOutput("r:sha256", "abc", '"abc"', /the hash of output "out" is not a sha256 digest in base 16 \(64 digits 0-9a-f\)/),
      withOutput("r:sha256", "", `"${sp("x")}"`, /output "out" is floating content-addressed and has no path, but the path is/),
      withOutput("sha256", "impure", `"${sp("x")}"`, /output "out" is impure and has no path/),
      withOutput("", sha256, `"${sha256}"`, /output "out" has a hash but no hash algorithm/),
      [good.replace('[("k","v")]', '[("k","v"),("k","w")]'), at('("k","v")') + 11, /environment variable "k" appears twice/],
      [good.replace('["out"])', '["out","out"])'), at('["out"])') + 7, /lists output "out" appears twice/]
    ]
    for (const [text, position, message] of cases) {
      expect(text).not.toBe(good)
      const e = errorOf(text)
      expect(e.kind).toBe("Derivation")
      expect(e.input).toBe(text)
      expect([e.message, e.position]).toEqual([expect.stringMatching(message), position])
      expect(e.hint.length).toBeGreaterThan(20)
    }
  })

  it("says that the versioned format of dynamic derivations is not supported", () => {
    const e = errorOf('DrvWithVersion("xp-dyn-drv",[],[],[],"s","b",[],[])')
    expect(e.position).toBe(1)
    expect(e.hint).toMatch(/dynamic derivations/)
  })

  it("checks store paths against the store directory and leading-dot rule it is given", () => {
    const text = `Derive([],[],["/opt/store/${hash}-.x"],"s","b",[],[])`
    expect(errorOf(text).message).toMatch(/is not a path in the Nix store \/nix\/store/)
    const strict = Effect.runSync(Effect.flip(Derivation.decode(text, { storeDir: "/opt/store" })))
    expect([strict.position, strict.message]).toEqual([text.indexOf(".x"), expect.stringMatching(/starts with '\.'/)])
    expect(Effect.runSync(Derivation.decode(text, { storeDir: "/opt/store", allowLeadingDot: true })).inputSrcs).toEqual([`/opt/store/${hash}-.x`])
  })
})

// ------------------------------------------------------------------------------------------------
// Generated derivations

const base32 = fc.constantFrom(...StorePath.base32Alphabet)
const nameChar = fc.constantFrom(..."ABCXYZabcxyz0189+-._?=")
const storeName = fc.string({ unit: nameChar, minLength: 1, maxLength: 20 }).filter((n) => !n.startsWith("."))
const storePath = fc
  .tuple(fc.string({ unit: base32, minLength: 32, maxLength: 32 }), storeName)
  .map(([h, n]) => `/nix/store/${h}-${n}`)
const drvPath = storePath.map((p) => `${p}.drv`)
/** Well-formed text (no lone surrogates), biased towards the characters ATerm escapes. */
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 30 }).map((s) => s.replace(/\p{Cs}/gu, "?")),
  fc.string({ unit: fc.constantFrom('"', "\\", "\n", "\r", "\t", "$", "{", "}", "(", ")", ",", "[", "]", "a", "é", "😀", "\ue000", "\u0000"), maxLength: 20 })
)
/** One character per byte, as a file read as latin1. */
const latin1Text = fc.string({ unit: fc.integer({ min: 0, max: 255 }).map((c) => String.fromCharCode(c)), maxLength: 30 })
const method = fc.constantFrom("flat" as const, "nar" as const, "text" as const, "git" as const)
const digestLength = { md5: 32, sha1: 40, sha256: 64, sha512: 128, blake3: 64 } as const
const hashAlgo = fc.constantFrom("md5" as const, "sha1" as const, "sha256" as const, "sha512" as const, "blake3" as const)
const hex = (n: number) => fc.string({ unit: fc.constantFrom(..."0123456789abcdef"), minLength: n, maxLength: n })
const output: fc.Arbitrary<Derivation.Output> = fc.oneof(
  storePath.map((path) => new Derivation.InputAddressed({ path })),
  fc
    .tuple(storePath, method, hashAlgo)
    .chain(([path, m, a]) => hex(digestLength[a]).map((h) => new Derivation.CAFixed({ path, method: m, hashAlgo: a, hash: h }))),
  fc.tuple(method, hashAlgo).map(([m, a]) => new Derivation.CAFloating({ method: m, hashAlgo: a })),
  fc.constant(new Derivation.Deferred()),
  fc.tuple(method, hashAlgo).map(([m, a]) => new Derivation.Impure({ method: m, hashAlgo: a }))
)

const sortedEntries = <V>(entries: ReadonlyArray<readonly [string, V]>) => new Map([...entries].sort(([a], [b]) => byteOrder(a, b)))

/** Derivations in canonical form (maps and sets in byte order), with values from `values`. */
const derivation = (values: fc.Arbitrary<string>) =>
  fc
    .record({
      outputs: fc.uniqueArray(fc.tuple(storeName, output), { selector: ([n]) => n, maxLength: 4 }),
      inputDrvs: fc.uniqueArray(fc.tuple(drvPath, fc.uniqueArray(storeName, { minLength: 1, maxLength: 3 })), {
        selector: ([p]) => p,
        maxLength: 3
      }),
      inputSrcs: fc.uniqueArray(storePath, { maxLength: 3 }),
      system: values,
      builder: values,
      args: fc.array(values, { maxLength: 4 }),
      env: fc.uniqueArray(fc.tuple(values, values), { selector: ([k]) => k, maxLength: 6 })
    })
    .map(
      (r) =>
        new Derivation.Derivation({
          outputs: sortedEntries(r.outputs),
          inputDrvs: sortedEntries(r.inputDrvs.map(([p, names]) => [p, [...names].sort(byteOrder)] as const)),
          inputSrcs: [...r.inputSrcs].sort(byteOrder),
          system: r.system,
          builder: r.builder,
          args: r.args,
          env: sortedEntries(r.env)
        })
    )

const decodeSync = (s: string) => Effect.runSync(Derivation.decode(s))

describe("Derivation properties", () => {
  it("encode then decode gives back the derivation, and re-encoding is identical", () =>
    fc.assert(
      fc.property(derivation(text), (drv) => {
        const encoded = Derivation.encode(drv)
        const back = decodeSync(encoded)
        expect(back).toEqual(drv)
        expect([...back.env.keys()]).toEqual([...drv.env.keys()])
        expect(Derivation.encode(back)).toBe(encoded)
      }),
      { numRuns: 300 }
    ))

  it("the codec is byte-transparent on latin1 text", () =>
    fc.assert(
      fc.property(derivation(latin1Text), (drv) => {
        const bytes = Buffer.from(Derivation.encode(drv), "latin1")
        const back = decodeSync(bytes.toString("latin1"))
        expect(back).toEqual(drv)
        expect(Buffer.from(Derivation.encode(back), "latin1").equals(bytes)).toBe(true)
      }),
      { numRuns: 200 }
    ))

  it("encode orders maps and sets by UTF-8 bytes, whatever order they were built in", () =>
    fc.assert(
      fc.property(fc.uniqueArray(fc.tuple(text, text), { selector: ([k]) => k, maxLength: 8 }), (env) => {
        const drv = new Derivation.Derivation({
          outputs: new Map(),
          inputDrvs: new Map(),
          inputSrcs: [],
          system: "s",
          builder: "b",
          args: [],
          env: new Map(env)
        })
        expect([...decodeSync(Derivation.encode(drv)).env.keys()]).toEqual(env.map(([k]) => k).sort(byteOrder))
      }),
      { numRuns: 300 }
    ))

  it("fromJson reads back what toJson writes", () =>
    fc.assert(
      fc.property(derivation(text), drvPath, (drv, path) => {
        const json = JSON.parse(JSON.stringify(Derivation.toJson(drv, path)))
        const back = Effect.runSync(Derivation.fromJson(json))
        expect([...back.keys()]).toEqual([path])
        expect(back.get(path)).toEqual(drv)
      }),
      { numRuns: 200 }
    ))

  it("decoding text that is not a derivation fails with a position inside the text", () =>
    fc.assert(
      fc.property(derivation(text), fc.nat(), (drv, cut) => {
        const encoded = Derivation.encode(drv)
        const truncated = encoded.slice(0, cut % encoded.length)
        const e = errorOf(truncated)
        expect(e.position).toBeGreaterThanOrEqual(0)
        expect(e.position).toBeLessThanOrEqual(truncated.length)
      }),
      { numRuns: 200 }
    ))
})
