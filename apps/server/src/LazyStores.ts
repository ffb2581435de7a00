/**
 * The stores, opened when a request first needs them rather than at start: a server whose
 * event store is down (NATS or PostgreSQL not reachable, a SQLite file that cannot be opened)
 * still starts, answers `/healthz`, reports itself not ready on `/readyz`, and answers requests
 * that need the store with `StoreUnavailable` (503, `Retry-After`). Each such request tries to
 * open the stores again, so the server recovers by itself once the store is back.
 */
import { Cause, Context, Effect, ExecutionStrategy, Exit, Layer, Option, Scope, Stream } from "effect"
import { EventStore, ProjectionStore } from "@cim-nix/application"

/** The services opened on demand. */
type Stores = EventStore.EventStore | ProjectionStore.ProjectionStore

/**
 * `stores` as a layer that builds them on first use (one attempt at a time) and keeps them open
 * until its scope closes. `store` names the store in the error of a failed attempt.
 */
export const layer = (stores: Layer.Layer<Stores, EventStore.StoreUnavailable>, store: string): Layer.Layer<Stores> =>
  Layer.scopedContext(
    Effect.gen(function* () {
      const scope = yield* Effect.scope
      const lock = yield* Effect.makeSemaphore(1)
      let opened: Context.Context<Stores> | undefined
      const open = Effect.gen(function* () {
        if (opened !== undefined) return opened
        const attempt = yield* Scope.fork(scope, ExecutionStrategy.sequential)
        const exit = yield* Effect.exit(Layer.buildWithScope(stores, attempt))
        if (Exit.isSuccess(exit)) return (opened = exit.value)
        yield* Scope.close(attempt, exit)
        return yield* Effect.fail(Option.getOrElse(
          Cause.failureOption(exit.cause),
          () => new EventStore.StoreUnavailable({ store, operation: "open", message: `opening ${store} failed`, hint: "see the server log" })
        ))
      })
      // The opened services, or the error of opening them now.
      const get = Effect.suspend(() => (opened !== undefined ? Effect.succeed(opened) : lock.withPermits(1)(open)))
      const events = Effect.map(get, Context.get(EventStore.EventStore))
      const projections = Effect.map(get, Context.get(ProjectionStore.ProjectionStore))
      return Context.make(
        EventStore.EventStore,
        EventStore.EventStore.of({
          append: (stream, newEvents, expected) => Effect.flatMap(events, (s) => s.append(stream, newEvents, expected)),
          readStream: (stream, options) => Effect.flatMap(events, (s) => s.readStream(stream, options)),
          readAll: (options) => Stream.unwrap(Effect.map(events, (s) => s.readAll(options))),
          readAllEncoded: (options) => Stream.unwrap(Effect.map(events, (s) => s.readAllEncoded(options))),
          subscribe: (options) => Stream.unwrap(Effect.map(events, (s) => s.subscribe(options))),
          currentPosition: Effect.flatMap(events, (s) => s.currentPosition)
        })
      ).pipe(
        Context.add(
          ProjectionStore.ProjectionStore,
          ProjectionStore.ProjectionStore.of({
            checkpoint: (projection) => Effect.flatMap(projections, (s) => s.checkpoint(projection)),
            get: (projection, keys) => Effect.flatMap(projections, (s) => s.get(projection, keys)),
            list: (projection, options) => Effect.flatMap(projections, (s) => s.list(projection, options)),
            commit: (commits) => Effect.flatMap(projections, (s) => s.commit(commits)),
            reset: (projection) => Effect.flatMap(projections, (s) => s.reset(projection))
          })
        )
      )
    })
  )
