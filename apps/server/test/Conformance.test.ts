import { describe, expect, it } from "@effect/vitest"
import * as Conformance from "./Conformance.js"

const jsonResponse = (status: number, body: unknown) => new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } })

describe("Conformance", () => {
  it("accepts a response as declared, and ignores requests to no endpoint", async () => {
    expect(await Conformance.check("GET", "/healthz", jsonResponse(200, { status: "ok" }))).toBeUndefined()
    expect(await Conformance.check("GET", "/builds/jobs/abc?x=1", jsonResponse(404, { error: "NotFound", message: "no job abc", hint: "h" }))).toBeUndefined()
    expect(await Conformance.check("GET", "/nowhere", jsonResponse(418, {}))).toBeUndefined()
  })

  it("reports an undeclared status and a body that does not decode", async () => {
    expect(await Conformance.check("GET", "/healthz", jsonResponse(418, { status: "ok" }))).toContain("418 is not declared for healthz")
    expect(await Conformance.check("GET", "/healthz", jsonResponse(200, { status: "fine" }))).toContain("does not decode")
    expect(await Conformance.check("GET", "/events", jsonResponse(200, [{ position: "one" }]))).toContain("does not decode")
    expect(await Conformance.check("POST", "/modules", jsonResponse(400, { error: "BadRequest" }))).toContain("does not decode")
  })
})
