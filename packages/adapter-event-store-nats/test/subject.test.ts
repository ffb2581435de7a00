import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc } from "effect"
import { subject, token } from "../src/internal/subject.js"

describe("subject tokens", () => {
  it("escapes what NATS does not allow in a token, and nothing else", () => {
    expect(token("Flake")).toBe("Flake")
    expect(token("my-host_01")).toBe("my-host_01")
    expect(token("a.b c*>~")).toBe("a~002Eb~0020c~002A~003E~007E")
    expect(token("/home/u/flake")).toBe("~002Fhome~002Fu~002Fflake")
    expect(token("é\uD800")).toBe("~00E9~D800")
    expect(token("")).toBe("~")
    expect(subject("nix.events", { aggregateType: "Package", aggregateId: "hello.x86_64-linux" }))
      .toBe("nix.events.Package.hello~002Ex86_64-linux")
  })

  it("gives every string a valid token and distinct strings distinct tokens", () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom(".", "~", " ", "*", ">", "a", "0", "\uD800", "\uDC00"), fc.char16bits()) })
    fc.assert(fc.property(text, text, (a, b) => {
      expect(token(a)).toMatch(/^[A-Za-z0-9_~-]+$/)
      expect(token(a) === token(b)).toBe(a === b)
    }), { numRuns: 1000 })
  })
})
