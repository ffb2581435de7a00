/**
 * The server's configuration, from the environment: where to listen, the bearer token, the
 * workspace roots, the event store, and the limits (body size, concurrent Nix work, shutdown).
 */
import { Config, Effect, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"

/** Everything `main` needs to start. */
export interface ServerConfig {
  readonly host: string
  readonly port: number
  readonly token: Redacted.Redacted<string>
  /** Where the token came from: `"environment"` or the token file's path. */
  readonly tokenSource: string
  /** Absolute directories requests may touch. */
  readonly roots: ReadonlyArray<string>
  readonly eventStore: string | undefined
  readonly maxBodyBytes: number
  /** Nix-running requests allowed at once, and how many more may wait for a slot. */
  readonly nixConcurrency: number
  readonly nixQueue: number
  /** Seconds `nix` may run per process. */
  readonly nixTimeoutSeconds: number
  /** Seconds in-flight requests get after SIGTERM before they are interrupted. */
  readonly shutdownSeconds: number
}

const stateDir = () => join(process.env.XDG_STATE_HOME || join(process.env.HOME ?? "/", ".local", "state"), "cim-nix")

/**
 * Reads the token file, or creates it with a fresh random token when it does not exist. The
 * file must be readable by its owner only (0600): a file others can read is refused.
 */
const tokenFromFile = (file: string) =>
  Effect.try({
    try: () => {
      try {
        const mode = statSync(file).mode & 0o777
        if ((mode & 0o077) !== 0) {
          throw new Error(`${file} is readable by others (mode ${mode.toString(8)}); run chmod 600 ${file}`)
        }
        return readFileSync(file, "utf8").trim()
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error
        mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
        const token = randomBytes(32).toString("base64url")
        writeFileSync(file, token + "\n", { flag: "wx", mode: 0o600 })
        chmodSync(file, 0o600)
        return token
      }
    },
    catch: (error) => new Error(`token file ${file}: ${(error as Error).message}`)
  })

const positive = (name: string, fallback: number) =>
  Config.integer(name).pipe(
    Config.validate({ message: `${name} must be a positive integer`, validation: (n) => n > 0 }),
    Config.withDefault(fallback)
  )

/** Loads the configuration (`CIM_NIX_*` variables; `CIM_NIX_SERVER_HOST` before `CIM_NIX_HOST` and so on; see the README). */
export const load = Effect.gen(function* () {
  const host = yield* Config.string("CIM_NIX_SERVER_HOST").pipe(Config.orElse(() => Config.string("CIM_NIX_HOST")), Config.withDefault("127.0.0.1"))
  const port = yield* Config.integer("CIM_NIX_SERVER_PORT").pipe(
    Config.orElse(() => Config.integer("CIM_NIX_PORT")),
    Config.validate({ message: "the port must be 0..65535 (0: any free port)", validation: (p) => p >= 0 && p <= 65535 }),
    Config.withDefault(8787)
  )
  const given = process.env.CIM_NIX_SERVER_TOKEN || process.env.CIM_NIX_TOKEN
  const tokenFile = process.env.CIM_NIX_SERVER_TOKEN_FILE || process.env.CIM_NIX_TOKEN_FILE || join(stateDir(), "server-token")
  const token = given ? given : yield* tokenFromFile(tokenFile)
  if (token.length < 16) return yield* Effect.fail(new Error("the token must be at least 16 characters long"))
  const roots = (process.env.CIM_NIX_ROOTS ?? "").split(":").filter((r) => r !== "")
  return {
    host,
    port,
    token: Redacted.make(token),
    tokenSource: given ? "environment" : tokenFile,
    roots: roots.length > 0 ? roots : [process.cwd()],
    eventStore: process.env.CIM_NIX_EVENT_STORE || undefined,
    maxBodyBytes: yield* positive("CIM_NIX_MAX_BODY_BYTES", 1024 * 1024),
    nixConcurrency: yield* positive("CIM_NIX_NIX_CONCURRENCY", 2),
    nixQueue: yield* positive("CIM_NIX_NIX_QUEUE", 16),
    nixTimeoutSeconds: yield* positive("CIM_NIX_TIMEOUT", 600),
    shutdownSeconds: yield* positive("CIM_NIX_SHUTDOWN_SECONDS", 30)
  } satisfies ServerConfig
})
