import { describe, expect, it } from "@effect/vitest"
import { Effect, Either } from "effect"
import { EventStoreUrl } from "../src/index.js"

describe("EventStoreUrl", () => {
  it.effect("parses sqlite: paths, resolving relative ones against cwd", () =>
    Effect.gen(function* () {
      expect(yield* EventStoreUrl.parse("sqlite:/var/lib/x.sqlite", "/w")).toEqual({ _tag: "Sqlite", url: "sqlite:/var/lib/x.sqlite", path: "/var/lib/x.sqlite" })
      expect(yield* EventStoreUrl.parse("sqlite:///var/x.sqlite", "/w")).toMatchObject({ path: "/var/x.sqlite" })
      expect(yield* EventStoreUrl.parse("sqlite:state/e.sqlite", "/w/")).toMatchObject({ path: "/w/state/e.sqlite" })
    }))

  it.effect("parses nats:// servers", () =>
    Effect.gen(function* () {
      expect(yield* EventStoreUrl.parse("nats://127.0.0.1:4222/", "/")).toEqual({ _tag: "Nats", url: "nats://127.0.0.1:4222", servers: "127.0.0.1:4222" })
    }))

  it.effect("parses postgres:// and postgresql:// URLs as given", () =>
    Effect.gen(function* () {
      for (const url of [
        "postgres://cim:s3cret@db.example:5432/events",
        "postgresql://127.0.0.1/cim?sslmode=require&application_name=x",
        "postgres:///cim?host=/var/run/postgresql",
        "postgres://a:5432,b:5433/cim",
        "postgres://[::1]:5432/cim"
      ]) {
        expect(yield* EventStoreUrl.parse(url, "/")).toEqual({ _tag: "Postgres", url })
      }
    }))

  it.effect("rejects unknown schemes and empty paths with a hint", () =>
    Effect.gen(function* () {
      for (const bad of ["mysql://x", "sqlite:", "nats://", "nats://host:port", "/tmp/x.sqlite", "postgres://", "postgres://h:5432", "postgres://h:port/db", "postgres://h/"]) {
        const r = yield* Effect.either(EventStoreUrl.parse(bad, "/"))
        expect(Either.isLeft(r), bad).toBe(true)
        if (Either.isLeft(r)) expect(r.left.hint).toContain("sqlite:<path")
      }
    }))

  it("defaults to a SQLite file under XDG_STATE_HOME, else ~/.local/state", () => {
    expect(EventStoreUrl.defaultUrl({ XDG_STATE_HOME: "/s", HOME: "/h" })).toBe("sqlite:/s/cim-nix/events.sqlite")
    expect(EventStoreUrl.defaultUrl({ HOME: "/h" })).toBe("sqlite:/h/.local/state/cim-nix/events.sqlite")
    expect(EventStoreUrl.defaultUrl({ XDG_STATE_HOME: "relative", HOME: "/h" })).toBe("sqlite:/h/.local/state/cim-nix/events.sqlite")
  })
})

describe("EventStoreUrl.redact", () => {
  it("drops the password and keeps the rest", () => {
    expect(EventStoreUrl.redact("postgres://cim:s3cret@db:5432/events")).toBe("postgres://cim@db:5432/events")
    expect(EventStoreUrl.redact("postgres://db/events")).toBe("postgres://db/events")
    expect(EventStoreUrl.redact("not a url //u:p@x")).not.toContain("u:p")
  })
})
