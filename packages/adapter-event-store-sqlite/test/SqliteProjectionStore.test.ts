import { Effect, Layer } from "effect"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { ProjectionStoreContract } from "@cim-nix/application/testing"
import { SqliteDatabase, SqliteProjectionStore } from "../src/index.js"

const fresh = Layer.unwrapScoped(
  Effect.map(
    Effect.acquireRelease(
      Effect.sync(() => mkdtempSync(join(tmpdir(), "cim-nix-sqlite-"))),
      (dir) => Effect.sync(() => rmSync(dir, { recursive: true, force: true }))
    ),
    (dir) => SqliteProjectionStore.layer.pipe(Layer.provide(SqliteDatabase.layer({ filename: join(dir, "events.sqlite") })))
  )
)

ProjectionStoreContract.suite("SQLite", fresh)
