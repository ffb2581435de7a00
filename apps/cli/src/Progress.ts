/**
 * Live progress on stderr, redrawn in place on one line: a build's derivations done / running /
 * total, the derivation being built, the elapsed time and the last log line (from the build's
 * event stream), and a rebuild's events applied. Only on a terminal and never with `--json`:
 * elsewhere the line draws nothing.
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

/** A line redrawn in place on stderr: `draw` replaces it (given the terminal's width), `clear` removes it. */
export interface Line {
  readonly draw: (text: (columns: number) => string) => Effect.Effect<void>
  readonly clear: Effect.Effect<void>
}

const noLine: Line = { draw: () => Effect.void, clear: Effect.void }

/** A line on stderr when `enabled` and stderr is a terminal, else one that draws nothing. */
export const line = (enabled: boolean): Line => {
  const stderr = process.stderr
  if (!enabled || stderr.isTTY !== true) return noLine
  let drawn = false
  return {
    draw: (text) =>
      Effect.sync(() => {
        stderr.write(`\r\u001b[K${text((stderr.columns || 80) - 1)}`)
        drawn = true
      }),
    clear: Effect.sync(() => {
      if (drawn) stderr.write("\r\u001b[K")
    })
  }
}

/** A build display on stderr when `enabled` and stderr is a terminal, else one that draws nothing. */
export const make = (enabled: boolean): Display => {
  const out = line(enabled)
  if (out === noLine) return silent
  const builds = new Set<number>()
  const started = Date.now()
  let state = initial
  return {
    onEvent: (event) =>
      Effect.suspend(() => {
        state = step(state, event, builds)
        return out.draw((columns) => render(state, Date.now() - started, columns))
      }),
    clear: out.clear
  }
}

/** The line shown while read models are rebuilt: events applied of `total`, the rate and the elapsed time, cut to `columns`. */
export const renderRebuild = (position: number, total: number, elapsedMs: number, columns: number): string => {
  const count = (n: number) => n.toLocaleString("en-US")
  const percent = total === 0 ? 100 : Math.floor((position / total) * 100)
  const rate = elapsedMs === 0 ? "" : `, ${count(Math.round(position / (elapsedMs / 1000)))} events/s`
  const text = `rebuilding read models: ${count(position)}/${count(total)} events (${percent}%)${rate}, ${(elapsedMs / 1000).toFixed(1)}s`
  return text.length > columns ? `${text.slice(0, Math.max(columns - 1, 0))}…` : text
}
