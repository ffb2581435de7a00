/**
 * Live build progress on stderr, from the build's event stream: derivations done / running /
 * total, the derivation being built, the elapsed time and the last log line, redrawn in place
 * on one line. Only on a terminal and never with `--json`: elsewhere `make` gives a display that
 * draws nothing.
 */
import type { Nix } from "@cim-nix/application"
import { Effect } from "effect"

/** A progress display: `onEvent` for each build event, `clear` when the build is over. */
export interface Display {
  readonly onEvent: (event: Nix.BuildEvent) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}

/** What the display shows, folded from the events. */
export interface State {
  readonly done: number
  readonly running: number
  readonly total: number
  readonly current: string | undefined
  readonly lastLine: string | undefined
}

/** The state before any event. */
export const initial: State = { done: 0, running: 0, total: 0, current: undefined, lastLine: undefined }

/** Applies one event; `builds` is the set of ids of the `builds` activities seen so far. */
export const step = (state: State, event: Nix.BuildEvent, builds: Set<number>): State => {
  switch (event._tag) {
    case "ActivityStarted":
      if (event.activity === "builds") builds.add(event.id)
      return event.drvPath._tag === "Some" ? { ...state, current: event.drvPath.value } : state
    case "Progress":
      return builds.has(event.id)
        ? { ...state, done: event.done, running: event.running, total: Math.max(event.expected, state.total) }
        : state
    case "Expected":
      return event.activity === "build" ? { ...state, total: Math.max(event.expected, state.total) } : state
    case "BuildLogLine":
      return event.line.trim() === "" ? state : { ...state, lastLine: event.line.trim() }
    default:
      return state
  }
}

const name = (drvPath: string) => drvPath.replace(/^.*\/[0-9a-z]{32}-/, "").replace(/\.drv$/, "")

/** The line shown for a state after `elapsedMs`, cut to `columns`. */
export const render = (state: State, elapsedMs: number, columns: number): string => {
  const parts = [
    `[${state.done}/${state.running}/${state.total} built/running/total]`,
    `${(elapsedMs / 1000).toFixed(1)}s`,
    ...(state.current === undefined ? [] : [`building ${name(state.current)}`]),
    ...(state.lastLine === undefined ? [] : [`> ${state.lastLine}`])
  ]
  const line = parts.join(" ")
  return line.length > columns ? `${line.slice(0, Math.max(columns - 1, 0))}…` : line
}

const silent: Display = { onEvent: () => Effect.void, clear: Effect.void }

/** A display on stderr when `enabled` and stderr is a terminal, else one that draws nothing. */
export const make = (enabled: boolean): Display => {
  const stderr = process.stderr
  if (!enabled || stderr.isTTY !== true) return silent
  const builds = new Set<number>()
  const started = Date.now()
  let state = initial
  let drawn = false
  return {
    onEvent: (event) =>
      Effect.sync(() => {
        state = step(state, event, builds)
        stderr.write(`\r\u001b[K${render(state, Date.now() - started, (stderr.columns || 80) - 1)}`)
        drawn = true
      }),
    clear: Effect.sync(() => {
      if (drawn) stderr.write("\r\u001b[K")
    })
  }
}
