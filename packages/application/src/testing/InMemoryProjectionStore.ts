/**
 * The projection store in memory, for tests: documents are kept as JSON text, so what comes back
 * is a copy shaped exactly like what the SQLite store returns. Runs the `ProjectionStoreContract`.
 */
import { Effect, Layer, Option } from "effect"
import * as ProjectionStore from "../projections/ProjectionStore.js"

interface Projection {
  checkpoint: Option.Option<ProjectionStore.Checkpoint>
  readonly documents: Map<string, string>
}

/** Builds an empty in-memory store. */
export const make: Effect.Effect<ProjectionStore.Service> = Effect.sync(() => {
  const projections = new Map<string, Projection>()
  const projection = (name: string): Projection => {
    const existing = projections.get(name)
    if (existing !== undefined) return existing
    const created: Projection = { checkpoint: Option.none(), documents: new Map() }
    projections.set(name, created)
    return created
  }
  return {
    checkpoint: (name) => Effect.sync(() => projection(name).checkpoint),
    get: (name, keys) =>
      Effect.sync(() => {
        const documents = projection(name).documents
        return new Map(keys.flatMap((key) => {
          const json = documents.get(key)
          return json === undefined ? [] : [[key, JSON.parse(json)] as const]
        }))
      }),
    list: (name, options) =>
      Effect.sync(() =>
        Array.from(projection(name).documents.entries())
          .filter(([key]) => options?.after === undefined || key > options.after)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .slice(0, options?.limit ?? ProjectionStore.defaultListLimit)
          .map(([key, json]) => [key, JSON.parse(json)] as const)
      ),
    commit: (commits) =>
      Effect.sync(() => {
        const encoded = commits.map((c) => ({
          ...c,
          json: Array.from(c.documents, ([key, doc]) => [key, doc === undefined ? undefined : JSON.stringify(doc)] as const)
        }))
        for (const c of encoded) {
          const target = projection(c.projection)
          for (const [key, json] of c.json) {
            if (json === undefined) target.documents.delete(key)
            else target.documents.set(key, json)
          }
          target.checkpoint = Option.some(c.checkpoint)
        }
      }),
    reset: (name) => Effect.sync(() => void projections.delete(name))
  }
})

/** The `ProjectionStore` port in memory; each build of the layer is a new, empty store. */
export const layer: Layer.Layer<ProjectionStore.ProjectionStore> = Layer.effect(ProjectionStore.ProjectionStore, make)
