/**
 * The contract every `ProjectionStore` passes (in memory and SQLite): documents round-trip as
 * JSON, commits write documents and checkpoints of several projections together, lists page in
 * key order, resets forget a projection and nothing else.
 *
 * Call `suite(name, layer)` in a test file; `layer` must give a new, empty store each time it is built.
 */
import { describe, expect, it } from "@effect/vitest"
import { Effect, Layer, Option } from "effect"
import * as ProjectionStore from "../projections/ProjectionStore.js"

const store = ProjectionStore.ProjectionStore

const documents = (entries: ReadonlyArray<readonly [string, unknown]>) => new Map(entries)

/** Registers the contract tests of the store built by `layer`. */
export const suite = <E>(name: string, layer: Layer.Layer<ProjectionStore.ProjectionStore, E>): void => {
  const test = (title: string, body: Effect.Effect<void, unknown, ProjectionStore.ProjectionStore>) =>
    it.live(title, () => Effect.provide(body, layer))

  describe(`ProjectionStore contract: ${name}`, () => {
    test("round-trips documents and checkpoints", Effect.gen(function* () {
      const s = yield* store
      expect(yield* s.checkpoint("flakes")).toEqual(Option.none())
      expect(yield* s.get("flakes", ["a"])).toEqual(new Map())
      const doc = { path: "/home/é/flake", inputs: [{ name: "nixpkgs", follows: null }], count: 3, ok: true, ratio: 0.25 }
      yield* s.commit([{ projection: "flakes", checkpoint: { position: 7, version: 2 }, documents: documents([["a", doc], ["b", "text"]]) }])
      expect(yield* s.checkpoint("flakes")).toEqual(Option.some({ position: 7, version: 2 }))
      expect(yield* s.get("flakes", ["a", "b", "missing"])).toEqual(new Map<string, unknown>([["a", doc], ["b", "text"]]))
      yield* s.commit([{ projection: "flakes", checkpoint: { position: 9, version: 2 }, documents: documents([["a", { replaced: 1 }], ["b", undefined]]) }])
      expect(yield* s.get("flakes", ["a", "b"])).toEqual(new Map([["a", { replaced: 1 }]]))
      expect(yield* s.checkpoint("flakes")).toEqual(Option.some({ position: 9, version: 2 }))
      yield* s.commit([{ projection: "flakes", checkpoint: { position: 10, version: 2 }, documents: new Map() }])
      expect(yield* s.checkpoint("flakes")).toEqual(Option.some({ position: 10, version: 2 }))
    }))

    test("keeps projections apart and commits several together", Effect.gen(function* () {
      const s = yield* store
      yield* s.commit([
        { projection: "one", checkpoint: { position: 3, version: 1 }, documents: documents([["k", 1]]) },
        { projection: "two", checkpoint: { position: 5, version: 4 }, documents: documents([["k", 2], ["", "empty key"]]) }
      ])
      expect(yield* s.list("two")).toEqual([["", "empty key"], ["k", 2]])
      expect(yield* s.get("one", ["k"])).toEqual(new Map([["k", 1]]))
      expect(yield* s.get("two", ["k"])).toEqual(new Map([["k", 2]]))
      expect(yield* s.checkpoint("two")).toEqual(Option.some({ position: 5, version: 4 }))
      yield* s.reset("one")
      expect(yield* s.checkpoint("one")).toEqual(Option.none())
      expect(yield* s.get("one", ["k"])).toEqual(new Map())
      expect(yield* s.list("one")).toEqual([])
      expect(yield* s.get("two", ["k"])).toEqual(new Map([["k", 2]]))
    }))

    test("lists documents in key order, page by page", Effect.gen(function* () {
      const s = yield* store
      const keys = Array.from({ length: 2500 }, (_, i) => `k${String(i).padStart(5, "0")}`)
      const shuffled = [...keys].sort((a, b) => (a.split("").reverse().join("") < b.split("").reverse().join("") ? -1 : 1))
      yield* s.commit([{ projection: "log", checkpoint: { position: 1, version: 1 }, documents: documents(shuffled.map((k) => [k, { k }])) }])
      const first = yield* s.list("log")
      expect(first.length).toBe(ProjectionStore.defaultListLimit)
      expect(first.map(([k]) => k)).toEqual(keys.slice(0, 1000))
      expect(first[0]).toEqual(["k00000", { k: "k00000" }])
      const all: Array<string> = []
      let after: string | undefined
      for (;;) {
        const page = yield* s.list("log", { after, limit: 700 })
        if (page.length === 0) break
        all.push(...page.map(([k]) => k))
        after = page[page.length - 1]![0]
      }
      expect(all).toEqual(keys)
      expect((yield* s.list("log", { after: "k02497" })).map(([k]) => k)).toEqual(["k02498", "k02499"])
      const many = yield* s.get("log", keys)
      expect(many.size).toBe(2500)
    }))
  })
}
