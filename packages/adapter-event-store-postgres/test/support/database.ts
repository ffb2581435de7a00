/** A database of the test file's own on the test server, created before its tests and dropped after. */
import { Effect, Exit, Layer, Scope } from "effect"
import { randomBytes } from "node:crypto"
import { afterAll, beforeAll } from "vitest"
import type { EventStore } from "@cim-nix/application"
import { PostgresEventStore } from "../../src/index.js"
import { newDatabase, withDatabase } from "../../src/testing.js"

/** Registers the creation and removal of a new database; returns its URL. */
export const temporaryDatabase = (): string => {
  const { name, url } = newDatabase("cim_nix_test")
  const scope = Effect.runSync(Scope.make())
  beforeAll(() => Effect.runPromise(Scope.extend(withDatabase(name), scope)))
  afterAll(() => Effect.runPromise(Scope.close(scope, Exit.void)))
  return url
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
