/**
 * The composition root of `cim-nix`: the only place where adapters are chosen. The Nix port
 * is the real `nix` CLI; the event store is SQLite (default), NATS JetStream or PostgreSQL,
 * picked from `--event-store` / `CIM_NIX_EVENT_STORE`; read models live in SQLite.
 */
import { Duration, Effect, Layer, Option } from "effect"
import type { EventStore, Nix, ProjectionStore, Workspace } from "@cim-nix/application"
import * as EventStoreUrl from "@cim-nix/application/config/EventStoreUrl"
import type { IoError, ValidationError } from "@cim-nix/domain"
import * as Application from "./Application.js"
import type * as GlobalOptions from "./GlobalOptions.js"

/**
 * A layer built from an adapter module loaded on first use: commands that do not need an
 * adapter (`ref parse`, `derivation show`, `--help`) never load it or its driver, which keeps
 * start-up short.
 */
const lazy = <M, ROut, E>(load: () => Promise<M>, make: (module: M) => Layer.Layer<ROut, E>): Layer.Layer<ROut, E> =>
  Layer.unwrapEffect(Effect.map(Effect.promise(load), make))

/** The Nix port with the command's timeout. */
export const nixLayer = (global: GlobalOptions.Global): Layer.Layer<Nix.Nix> =>
  lazy(() => import("@cim-nix/adapter-nix-cli"), ({ NixCli }) => NixCli.layerWith({ timeout: Duration.seconds(global.timeout) }))

/** The event store location: the flag, else the environment (both via the option), else the default. */
export const eventStoreUrl = (global: GlobalOptions.Global) =>
  EventStoreUrl.parse(
    Option.getOrElse(global.eventStore, () => EventStoreUrl.defaultUrl(process.env)),
    process.cwd()
  )

type Stores = EventStore.EventStore | ProjectionStore.ProjectionStore

/**
 * The event store and the read-model store for a location. With SQLite both share the file;
 * otherwise read models go to a local SQLite file beside the default store (they can be
 * rebuilt from the events at any time).
 */
export const storesLayer = (location: EventStoreUrl.EventStoreUrl): Layer.Layer<Stores, EventStore.StoreUnavailable> => {
  const sqlite = () => import("@cim-nix/adapter-event-store-sqlite")
  const localReadModels = () =>
    lazy(sqlite, ({ SqliteDatabase, SqliteProjectionStore }) =>
      SqliteProjectionStore.layer.pipe(
        Layer.provide(SqliteDatabase.layer({
          filename: EventStoreUrl.defaultUrl(process.env).replace(/^sqlite:/, "").replace(/events\.sqlite$/, "read-models.sqlite")
        }))
      ))
  switch (location._tag) {
    case "Sqlite":
      return lazy(sqlite, ({ SqliteDatabase, SqliteEventStore, SqliteProjectionStore }) =>
        Layer.merge(SqliteEventStore.layer(), SqliteProjectionStore.layer).pipe(Layer.provide(SqliteDatabase.layer({ filename: location.path }))))
    case "Nats":
      return Layer.merge(
        lazy(() => import("@cim-nix/adapter-event-store-nats"), ({ NatsEventStore }) => NatsEventStore.layer({ servers: location.servers })),
        localReadModels()
      )
    case "Postgres":
      return Layer.merge(
        lazy(() => import("@cim-nix/adapter-event-store-postgres"), ({ PostgresEventStore }) => PostgresEventStore.layer({ url: location.url })),
        localReadModels()
      )
  }
}

/**
 * The file roots commands may touch: `CIM_NIX_ROOTS` (colon-separated absolute paths), else the
 * whole file system (the CLI acts for the user who runs it; the server confines requests).
 */
const workspaceRoots = (): ReadonlyArray<string> => {
  const roots = (process.env.CIM_NIX_ROOTS ?? "").split(":").filter((r) => r !== "")
  return roots.length > 0 ? roots : ["/"]
}

/** Every port a command handler needs. */
export type AppServices = Nix.Nix | Stores | Workspace.Workspace

/** The layer of all ports for the given global options. */
export const appLayer = (
  global: GlobalOptions.Global
): Layer.Layer<AppServices, EventStore.StoreUnavailable | IoError | ValidationError> =>
  Layer.unwrapEffect(
    Effect.map(eventStoreUrl(global), (location) =>
      Layer.mergeAll(
        nixLayer(global),
        storesLayer(location),
        lazy(() => import("@cim-nix/adapter-filesystem"), ({ NodeWorkspace }) => NodeWorkspace.layerWith({ roots: workspaceRoots() }))
      )
    )
  )

/** Brings the read models up to the end of the event store (after a command, before a query). */
export const catchUp = Effect.flatMap(Application.load, ({ ProjectionRunner, ReadModels }) => ProjectionRunner.catchUp(ReadModels.config))

/**
 * Runs a command's or query's effect with every port provided; the read models are caught up
 * before it (queries see every recorded event) and after it (the next reader starts current).
 */
export const run = <A, E>(global: GlobalOptions.Global, effect: Effect.Effect<A, E, AppServices>) =>
  catchUp.pipe(Effect.zipRight(effect), Effect.tap(() => catchUp), Effect.provide(appLayer(global)))

/** The location as it may be shown: without the password of a PostgreSQL URL. */
export const displayUrl = (location: EventStoreUrl.EventStoreUrl): string =>
  location._tag === "Postgres" ? EventStoreUrl.redact(location.url) : location.url

/** Opens the event store and reads its current position. */
export const probeEventStore = (location: EventStoreUrl.EventStoreUrl) =>
  Effect.flatMap(Application.load, ({ EventStore }) => Effect.flatMap(EventStore.EventStore, (store) => store.currentPosition)).pipe(
    Effect.provide(storesLayer(location)),
    Effect.timeout("10 seconds")
  )

/**
 * `run` for a command handler's effect, as a pipeable function. Its error type is left unnamed
 * (the root reports any error, `Errors.report`), so that command values need no annotation
 * naming the application's internal error modules.
 */
export const runCommand = (global: GlobalOptions.Global) => <A, E>(effect: Effect.Effect<A, E, AppServices>): Effect.Effect<A, unknown> =>
  run(global, effect)
