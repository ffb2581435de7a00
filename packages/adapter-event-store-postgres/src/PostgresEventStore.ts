/**
 * The `EventStore` port on postgres. A stub made by `nx g @cim-nix/tools:adapter`:
 * it compiles, and building `layer` dies with a message saying it is not implemented, so the
 * contract test in test/PostgresEventStore.test.ts fails until the port's operations are written.
 */
import { Effect, Layer } from "effect"
import { EventStore } from "@cim-nix/application"

/** How to reach postgres: rename and extend as the implementation needs. */
export interface Config {
  /** Where postgres is, e.g. a URL or a path. */
  readonly url: string
}

/** The `EventStore` port on postgres, for the lifetime of the layer. */
export const layer = (config: Config): Layer.Layer<EventStore.EventStore> =>
  Layer.effect(
    EventStore.EventStore,
    Effect.dieMessage(`@cim-nix/adapter-event-store-postgres: PostgresEventStore.layer is not implemented yet (asked for ${config.url}); write it in packages/adapter-event-store-postgres/src/PostgresEventStore.ts`)
  )
