/**
 * Message and event ids: UUIDv7 (time-ordered), made from Effect's `Clock` and `Random`
 * services so that tests control them (`TestClock`, `Random.make(seed)`).
 */
import { Clock, Effect, Random } from "effect"
import type { EventEnvelope } from "@cim-nix/domain"

const hex = (value: number, digits: number) => value.toString(16).padStart(digits, "0")

/** A fresh UUIDv7: 48 bits of Unix milliseconds, version 7, variant 10, 74 random bits. */
export const uuidv7: Effect.Effect<EventEnvelope.EventId> = Effect.gen(function* () {
  const millis = yield* Clock.currentTimeMillis
  const r = yield* Effect.all(Array.from({ length: 5 }, () => Random.nextIntBetween(0, 0x10000)))
  const time = hex(millis, 12).slice(-12)
  const id = `${time.slice(0, 8)}-${time.slice(8)}-7${hex(r[0]! & 0xfff, 3)}-${hex(0x8000 | (r[1]! & 0x3fff), 4)}-${hex(r[2]!, 4)}${hex(r[3]!, 4)}${hex(r[4]!, 4)}`
  return id as EventEnvelope.EventId
})

/** `n` fresh UUIDv7s, in order. */
export const uuidv7s = (n: number): Effect.Effect<ReadonlyArray<EventEnvelope.EventId>> =>
  Effect.all(Array.from({ length: n }, () => uuidv7))
