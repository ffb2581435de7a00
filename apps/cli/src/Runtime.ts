/**
 * The composition root of `cim-nix`: the only place where adapters are chosen. The Nix port
 * is the real `nix` CLI; the event store is SQLite (default), NATS JetStream or PostgreSQL,
 * picked from `--event-store` / `CIM_NIX_EVENT_STORE`.
 */
import { Duration, Effect, Layer, Option } from "effect"
import { EventStore, EventStoreUrl, Nix } from "@cim-nix/application"
import { NixCli } from "@cim-nix/adapter-nix-cli"
import { SqliteDatabase, SqliteEventStore } from "@cim-nix/adapter-event-store-sqlite"
import { NatsEventStore } from "@cim-nix/adapter-event-store-nats"
import { PostgresEventStore } from "@cim-nix/adapter-event-store-postgres"
import type * as GlobalOptions from "./GlobalOptions.js"

/** The Nix port with the command's timeout. */
export const nixLayer = (global: GlobalOptions.Global): Layer.Layer<Nix.Nix> =>
  NixCli.layerWith({ timeout: Duration.seconds(global.timeout) })

/** The event store location: the flag, else the environment (both via the option), else the default. */
export const eventStoreUrl = (global: GlobalOptions.Global) =>
  EventStoreUrl.parse(
    Option.getOrElse(global.eventStore, () => EventStoreUrl.defaultUrl(process.env)),
    process.cwd()
  )

/** The event store adapter for a location. */
export const eventStoreLayer = (
  location: EventStoreUrl.EventStoreUrl
): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> => {
  switch (location._tag) {
    case "Sqlite":
      return SqliteEventStore.layer().pipe(Layer.provide(SqliteDatabase.layer({ filename: location.path })))
    case "Nats":
      return NatsEventStore.layer({ servers: location.servers })
    case "Postgres":
      return PostgresEventStore.layer({ url: location.url })
  }
}

/** Opens the event store and reads its current position. */
export const probeEventStore = (location: EventStoreUrl.EventStoreUrl) =>
  Effect.flatMap(EventStore.EventStore, (store) => store.currentPosition).pipe(
    Effect.provide(eventStoreLayer(location)),
    Effect.timeout("10 seconds")
  )
