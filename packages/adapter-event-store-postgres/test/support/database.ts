/**
 * A database of the test file's own on the test server: `CIM_NIX_TEST_POSTGRES_URL` when set
 * (any database on it that the user may connect to and create databases from), else
 * `postgres://postgres@127.0.0.1:5432/postgres`. Created before the file's tests, dropped after.
 */
import * as Reactivity from "@effect/experimental/Reactivity"
import * as PgClient from "@effect/sql-pg/PgClient"
import { Effect, Layer, Redacted } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import type { EventStore } from "@cim-nix/application"
import { PostgresEventStore } from "../../src/index.js"

/** The server the tests use. */
export const serverUrl = process.env["CIM_NIX_TEST_POSTGRES_URL"] ?? "postgres://postgres@127.0.0.1:5432/postgres"

/** Runs one statement in the database at `url` on a connection of its own. */
export const exec = (url: string, statement: string) =>
  Effect.scoped(Effect.flatMap(PgClient.make({ url: Redacted.make(url) }), (sql) => sql.unsafe(statement))).pipe(
    Effect.provide(Reactivity.layer)
  )

const admin = (statement: string) => Effect.runPromise(exec(serverUrl, statement))

/** Registers the creation and removal of a new database; returns its URL. */
export const temporaryDatabase = (): string => {
  const name = `cim_nix_test_${randomBytes(6).toString("hex")}`
  const url = new URL(serverUrl)
  url.pathname = `/${name}`
  beforeAll(() => admin(`CREATE DATABASE ${name}`))
  afterAll(() => admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))
  return url.toString()
}

let schemas = 0

/** A schema name no other layer of this process uses. */
export const freshSchema = (): string => `s${schemas++}_${randomBytes(3).toString("hex")}`

/** A store in a new, empty schema of the database at `url` each time the layer is built. */
export const freshStore = (
  url: string,
  config: Omit<PostgresEventStore.Config, "url" | "schema"> = {}
): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> =>
  Layer.unwrapEffect(Effect.sync(() => PostgresEventStore.layer({ ...config, url, schema: freshSchema() })))
