import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as TestServer from "@cim-nix/adapter-event-store-postgres/testing"
import { cimNix } from "./cli.js"
import { testEnv } from "./testFlake.js"

const database = TestServer.temporaryDatabase("cim_nix_cli")
beforeAll(database.create)
afterAll(database.drop)

/** Runs cim-nix on the test database (through CIM_NIX_EVENT_STORE); it must succeed and exit within 15 seconds. */
const run = async (args: ReadonlyArray<string>, env: Record<string, string>) => {
  const started = Date.now()
  const result = await cimNix([...args, "--json"], { ...env, CIM_NIX_EVENT_STORE: database.url }, 15_000)
  expect({ args, code: result.code, stderr: result.stderr, exitedWithin15s: Date.now() - started < 15_000 })
    .toEqual({ args, code: 0, stderr: "", exitedWithin15s: true })
  return JSON.parse(result.stdout)
}

describe("cim-nix with a PostgreSQL event store", { timeout: 120_000 }, () => {
  it("doctor reports the store as usable and exits at once", async () => {
    const started = Date.now()
    const result = await cimNix(["doctor", "--json", "--event-store", database.url], testEnv(), 15_000)
    expect(Date.now() - started).toBeLessThan(10_000)
    expect(result.code).toBe(0)
    expect(JSON.parse(result.stdout).eventStore).toEqual({ url: database.url, kind: "Postgres", ok: true, position: 0 })
  })

  it("records a flake's creation in the database, reads it back and rebuilds the read models from it; every command exits", async () => {
    const env = testEnv()
    const dir = join(mkdtempSync(join(tmpdir(), "cim-nix-pg-")), "f")
    const created = await run(["flake", "create", dir], env)
    const events = await run(["events"], env)
    expect(events.map((e: { type: string }) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
    expect(events.map((e: { eventId: string }) => e.eventId)).toEqual(created.events)
    // The events are in PostgreSQL, not in a SQLite file.
    const rows = await Effect.runPromise(TestServer.exec(database.url, "SELECT event_id::text AS id FROM cim_nix.events ORDER BY position"))
    expect(rows.map((r) => (r as { id: string }).id)).toEqual(created.events)
    expect((await run(["flake", "show", dir], env)).path).toBe(dir)
    expect(await run(["projections", "rebuild"], env)).toMatchObject({ position: events[1].position })
    expect((await run(["flake", "show", dir], testEnv())).path).toBe(dir)
  })
})
