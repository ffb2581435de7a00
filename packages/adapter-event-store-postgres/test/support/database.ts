/** A database of the test file's own on the test server, created before its tests and dropped after. */
import { Effect, Layer } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import type { EventStore } from "@cim-nix/application"
import { PostgresEventStore } from "../../src/index.js"
import * as TestServer from "../../src/testing.js"

/** Registers the creation and removal of a new database; returns its URL. */
export const temporaryDatabase = (): string => {
  const database = TestServer.temporaryDatabase("cim_nix_test")
  beforeAll(database.create)
  afterAll(database.drop)
  return database.url
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
