import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { GarbageCollection } from "../src/index.js"
import { accept, reject } from "./support/aggregate.js"

const run = (fields: Partial<Omit<GarbageCollection.RunGarbageCollection, "_tag">> = {}) =>
  GarbageCollection.RunGarbageCollection.make({ options: { dryRun: false }, freedBytes: 1000, deletedPaths: 3, ...fields })

describe("GarbageCollection", () => {
  it.effect("records runs with their options and totals what real runs freed", () =>
    Effect.gen(function* () {
      const real = yield* accept(GarbageCollection.aggregate, [], run({ options: { dryRun: false, olderThan: "30d", maxFreed: 5000 } }))
      expect(real).toEqual([{ _tag: "GarbageCollected", options: { dryRun: false, olderThan: "30d", maxFreed: 5000 }, freedBytes: 1000, deletedPaths: 3 }])
      const dry = yield* accept(GarbageCollection.aggregate, real, run({ options: { dryRun: true }, freedBytes: 0, deletedPaths: 7 }))
      expect(GarbageCollection.aggregate.fold([...real, ...dry, ...real])).toEqual({ runs: 3, freedBytes: 2000, deletedPaths: 6 })
      expect(GarbageCollection.aggregateId()).toBe("/nix/store")
      expect(GarbageCollection.aggregateId("/tmp/store")).toBe("/tmp/store")
    }))

  it.effect("accepts only ages in days, as nix-collect-garbage does", () =>
    Effect.gen(function* () {
      for (const olderThan of ["5h", "d", "30 d", "-1d", "1.5d"]) {
        expect(yield* reject(GarbageCollection.aggregate, [], run({ options: { dryRun: false, olderThan } }))).toMatchObject({
          _tag: "ValidationError",
          field: "options.olderThan",
          message: `${JSON.stringify(olderThan)} is not an age in days`,
          hint: "Write the age as a number of days followed by d, e.g. 30d: nix-collect-garbage --delete-older-than accepts nothing else."
        })
      }
    }))

  it.effect("rejects counts that are not whole numbers of 0 or more", () =>
    Effect.gen(function* () {
      const cases: ReadonlyArray<readonly [GarbageCollection.RunGarbageCollection, string, string]> = [
        [run({ options: { dryRun: false, maxFreed: -5 } }), "options.maxFreed", "-5 is not a number of bytes"],
        [run({ freedBytes: 1.5 }), "freedBytes", "1.5 is not a number of bytes"],
        [run({ deletedPaths: -1 }), "deletedPaths", "-1 is not a number of store paths"]
      ]
      for (const [command, field, message] of cases) {
        expect(yield* reject(GarbageCollection.aggregate, [], command)).toMatchObject({
          _tag: "ValidationError",
          field,
          message,
          hint: `Give ${field} as a whole number, 0 or more.`
        })
      }
    }))

  it.effect("rejects a dry run that claims to have freed bytes", () =>
    Effect.gen(function* () {
      expect(yield* reject(GarbageCollection.aggregate, [], run({ options: { dryRun: true }, freedBytes: 10 }))).toMatchObject({
        _tag: "ValidationError",
        field: "freedBytes",
        message: "a dry run cannot free bytes, but 10 were reported freed",
        hint: "Report 0 freed bytes for a dry run (the paths it would delete go in deletedPaths)."
      })
    }))
})
