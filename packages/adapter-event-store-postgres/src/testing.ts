/**
 * @cim-nix/adapter-event-store-postgres/testing: the PostgreSQL server of the tests and
 * benchmarks (this package's, the CLI's and the server's): `CIM_NIX_TEST_POSTGRES_URL` (set by
 * the tests' global setup, tools/vitest/postgres.mjs, to a throwaway server unless given: any
 * database on it that the user may connect to and create databases from), else
 * `postgres://postgres@127.0.0.1:5432/postgres`. Free of test-runner imports.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect, Exit, Redacted, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { EventStoreUrl } from "@cim-nix/application"

/** The server the tests use. */
export const serverUrl = (): string => process.env["CIM_NIX_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** Runs one statement in the database at `url` on a connection of its own. */
export const exec = (url: string, statement: string) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(url) }), (sql) => sql.unsafe(statement))).pipe(
    Effect.provide(Reactivity.layer)
  )

/** A new database name and its URL on the server; nothing is created yet. */
export const newDatabase = (prefix: string): { readonly name: string; readonly url: string } => {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`
  const url = new URL(serverUrl())
  url.pathname = `/${name}`
  return { name, url: url.toString() }
}

/** Why the test server cannot be used, and what to do about it. */
const unreachable = (cause: unknown) =>
  new Error(
    `The PostgreSQL test server ${EventStoreUrl.redact(serverUrl())} is not usable (${String((cause as { cause?: unknown }).cause ?? cause)}). ` +
      "Run the tests through vitest, whose global setup (tools/vitest/postgres.mjs) starts a server of their own " +
      "(`bash tools/setup.sh` installs PostgreSQL for it), or set CIM_NIX_TEST_POSTGRES_URL to a server whose user may create databases."
  )

/**
 * Creates the database `name` on the server; drops it (closing its connections) when the scope
 * closes. Dies with a message saying what to do when the server cannot be reached.
 */
export const withDatabase = (name: string) =>
  Effect.acquireRelease(
    Effect.catchAll(exec(serverUrl(), `CREATE DATABASE ${name}`), (cause) => Effect.die(unreachable(cause))),
    () => Effect.orDie(exec(serverUrl(), `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  )

/** A database of its own on the server, for a test runner's hooks: `create` before the tests, `drop` after. */
export const temporaryDatabase = (prefix: string) => {
  const { name, url } = newDatabase(prefix)
  const scope = Effect.runSync(Scope.make())
  return {
    url,
    create: (): Promise<void> => Effect.runPromise(Scope.extend(Effect.asVoid(withDatabase(name)), scope)),
    drop: (): Promise<void> => Effect.runPromise(Scope.close(scope, Exit.void))
  }
}
