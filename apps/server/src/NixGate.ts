/**
 * Bounded Nix work: at most `concurrency` requests run Nix at once, at most `queue` more wait
 * for a slot, and anything beyond is refused at once with `Overloaded` (503, `Retry-After`).
 */
import { Effect } from "effect"
import { Overloaded } from "./HttpErrors.js"

/** Runs an effect in an admitted place: a slot, after waiting in the queue when all are taken. */
export type Admitted = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>

/** Runs an effect in a Nix slot, or fails with `Overloaded` when slots and queue are full. */
export interface NixGate {
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E | Overloaded, R>
  /** Admits now (or fails with `Overloaded`) for an effect run later, e.g. by a background job. */
  readonly admit: Effect.Effect<Admitted, Overloaded>
}

/** A gate with `concurrency` slots and a queue of `queue`. */
export const make = (concurrency: number, queue: number): Effect.Effect<NixGate> =>
  Effect.map(Effect.makeSemaphore(concurrency), (slots) => {
    let admitted = 0
    const admit = Effect.suspend((): Effect.Effect<Admitted, Overloaded> => {
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
      return Effect.succeed((effect) => slots.withPermits(1)(effect).pipe(Effect.ensuring(Effect.sync(() => admitted--))))
    })
    const gate = <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.flatMap(admit, (run) => run(effect))
    return Object.assign(gate, { admit })
  })
