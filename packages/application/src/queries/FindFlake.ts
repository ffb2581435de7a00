/** FindFlake: the flake in a directory, as the flakes read model knows it (never asks Nix). */
import type { Effect, Option } from "effect"
import { Schema } from "effect"
import { Flake } from "@cim-nix/domain"
import type { StoreUnavailable } from "../ports/EventStore.js"
import * as Flakes from "../projections/Flakes.js"
import * as Projection from "../projections/Projection.js"
import type { ProjectionStore } from "../projections/ProjectionStore.js"

/** The query: the flake's absolute directory. */
export const FindFlake = Schema.TaggedStruct("FindFlake", { path: Schema.String })
export type FindFlake = typeof FindFlake.Type

/** The flake's view, `None` when no flake was created there. */
export const handle = (query: FindFlake): Effect.Effect<Option.Option<Flakes.FlakeView>, StoreUnavailable, ProjectionStore> =>
  Projection.find(Flakes.projection, Flake.aggregateId(query.path))
