// The PostgreSQL global setup of the tests (tools/vitest/postgres.mjs): it starts a throwaway
// server that answers and removes it afterwards, and refuses at once, saying what to do, a
// CIM_NIX_TEST_POSTGRES_URL where nothing answers.
import { existsSync } from "node:fs"
import { afterEach, describe, expect, it } from "vitest"
import setup, { answers, startServer } from "../vitest/postgres.mjs"

describe("tools/vitest/postgres.mjs", () => {
  const saved = process.env.CIM_NIX_TEST_POSTGRES_URL
  afterEach(() => {
    if (saved === undefined) delete process.env.CIM_NIX_TEST_POSTGRES_URL
    else process.env.CIM_NIX_TEST_POSTGRES_URL = saved
  })

  it("starts a server of its own on a free port that accepts connections, and removes it", async () => {
    const server = await startServer()
    try {
      expect(server.url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/postgres$/)
      expect(server.url).not.toBe(saved)
      expect(await answers(server.url)).toBe(true)
    } finally {
      await server.stop()
    }
    expect(await answers(server.url)).toBe(false)
    expect(existsSync(server.dir)).toBe(false)
  }, 60_000)

  it("refuses a CIM_NIX_TEST_POSTGRES_URL where nothing answers, saying what to do", async () => {
    process.env.CIM_NIX_TEST_POSTGRES_URL = "postgres://postgres@127.0.0.1:1/postgres"
    await expect(setup()).rejects.toThrow(/no PostgreSQL answers at 127\.0\.0\.1:1: start it .*or unset the variable/)
  })

  it("without CIM_NIX_TEST_POSTGRES_URL, provides its server to the tests through it and stops it in the teardown", async () => {
    delete process.env.CIM_NIX_TEST_POSTGRES_URL
    const teardown = await setup()
    const url = process.env.CIM_NIX_TEST_POSTGRES_URL
    try {
      expect(await answers(url)).toBe(true)
    } finally {
      await teardown()
    }
    expect(await answers(url)).toBe(false)
  }, 60_000)
})
