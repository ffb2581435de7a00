/**
 * NATS subject tokens for aggregate types and ids. A token may not be empty nor hold `.`,
 * whitespace, `*` or `>`: every UTF-16 code unit outside `[A-Za-z0-9_-]` is written as `~` and
 * four upper-case hex digits, and the empty string as a lone `~`. The mapping is one-to-one
 * (for any JavaScript string, lone surrogates included), so distinct aggregates never share a
 * subject.
 */

const plain = /^[A-Za-z0-9_-]$/

/** The subject token of `value`. */
export const token = (value: string): string => {
  if (value === "") return "~"
  let out = ""
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!
    out += plain.test(char) ? char : `~${value.charCodeAt(i).toString(16).toUpperCase().padStart(4, "0")}`
  }
  return out
}

/** The subject of one aggregate instance under `prefix`: `<prefix>.<aggregateType>.<aggregateId>`. */
export const subject = (prefix: string, stream: { readonly aggregateType: string; readonly aggregateId: string }): string =>
  `${prefix}.${token(stream.aggregateType)}.${token(stream.aggregateId)}`
