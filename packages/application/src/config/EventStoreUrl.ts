/**
 * Where events are stored, as users write it: `sqlite:<path>` (the embedded default),
 * `nats://host:port` (NATS JetStream) or `postgres://user:password@host:port/database`
 * (PostgreSQL; `postgresql://` too). Apps read it from `--event-store` or
 * `CIM_NIX_EVENT_STORE`; the default is a SQLite file under `$XDG_STATE_HOME/cim-nix/`
 * (`~/.local/state/cim-nix/` when unset). Pure: the environment is passed in.
 */
import { Effect } from "effect"
import { ValidationError } from "@cim-nix/domain"

/** A parsed event-store location. */
export type EventStoreUrl =
  | { readonly _tag: "Sqlite"; readonly url: string; readonly path: string }
  | { readonly _tag: "Nats"; readonly url: string; readonly servers: string }
  | { readonly _tag: "Postgres"; readonly url: string }

const invalid = (url: string, why: string) =>
  new ValidationError({
    field: "eventStore",
    message: `invalid event store ${JSON.stringify(url)}: ${why}`,
    hint:
      "Use sqlite:<path to a file>, nats://host:port or postgres://user:password@host:port/database (flag --event-store or CIM_NIX_EVENT_STORE)."
  })

/** Parses an event-store URL. Relative SQLite paths are resolved against `cwd`. */
export const parse = (url: string, cwd: string): Effect.Effect<EventStoreUrl, ValidationError> => {
  if (url.startsWith("sqlite:")) {
    const raw = url.slice("sqlite:".length).replace(/^\/\/(?=\/)/, "")
    if (raw === "") return Effect.fail(invalid(url, "the SQLite file path is empty"))
    if (raw.includes("\0")) return Effect.fail(invalid(url, "the path contains a NUL byte"))
    const path = raw.startsWith("/") ? raw : `${cwd.replace(/\/+$/, "")}/${raw}`
    return Effect.succeed({ _tag: "Sqlite", url: `sqlite:${path}`, path })
  }
  if (url.startsWith("nats://")) {
    const hostPort = url.slice("nats://".length).replace(/\/+$/, "")
    if (!/^[A-Za-z0-9.-]+(:\d{1,5})?(,[A-Za-z0-9.-]+(:\d{1,5})?)*$/.test(hostPort)) {
      return Effect.fail(invalid(url, "expected nats://host:port"))
    }
    return Effect.succeed({ _tag: "Nats", url: `nats://${hostPort}`, servers: hostPort })
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    const [, hosts, database] = /^postgres(?:ql)?:\/\/(?:[^\s@/?#]+@)?([^\s@/?#]*)\/([^\s/?#]*)(?:\?[^\s#]*)?$/.exec(url) ?? []
    const hostsValid = hosts?.split(",").every((host) => /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.%_-]*)(:\d{1,5})?$/.test(host))
    if (!hostsValid || !database) return Effect.fail(invalid(url, "expected postgres://user:password@host:port/database"))
    return Effect.succeed({ _tag: "Postgres", url })
  }
  return Effect.fail(invalid(url, "unknown scheme"))
}

/** The default location: `sqlite:$XDG_STATE_HOME/cim-nix/events.sqlite`, or under `~/.local/state`. */
export const defaultUrl = (env: { readonly XDG_STATE_HOME?: string | undefined; readonly HOME?: string | undefined }): string => {
  const state = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME.startsWith("/")
    ? env.XDG_STATE_HOME
    : `${env.HOME ?? "/root"}/.local/state`
  return `sqlite:${state.replace(/\/+$/, "")}/cim-nix/events.sqlite`
}

/** The URL without its password, as errors and reports name the store. */
export const redact = (url: string): string => {
  try {
    const parsed = new URL(url)
    parsed.password = ""
    return parsed.toString()
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//…@")
  }
}
