import { describe, expect, it } from "@effect/vitest"
import { Effect, Schema, TestClock } from "effect"
import { EventEnvelope } from "@cim-nix/domain"
import { Ids } from "../src/index.js"

describe("Ids.uuidv7", () => {
  it.effect("makes distinct, valid UUIDv7s whose first 48 bits are the clock's milliseconds", () =>
    Effect.gen(function* () {
      yield* TestClock.setTime(0x0192_3456_789a)
      const ids = yield* Ids.uuidv7s(200)
      for (const id of ids) expect(Schema.is(EventEnvelope.EventId)(id)).toBe(true)
      expect(new Set(ids).size).toBe(200)
      expect(ids[0]!.slice(0, 13)).toBe("01923456-789a")
      yield* TestClock.adjust(1)
      expect((yield* Ids.uuidv7).slice(0, 13)).toBe("01923456-789b")
    }))
})
