/**
 * Rendering for the terminal: one JSON document with `--json`, short human text otherwise.
 * Colour only on a TTY and never with `NO_COLOR`.
 */
import { Console, Effect } from "effect"

const colour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined

const ansi = /\u001b\[[0-9;]*m/g

/** `args` without colour codes. */
const plain = (args: ReadonlyArray<unknown>) => args.map((a) => (typeof a === "string" ? a.replace(ansi, "") : a))

/** Runs `effect` with what it logs (to stdout and stderr) passed through `rewrite` first. */
export const rewritingLogs = (rewrite: (args: ReadonlyArray<unknown>) => ReadonlyArray<unknown>) =>
<A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  Console.consoleWith((base) =>
    Effect.withConsole(effect, { ...base, log: (...args) => base.log(...rewrite(args)), error: (...args) => base.error(...rewrite(args)) })
  )

/**
 * Runs `effect` with colour codes removed from what it logs when colour is off: the help and
 * usage errors that @effect/cli renders always carry them.
 */
export const withoutColourUnlessTerminal = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
  colour ? effect : rewritingLogs(plain)(effect)

const paint = (code: number) => (text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text)

/** Green, red, dim and bold text (plain when colour is off). */
export const green = paint(32)
export const red = paint(31)
export const dim = paint(2)
export const bold = paint(1)

/** Prints `value` as JSON when `json`, else the lines of `human(value)`. */
export const print = <A>(json: boolean, value: A, human: (value: A) => ReadonlyArray<string>) =>
  json ? Console.log(JSON.stringify(value, null, 2)) : Effect.forEach(human(value), (line) => Console.log(line), { discard: true })

/** Sets the process exit code without exiting (output is flushed first). */
export const exitCode = (code: number) => Effect.sync(() => {
  process.exitCode = code
})

/** Rows as aligned columns under a header (cells are plain text; the last column is not padded). */
export const table = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): ReadonlyArray<string> => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const line = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")
  return [bold(line(header)), ...rows.map(line)]
}
