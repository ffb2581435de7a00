/** Reads back what a `cim-nix` run recorded in a SQLite event store, through the real adapter. */
import { Chunk, Effect, Stream } from "effect"
import { EventStore } from "@cim-nix/application"
import { SqliteDatabase, SqliteEventStore } from "@cim-nix/adapter-event-store-sqlite"
import type { EventEnvelope } from "@cim-nix/domain"

/** Every event of the SQLite store at `filename`, in global order. */
export const storedEvents = (filename: string): Promise<ReadonlyArray<EventEnvelope.EventEnvelope>> =>
  Effect.runPromise(
    Effect.flatMap(EventStore.EventStore, (store) => Stream.runCollect(store.readAll())).pipe(
      Effect.map(Chunk.toReadonlyArray),
      Effect.provide(SqliteEventStore.layer()),
      Effect.provide(SqliteDatabase.layer({ filename }))
    )
  )
