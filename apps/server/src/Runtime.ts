/**
 * The composition root of `cim-nix-server`: the real `nix` CLI, the event store named by
 * `CIM_NIX_EVENT_STORE` (SQLite by default, NATS JetStream or PostgreSQL), read models in SQLite
 * and the workspace confined to `CIM_NIX_ROOTS`. The stores are opened on first use (see
 * `LazyStores`). Read models are caught up one run at a time.
 */
import { Duration, Effect, Layer } from "effect"
import { EventStore, EventStoreUrl, Nix, ProjectionRunner, ProjectionStore, ReadModels, Workspace } from "@cim-nix/application"
import { NixCli } from "@cim-nix/adapter-nix-cli"
import { NodeWorkspace } from "@cim-nix/adapter-filesystem"
import { SqliteDatabase, SqliteEventStore, SqliteProjectionStore } from "@cim-nix/adapter-event-store-sqlite"
import { NatsEventStore } from "@cim-nix/adapter-event-store-nats"
import { PostgresEventStore } from "@cim-nix/adapter-event-store-postgres"
import * as LazyStores from "./LazyStores.js"
import type { ServerConfig } from "./ServerConfig.js"

/** Every port a request handler may use. */
export type Services = Nix.Nix | EventStore.EventStore | ProjectionStore.ProjectionStore | Workspace.Workspace

/** The stores: SQLite holds events and read models in one file; other stores get a local read-model file. */
const stores = (location: EventStoreUrl.EventStoreUrl) => {
  const readModelsBesideDefault = SqliteDatabase.layer({
    filename: EventStoreUrl.defaultUrl(process.env).replace(/^sqlite:/, "").replace(/events\.sqlite$/, "read-models.sqlite")
  })
  if (location._tag === "Sqlite") {
    return Layer.merge(SqliteEventStore.layer(), SqliteProjectionStore.layer).pipe(
      Layer.provide(SqliteDatabase.layer({ filename: location.path }))
    )
  }
  const events = location._tag === "Nats"
    ? NatsEventStore.layer({ servers: location.servers })
    : PostgresEventStore.layer({ url: location.url })
  return Layer.merge(events, SqliteProjectionStore.layer.pipe(Layer.provide(readModelsBesideDefault)))
}

/** The layer of all ports for the configuration. */
export const layer = (config: ServerConfig) =>
  Layer.unwrapEffect(
    Effect.map(EventStoreUrl.parse(config.eventStore ?? EventStoreUrl.defaultUrl(process.env), process.cwd()), (location) =>
      Layer.mergeAll(
        NixCli.layerWith({ timeout: Duration.seconds(config.nixTimeoutSeconds) }),
        LazyStores.layer(stores(location), EventStoreUrl.redact(config.eventStore ?? EventStoreUrl.defaultUrl(process.env))),
        NodeWorkspace.layerWith({ roots: config.roots })
      ))
  )

/**
 * Brings the read models up to the end of the event store, one run at a time; nothing is run
 * (nothing read but the store's position, nothing written) when no event was appended since
 * the last run reached the end.
 */
export const makeCatchUp = Effect.map(Effect.makeSemaphore(1), (lock) => {
  let reached = -1
  const behind = Effect.flatMap(EventStore.EventStore, (store) => Effect.map(store.currentPosition, (end) => end > reached))
  const run = ProjectionRunner.catchUp(ReadModels.config).pipe(Effect.tap((position) => Effect.sync(() => (reached = Math.max(reached, position)))))
  return Effect.whenEffect(lock.withPermits(1)(Effect.whenEffect(run, behind)), behind)
})
