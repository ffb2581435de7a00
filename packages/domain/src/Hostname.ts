/**
 * Host names (RFC 1123, section 2.1): dot-separated labels of 1 to 63 characters from
 * `a-z0-9-`, none starting or ending with `-`, at most 253 characters in all. Lower case only:
 * host names compare case-insensitively but `nixosConfigurations.<host>` attribute names do not,
 * so the domain keeps the one canonical spelling.
 */
import { Effect, Schema } from "effect"
import { ValidationError } from "./Errors.js"

const label = /^[a-z0-9-]{1,63}$/

/** What is wrong with `text` as a host name, or undefined when it is one. */
export const problem = (text: string): string | undefined => {
  if (text.length === 0) return "is empty"
  if (text.length > 253) return `is ${text.length} characters long (at most 253)`
  for (const part of text.split(".")) {
    if (part.length === 0) return "has an empty label (two dots in a row, or a leading or trailing dot)"
    if (part.length > 63) return `has a label of ${part.length} characters (at most 63): ${JSON.stringify(part)}`
    if (!label.test(part)) return `has a label with characters outside a-z, 0-9 and -: ${JSON.stringify(part)}`
    if (part.startsWith("-") || part.endsWith("-")) return `has a label starting or ending with -: ${JSON.stringify(part)}`
  }
  return undefined
}

/** A valid RFC 1123 host name. */
export const Hostname = Schema.String.pipe(
  Schema.filter((text) => {
    const p = problem(text)
    return p === undefined || `${JSON.stringify(text)} is not a host name: it ${p}`
  }),
  Schema.brand("Hostname")
)
export type Hostname = typeof Hostname.Type

/** Validates a host name; the error names the rule that is broken. */
export const validate = (text: string): Effect.Effect<Hostname, ValidationError> => {
  const p = problem(text)
  return p === undefined
    ? Effect.succeed(Hostname.make(text))
    : Effect.fail(
        new ValidationError({
          field: "hostname",
          message: `${JSON.stringify(text)} is not a valid host name: it ${p}`,
          hint: "Use dot-separated labels of 1 to 63 characters from a-z, 0-9 and -, not starting or ending with -, at most 253 characters in all (RFC 1123), e.g. web-01 or web-01.example.org."
        })
      )
}
