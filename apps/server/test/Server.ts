/**
 * Starts the bundled server as a child process on a free port, with its own state directory,
 * workspace root and SQLite event store, and talks to it over real HTTP.
 */
import { spawn } from "node:child_process"
import type { ChildProcess } from "node:child_process"
import { once } from "node:events"
import { mkdirSync, mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Conformance from "./Conformance.js"

const bundle = join(import.meta.dirname, "..", "dist", "cim-nix-server.mjs")

/** A running server. */
export interface Server {
  readonly url: string
  readonly child: ChildProcess
  readonly dir: string
  readonly root: string
  readonly eventStore: string
  readonly token: string
  /** Everything the server wrote to stdout and stderr so far. */
  readonly output: () => string
  /**
   * `fetch` with the bearer token (unless `headers.authorization` is given); each response is
   * checked against the API description (see `violations`).
   */
  readonly request: (path: string, init?: RequestInit) => Promise<Response>
  /** The responses of `request` so far that did not match the API description (see `Conformance`). */
  readonly violations: () => ReadonlyArray<string>
  /** SIGTERM (unless already sent), then the exit code and signal. */
  readonly stop: () => Promise<[number | null, string | null]>
}

export const token = "test-token-0123456789abcdef"

/** Starts the bundle; `env` adds or overrides variables (an `undefined` value removes one). */
export const start = async (env: Record<string, string | undefined> = {}, dir = mkdtempSync(join(tmpdir(), "cim-nix-server-"))): Promise<Server> => {
  const root = join(dir, "root")
  mkdirSync(root, { recursive: true })
  const eventStore = join(dir, "events.sqlite")
  const merged: Record<string, string | undefined> = {
    ...process.env,
    NIX_CONFIG: "substituters =",
    CIM_NIX_PORT: "0",
    CIM_NIX_TOKEN: token,
    CIM_NIX_ROOTS: root,
    CIM_NIX_EVENT_STORE: `sqlite:${eventStore}`,
    XDG_STATE_HOME: join(dir, "state"),
    ...env
  }
  const child = spawn(process.execPath, [bundle], {
    env: Object.fromEntries(Object.entries(merged).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"]
  })
  let output = ""
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
    const onData = () => {
      const found = /listening on (http:\/\/\S+)/.exec(output)?.[1]
      if (found !== undefined) resolve(found)
    }
    child.stdout.on("data", onData)
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before listening:\n${output}`)))
  })
  const exited = once(child, "exit") as Promise<[number | null, string | null]>
  const bearer = merged.CIM_NIX_TOKEN ?? ""
  const violations: Array<string> = []
  return {
    url,
    child,
    dir,
    root,
    eventStore,
    token: bearer,
    output: () => output,
    request: async (path, init = {}) => {
      const response = await fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${bearer}`, ...(init.headers as Record<string, string>) } })
      const violation = await Conformance.check(init.method ?? "GET", path, response)
      if (violation !== undefined) violations.push(violation)
      return response
    },
    violations: () => violations,
    stop: async () => {
      if (!child.killed && child.exitCode === null) child.kill("SIGTERM")
      return exited
    }
  }
}

