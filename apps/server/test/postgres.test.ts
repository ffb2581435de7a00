import { afterAll, beforeAll, describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import * as TestServer from "@cim-nix/adapter-event-store-postgres/testing"
import * as Server from "./Server.js"

const database = TestServer.temporaryDatabase("cim_nix_server")
beforeAll(database.create)
afterAll(database.drop)

describe("cim-nix-server with CIM_NIX_EVENT_STORE=postgres://...", { timeout: 120_000 }, () => {
  it("records a command's events in the database, lists them on /events and stops cleanly", async () => {
    const server = await Server.start({ CIM_NIX_EVENT_STORE: database.url })
    try {
      const created = await server.request("/flakes", {
        method: "POST",
        body: JSON.stringify({ path: "pg" }),
        headers: { "content-type": "application/json", "x-request-id": "pg-create-1" }
      })
      expect(created.status).toBe(201)
      const { events } = (await created.json()) as { events: ReadonlyArray<{ eventId: string; type: string }> }
      expect(events.map((e) => e.type)).toEqual(["FlakeCreated", "FlakeChecked"])
      const listed = (await (await server.request("/events?correlationId=pg-create-1")).json()) as ReadonlyArray<{ eventId: string }>
      expect(listed.map((e) => e.eventId)).toEqual(events.map((e) => e.eventId))
      // The events are in PostgreSQL, not in the SQLite file the server would use by default.
      const rows = await Effect.runPromise(TestServer.exec(database.url, "SELECT event_id::text AS id FROM cim_nix.events ORDER BY position"))
      expect(rows.map((r) => (r as { id: string }).id)).toEqual(events.map((e) => e.eventId))
      expect(((await (await server.request("/readyz")).json()) as { eventStore: unknown }).eventStore).toMatchObject({ position: 2 })
      expect(server.violations()).toEqual([])
    } finally {
      expect(await server.stop()).toEqual([0, null])
    }
  })
})
