/**
 * Bounded Nix work: at most `concurrency` requests run Nix at once, at most `queue` more wait
 * for a slot, and anything beyond is refused at once with `Overloaded` (503, `Retry-After`).
 */
import { Effect } from "effect"
import { Overloaded } from "./HttpErrors.js"

/** Runs an effect in a Nix slot, or fails with `Overloaded` when slots and queue are full. */
export type NixGate = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | Overloaded, R>

/** A gate with `concurrency` slots and a queue of `queue`. */
export const make = (concurrency: number, queue: number): Effect.Effect<NixGate> =>
  Effect.map(Effect.makeSemaphore(concurrency), (slots) => {
    let admitted = 0
    return <A, E, R>(effect: Effect.Effect<A, E, R>) =>
      Effect.suspend((): Effect.Effect<A, E | Overloaded, R> => {
        if (admitted >= concurrency + queue) {
          return Effect.fail(
            new Overloaded({
              retryAfter: 5,
              message: `${concurrency} Nix jobs are running and ${queue} are waiting`,
              hint: "retry after the Retry-After delay"
            })
          )
        }
        admitted++
        return slots.withPermits(1)(effect).pipe(Effect.ensuring(Effect.sync(() => admitted--)))
      })
  })
