import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect, Layer } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { EventStore } from "@cim-nix/application"
import { TestEvents } from "@cim-nix/application/testing"
import { SqliteDatabase, SqliteEventStore } from "../src/index.js"
import { bundle } from "../../../tools/bench/event-store-bundle.mjs"

let dir: string
let child: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "cim-nix-sqlite-processes-"))
  child = join(dir, "child.mjs")
  await bundle(join(import.meta.dirname, "support", "appender.ts"), child)
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

interface Child {
  readonly process: ChildProcess
  /** The next JSON line the child prints. */
  readonly next: () => Promise<Record<string, unknown>>
  readonly exit: Promise<number | null>
}

const start = (filename: string, mode: string, count: number): Child => {
  const proc = spawn(process.execPath, [child, filename, mode, String(count)], { stdio: ["pipe", "pipe", "inherit"] })
  const lines = createInterface({ input: proc.stdout! })[Symbol.asyncIterator]()
  return {
    process: proc,
    next: async () => {
      const line = await lines.next()
      if (line.done === true) throw new Error(`${mode} child ended without output`)
      return JSON.parse(line.value) as Record<string, unknown>
    },
    exit: new Promise((resolve) => proc.once("exit", (code) => resolve(code)))
  }
}

const withStore = <A, E>(filename: string, body: Effect.Effect<A, E, EventStore.EventStore>) =>
  Effect.runPromise(Effect.provide(body, SqliteEventStore.layerFile({ filename })))

const readStream = (aggregateType: string, aggregateId: string) =>
  Effect.flatMap(EventStore.EventStore, (s) => s.readStream({ aggregateType, aggregateId }))

describe("SQLite event store across processes", () => {
  it("two processes opening the same new file at once both get the store (switching it to WAL is retried)", async () => {
    for (let round = 0; round < 8; round++) {
      const filename = join(dir, `new-${round}.sqlite`)
      const children = [start(filename, "race", 1), start(filename, "race", 1)]
      expect(await Promise.all(children.map((c) => c.next()))).toEqual([{ ready: true }, { ready: true }])
      for (const c of children) c.process.stdin!.write("go\n")
      const results = await Promise.all(children.map((c) => c.next()))
      expect(await Promise.all(children.map((c) => c.exit))).toEqual([0, 0])
      expect(results).toContainEqual({ ok: [1, 1] })
      expect(results).toContainEqual({ conflict: 1 })
    }
  })

  it("of two processes appending to one new stream at once, one wins and the other gets a conflict", async () => {
    const filename = join(dir, "race.sqlite")
    await withStore(filename, Effect.void)
    const children = [start(filename, "race", 3000), start(filename, "race", 3000)]
    for (const c of children) expect(await c.next()).toEqual({ ready: true })
    for (const c of children) c.process.stdin!.write("go\n")
    const results = await Promise.all(children.map((c) => c.next()))
    expect(await Promise.all(children.map((c) => c.exit))).toEqual([0, 0])
    expect(results).toContainEqual({ ok: [1, 3000] })
    expect(results).toContainEqual({ conflict: 3000 })
    const stored = await withStore(filename, readStream("Race", "shared"))
    expect(stored.map((e) => e.version)).toEqual(stored.map((_, i) => i + 1))
    expect(stored.length).toBe(3000)
  })

  it("two processes appending with retries lose and duplicate nothing", async () => {
    const filename = join(dir, "retry.sqlite")
    await withStore(filename, Effect.void)
    const children = [start(filename, "retry", 150), start(filename, "retry", 150)]
    const results = await Promise.all(children.map((c) => c.next()))
    expect(await Promise.all(children.map((c) => c.exit))).toEqual([0, 0])
    const stored = await withStore(filename, readStream("Retry", "shared"))
    expect(stored.map((e) => e.version)).toEqual(Array.from({ length: 300 }, (_, i) => i + 1))
    expect(new Set(stored.map((e) => e.eventId))).toEqual(new Set(results.flatMap((r) => r["ids"] as Array<string>)))
  })

  it("a process killed (SIGKILL) during a large append leaves none of it, and the file stays usable", async () => {
    const filename = join(dir, "crash.sqlite")
    const before = await withStore(filename, Effect.flatMap(EventStore.EventStore, (s) =>
      s.append({ aggregateType: "Big", aggregateId: "batch" }, [], "any")))
    expect(before).toEqual([])
    const walSize = () => (existsSync(`${filename}-wal`) ? statSync(`${filename}-wal`).size : 0)
    const initialWal = walSize()
    const c = start(filename, "big", 200_000)
    expect(await c.next()).toEqual({ appending: true })
    // Kill once the uncommitted transaction has spilled a few MB into the WAL: mid-append.
    const deadline = Date.now() + 20_000
    while (walSize() < initialWal + 4_000_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5))
    expect(walSize()).toBeGreaterThan(initialWal + 4_000_000)
    c.process.kill("SIGKILL")
    const output: Array<unknown> = []
    for (;;) {
      const line = await c.next().catch(() => undefined)
      if (line === undefined) break
      output.push(line)
    }
    expect(output).toEqual([])
    expect(await c.exit).toBe(null)
    const reopened = SqliteEventStore.layer().pipe(Layer.provideMerge(SqliteDatabase.layer({ filename })))
    await Effect.runPromise(Effect.gen(function* () {
      const store = yield* EventStore.EventStore
      const db = yield* SqliteDatabase.SqliteDatabase
      expect(yield* db.query("check", "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }])
      expect(yield* store.currentPosition).toBe(0)
      expect(yield* readStream("Big", "batch")).toEqual([])
      const [event] = TestEvents.newEvents({ aggregateType: "Big", aggregateId: "batch" }, 1)
      const stored = yield* store.append({ aggregateType: "Big", aggregateId: "batch" }, [event!], "no-stream")
      expect(stored.map((e) => [e.version, e.position])).toEqual([[1, 1]])
    }).pipe(Effect.provide(reopened)))
  }, 60_000)
})
