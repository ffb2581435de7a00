import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Option, Schema } from "effect"
import * as fc from "fast-check"
import { NixVersion, StorePath } from "../src/index.js"

const hash = "0c6kzph7l0dcbfmjap64f0czdafn3b7x"
const prefix = `/nix/store/${hash}-`
const nameChars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+-._?="

const hashArb = fc.string({ unit: fc.constantFrom(...StorePath.base32Alphabet), minLength: 32, maxLength: 32 })
const nameArb = (minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...nameChars), minLength, maxLength })
/** Names every Nix accepts (no leading dot). */
const portableName = nameArb(1, StorePath.maxNameLength).filter((n) => !n.startsWith("."))
/** A character that is not allowed in a name: any code point outside A-Za-z0-9+-._?= */
const anyChar = fc.string({ unit: "binary", minLength: 1, maxLength: 1 })
const badChar = anyChar.filter((c) => !nameChars.includes(c))
/** Not base-32 and not a character that ends the hash early (`-`, `/`). */
const badHashChar = anyChar.filter((c) => !StorePath.base32Alphabet.includes(c) && c !== "-" && c !== "/")

const errorOf = (text: string, options?: StorePath.ParseOptions) => Effect.flip(StorePath.parse(text, options))

describe("StorePath", () => {
  it.effect("parses a store path into store directory, hash and name, and formats it back", () =>
    Effect.gen(function* () {
      const p = yield* StorePath.parse(`${prefix}hello-2.12.1`)
      expect([p.storeDir, p.hash, p.name]).toEqual(["/nix/store", hash, "hello-2.12.1"])
      expect(StorePath.format(p)).toBe(`${prefix}hello-2.12.1`)
      expect(StorePath.baseName(p)).toBe(`${hash}-hello-2.12.1`)
      expect(StorePath.isDerivation(p)).toBe(false)
      expect(StorePath.isDerivation(yield* StorePath.parse(`${prefix}hello-2.12.1.drv`))).toBe(true)
    }))

  it.effect("reads paths in another store directory", () =>
    Effect.gen(function* () {
      const p = yield* StorePath.parse(`/opt/nix/store/${hash}-x`, { storeDir: "/opt/nix/store" })
      expect(p.storeDir).toBe("/opt/nix/store")
      expect(StorePath.format(p)).toBe(`/opt/nix/store/${hash}-x`)
      const e = yield* errorOf(`${prefix}x`, { storeDir: "/opt/nix/store" })
      expect([e.position, e.message]).toEqual([1, `"${prefix}x" is not a path in the Nix store /opt/nix/store`])
      expect(e.hint).toMatch(/pass its directory as storeDir/)
      const badDir = yield* errorOf(`${prefix}x`, { storeDir: "/nix/store/" })
      expect(badDir.message).toMatch(/not an absolute path without a trailing slash/)
    }))

  it.effect("splits a path inside a store path into the store path and the relative part", () =>
    Effect.gen(function* () {
      const r = yield* StorePath.parseWithSubpath(`${prefix}hello/bin/hello`)
      expect(StorePath.format(r.storePath)).toBe(`${prefix}hello`)
      expect(r.subpath).toBe("bin/hello")
      expect((yield* StorePath.parseWithSubpath(`${prefix}hello`)).subpath).toBe("")
      const e = yield* errorOf(`${prefix}hello/bin/hello`)
      expect(e.position).toBe(prefix.length + 5)
      expect(e.hint).toMatch(/parseWithSubpath/)
    }))

  it.effect("reports the exact position and a hint for each kind of mistake", () =>
    Effect.gen(function* () {
      const cases: Array<[string, number, RegExp]> = [
        ["/nix/stor/x", 9, /is not a path in the Nix store \/nix\/store/],
        ["nix/store/x", 0, /is not a path in the Nix store/],
        [`/nix/store/${hash.slice(0, 5)}e${hash.slice(6)}-x`, 16, /"e" is not a character of Nix's base-32 alphabet/],
        [`/nix/store/${hash.toUpperCase()}-x`, 12, /"C" is not a character of Nix's base-32 alphabet/],
        [`/nix/store/${hash.slice(0, 20)}-x`, 31, /has 32 characters, this one has 20/],
        [`/nix/store/${hash}`, 43, /expected "-" after the 32-character hash, found the end/],
        [`/nix/store/${hash}_x`, 43, /expected "-" after the 32-character hash, found "_"/],
        [`${prefix}`, 44, /empty name/],
        [`${prefix}a b`, 45, /" " is not allowed in a store path name/],
        [`${prefix}caf\u00e9`, 47, /"é" is not allowed/],
        [`${prefix}.hidden`, 44, /starts with '\.', which Nix before 2\.20 rejects/]
      ]
      for (const [text, position, message] of cases) {
        const e = yield* errorOf(text)
        expect(e._tag).toBe("ParseError")
        expect(e.kind).toBe("StorePath")
        expect(e.input).toBe(text)
        expect([text, e.position]).toEqual([text, position])
        expect(e.message).toMatch(message)
        expect(e.hint.length).toBeGreaterThan(10)
      }
    }))

  it.effect("allows a leading dot only with Nix 2.20+, and never '.' or '..' as first component", () =>
    Effect.gen(function* () {
      const caps = (line: string) => NixVersion.parse(line).pipe(Effect.map(NixVersion.capabilities))
      const old = { allowLeadingDot: (yield* caps("nix (Nix) 2.19.3")).storeNameLeadingDot }
      const current = { allowLeadingDot: (yield* caps("nix (Nix) 2.20.0")).storeNameLeadingDot }
      expect((yield* errorOf(`${prefix}.config`, old)).position).toBe(44)
      expect((yield* StorePath.parse(`${prefix}.config`, current)).name).toBe(".config")
      expect((yield* StorePath.parse(`${prefix}..config`, current)).name).toBe("..config")
      for (const name of [".", "..", ".-x", "..-x-1.0"]) {
        const e = yield* errorOf(`${prefix}${name}`, current)
        expect([name, e.position]).toEqual([name, 44])
        expect(e.message).toMatch(/first dash-separated component is "\.\.?", which Nix never allows/)
      }
    }))

  // Properties run synchronously through parseEither (parse returns the same Either as an Effect).
  const parseSync = (text: string, options?: StorePath.ParseOptions) => StorePath.parseEither(text, options)
  const errorSync = (text: string, options?: StorePath.ParseOptions) =>
    Either.getLeft(parseSync(text, options)).pipe(Option.getOrThrow)

  it("format then parse gives back the same store path", () =>
    fc.assert(
      fc.property(hashArb, portableName, (h, name) => {
        const p = new StorePath.StorePath({ storeDir: "/nix/store", hash: StorePath.Hash.make(h), name: StorePath.Name.make(name) })
        const back = Either.getOrThrow(parseSync(StorePath.format(p)))
        expect(back).toEqual(p)
        expect(StorePath.isDerivation(back)).toBe(name.endsWith(".drv"))
      }),
      { numRuns: 300 }
    ))

  it("with allowLeadingDot, a dotted name is accepted unless its first component is . or ..", () =>
    fc.assert(
      fc.property(hashArb, nameArb(1, StorePath.maxNameLength - 1).map((n) => `.${n}`), (h, name) => {
        const first = name.split("-", 1)[0]
        const allowed = parseSync(`/nix/store/${h}-${name}`, { allowLeadingDot: true })
        expect(Either.isRight(allowed)).toBe(first !== "." && first !== "..")
        expect(errorSync(`/nix/store/${h}-${name}`).position).toBe(44)
      }),
      { numRuns: 300 }
    ))

  it("an invalid character in the name is reported at its position", () =>
    fc.assert(
      fc.property(portableName, fc.nat(), badChar, (name, at, c) => {
        const i = at % (name.length + 1)
        const e = errorSync(`${prefix}${name.slice(0, i)}${c}${name.slice(i)}`)
        expect(e.position).toBe(prefix.length + i)
        expect(e.message).toBe(`${JSON.stringify(c)} is not allowed in a store path name`)
      }),
      { numRuns: 500 }
    ))

  it("a character outside the base-32 alphabet in the hash is reported at its position", () =>
    fc.assert(
      fc.property(hashArb, fc.nat(31), badHashChar, (h, i, c) => {
        const e = errorSync(`/nix/store/${h.slice(0, i)}${c}${h.slice(i + 1)}-x`)
        expect([e.position, e.message]).toEqual([
          11 + i,
          `${JSON.stringify(c)} is not a character of Nix's base-32 alphabet (${StorePath.base32Alphabet})`
        ])
      }),
      { numRuns: 300 }
    ))

  it("names of 211 characters are accepted and names of 212 are rejected at character 212", () =>
    fc.assert(
      fc.property(hashArb, nameArb(211, 212).filter((n) => !n.startsWith(".")), (h, name) => {
        const text = `/nix/store/${h}-${name}`
        if (name.length === 211) {
          expect(Either.getOrThrow(parseSync(text)).name).toBe(name)
        } else {
          const e = errorSync(text)
          expect([e.position, e.message]).toEqual([44 + 211, "the store path name has 212 characters, more than the 211 Nix allows"])
        }
      }),
      { numRuns: 200 }
    ))

  it("decodes and encodes through StorePathFromString, and the schemas reject invalid parts", () => {
    const decode = Schema.decodeUnknownEither(StorePath.StorePathFromString)
    const ok = decode(`${prefix}hello`)
    expect(Either.isRight(ok) && StorePath.format(ok.right)).toBe(`${prefix}hello`)
    expect(Either.isRight(ok) && Schema.encodeSync(StorePath.StorePathFromString)(ok.right)).toBe(`${prefix}hello`)
    const bad = decode(`${prefix}a b`)
    expect(Either.isLeft(bad) && bad.left.message).toMatch(/" " is not allowed in a store path name/)
    expect(Either.isLeft(decode(`${prefix}.x`))).toBe(true)
    expect(Either.isRight(Schema.decodeUnknownEither(StorePath.fromString({ allowLeadingDot: true }))(`${prefix}.x`))).toBe(true)
    expect(() => StorePath.Hash.make("e".repeat(32))).toThrow()
    expect(() => StorePath.Name.make("..")).toThrow()
    expect(() => StorePath.Name.make("x".repeat(212))).toThrow()
    expect(() => StorePath.Name.make("a/b")).toThrow(/the name contains "\/"/)
    expect(() => StorePath.Name.make("ab\u{1F600}")).toThrow(/the name contains "\u{1F600}"/u)
    expect(() => StorePath.Name.make("..-x")).toThrow(/first dash-separated component is "\.\."/)
    expect(() => StorePath.Name.make("")).toThrow(/the name is empty/)
    expect(StorePath.Name.make(".x-..")).toBe(".x-..")
    expect(StorePath.Name.make("x".repeat(211))).toHaveLength(211)
  })
})
