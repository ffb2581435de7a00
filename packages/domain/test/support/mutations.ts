/**
 * Inputs near a valid encoded value: one node replaced by any JSON-like value, one key or
 * element removed or added, or one key moved onto the object's prototype, anywhere in the tree. Decoders must treat such inputs exactly as the
 * schema does, which is what the compiled decoders are tested against.
 */
import * as fc from "fast-check"

type Path = ReadonlyArray<string | number>

const isContainer = (u: unknown): u is Record<string, unknown> | Array<unknown> => typeof u === "object" && u !== null

/** Every path in `value`, the root first. */
const paths = (value: unknown, at: Path = []): Array<Path> =>
  isContainer(value)
    ? [at, ...Object.keys(value).flatMap((key) => paths((value as Record<string, unknown>)[key], [...at, Array.isArray(value) ? Number(key) : key]))]
    : [at]

const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant(undefined),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 3 }), fc.integer(), { maxKeys: 2, noNullPrototype: true })
)

/** A deep copy of `value` with `change` applied to the node at `path`. */
const changed = (value: unknown, path: Path, change: (node: unknown) => unknown): unknown => {
  if (path.length === 0) return change(structuredClone(value))
  const [head, ...rest] = path
  const copy: any = Array.isArray(value) ? [...value] : { ...(value as object) }
  copy[head!] = changed(copy[head!], rest, change)
  return copy
}

/** Mutations of `value`, as an arbitrary. */
export const mutations = (value: unknown): fc.Arbitrary<unknown> => {
  const all = paths(value)
  return fc.tuple(fc.nat(all.length - 1), fc.nat(3), anyValue, fc.constantFrom("extra", "_tag", "a", "name", "0")).map(
    ([index, op, replacement, key]) =>
      changed(value, all[index]!, (node) => {
        if (op === 0 || !isContainer(node)) return replacement
        const keys = Object.keys(node)
        if (op === 3 && keys.length > 0 && !Array.isArray(node)) {
          // Present only through the prototype: not an own key, as JSON never makes.
          const moved = keys[replacement === null ? 0 : keys.length - 1]!
          const inherited = { [moved]: node[moved] }
          delete node[moved]
          return Object.setPrototypeOf(node, inherited)
        }
        if (op === 1 && keys.length > 0) {
          if (Array.isArray(node)) node.pop()
          else delete node[keys[replacement === null ? 0 : keys.length - 1]!]
          return node
        }
        if (Array.isArray(node)) node.push(replacement)
        else node[key] = replacement
        return node
      })
  )
}
