// fast-check arbitraries shared by the domain tests.
import * as fc from "fast-check"
import type { Json } from "../../src/Json.js"
import { OptionType } from "../../src/index.js"

const { atom, attrsOf, either, enumOf, listOf, nullOr, submodule } = OptionType

/** Nix identifiers that are not keywords. */
export const identifier = fc.stringMatching(/^[a-z_][a-zA-Z0-9_'-]{0,8}$/).filter((s) => !["if", "in", "or", "let", "rec", "then", "else", "with", "assert", "inherit"].includes(s))

/** Option types; `emptyEnums` allows `enum []`, which no value fits. */
export const optionType = (emptyEnums: boolean): fc.Arbitrary<OptionType.OptionType> => fc.letrec<{ type: OptionType.OptionType }>((tie) => ({
  type: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...OptionType.atoms).map(atom),
    tie("type").map(listOf),
    tie("type").map(attrsOf),
    tie("type").map(nullOr),
    fc.array(fc.oneof(fc.string({ unit: "binary", maxLength: 8 }), fc.integer({ min: -1000, max: 1000 })), { minLength: emptyEnums ? 0 : 1, maxLength: 4 }).map(enumOf),
    fc.tuple(tie("type"), tie("type")).map(([l, r]) => either(l, r)),
    fc.dictionary(identifier, tie("type"), { maxKeys: 3 }).map(submodule)
  )
})).type

/** A value that fits `type` (numbers chosen to be in range). */
export const fitting = (type: OptionType.OptionType): fc.Arbitrary<Json> => {
  switch (type._tag) {
    case "Atom":
      return {
        str: fc.string(),
        bool: fc.boolean(),
        int: fc.integer(),
        float: fc.double({ noNaN: true, noDefaultInfinity: true }),
        path: fc.constantFrom("/etc/x", "./a.nix", "../b"),
        package: fc.constantFrom("hello", "python3Packages.requests"),
        port: fc.integer({ min: 0, max: 65535 }),
        attrs: fc.dictionary(fc.string(), fc.integer())
      }[type.name]
    case "ListOf":
      return fc.array(fitting(type.element), { maxLength: 3 })
    case "AttrsOf":
      return fc.dictionary(fc.string(), fitting(type.element), { maxKeys: 3 })
    case "NullOr":
      return fc.oneof(fc.constant(null), fitting(type.element))
    case "Enum":
      return fc.constantFrom(...type.values)
    case "Either":
      return fc.oneof(fitting(type.left), fitting(type.right))
    case "Submodule":
      // optional keys are left out, never undefined
      return fc.record(Object.fromEntries(Object.entries(type.options).map(([k, t]) => [k, fitting(t)])), { requiredKeys: [] }) as fc.Arbitrary<Json>
  }
}

