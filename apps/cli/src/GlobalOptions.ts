/**
 * Options every `cim-nix` command accepts: `--json`, `--event-store` (env `CIM_NIX_EVENT_STORE`),
 * `--timeout` and `--verbose`.
 */
import { Options } from "@effect/cli"
import { Config, Option } from "effect"

/** Print exactly one JSON document on stdout. */
export const json = Options.boolean("json").pipe(
  Options.withDescription("Print one JSON document on stdout and nothing else.")
)

/** Where events are stored: `sqlite:<path>`, `nats://host:port` or `postgres://user@host:port/database`. */
export const eventStore = Options.text("event-store").pipe(
  Options.withDescription(
    "Event store: sqlite:<path>, nats://host:port or postgres://user[:password]@host:port/database (also postgresql://) " +
      "(env CIM_NIX_EVENT_STORE; default: a SQLite file under $XDG_STATE_HOME/cim-nix/)."
  ),
  Options.withFallbackConfig(Config.string("CIM_NIX_EVENT_STORE")),
  Options.optional
)

/** Seconds a single nix process may run before it is killed. */
export const timeout = Options.integer("timeout").pipe(
  Options.withDescription("Seconds a single nix process may run before it and its children are killed."),
  Options.withDefault(600)
)

/** Add the nix command line and stderr tail to errors. */
export const verbose = Options.boolean("verbose").pipe(
  Options.withAlias("v"),
  Options.withDescription("Show the nix command line and the tail of its stderr on errors.")
)

/** The global options, to spread into each command's config. */
export const all = { json, eventStore, timeout, verbose }

/** The parsed global options. */
export interface Global {
  readonly json: boolean
  readonly eventStore: Option.Option<string>
  readonly timeout: number
  readonly verbose: boolean
}
