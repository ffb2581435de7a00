/**
 * In-flight requests and graceful shutdown: every request fiber is tracked; `drain` stops the
 * listener, answers new requests with 503, ends event streams, waits for in-flight requests up to
 * a deadline, then interrupts what is left (their Nix processes are killed by the adapter); a
 * request that still does not stop ends the process.
 */
import { Deferred, Duration, Effect, Fiber, FiberSet, Schedule } from "effect"
import type { Server } from "node:http"

/** The shared state of one server run. */
export interface Lifecycle {
  /** Completed when shutdown starts. */
  readonly draining: Deferred.Deferred<void>
  readonly inflight: FiberSet.FiberSet
}

/** A lifecycle for the current scope (its fibers are interrupted when the scope closes). */
export const make = Effect.all({ draining: Deferred.make<void>(), inflight: FiberSet.make() })

/** Tracks the current fiber as an in-flight request until it ends. */
export const track = (lifecycle: Lifecycle) =>
  Effect.withFiberRuntime<void>((fiber) => FiberSet.add(lifecycle.inflight, fiber))

/** Stops accepting, lets in-flight requests finish within `deadline`, then interrupts them. */
export const drain = (lifecycle: Lifecycle, server: Server, deadline: Duration.DurationInput) =>
  // In a fiber of its own, interruptible: as a finalizer (of an interrupted fiber, and run without
  // interruption) its timeouts could not stop a wait.
  Effect.flatMap(Effect.forkDaemon(Effect.interruptible(Effect.gen(function* () {
    yield* Deferred.succeed(lifecycle.draining, undefined)
    yield* Effect.sync(() => {
      server.close()
      server.closeIdleConnections()
    })
    yield* FiberSet.size(lifecycle.inflight).pipe(
      Effect.repeat({ until: (n) => n === 0, schedule: Schedule.spaced("25 millis") }),
      Effect.timeout(deadline),
      Effect.ignore
    )
    yield* Effect.sync(() => server.closeAllConnections())
    const stopped = yield* FiberSet.clear(lifecycle.inflight).pipe(Effect.timeout("5 seconds"), Effect.isSuccess)
    if (!stopped) {
      // A request that ignores interruption must not keep the process alive.
      yield* Effect.logError("requests did not stop within 5 seconds of being interrupted; exiting")
      yield* Effect.sync(() => process.exit(1))
    }
  }))), Fiber.join)
