/** FindPackage: the build history of a target, as the packages read model knows it (never asks Nix). */
import type { Option } from "effect"
import { Effect, Schema } from "effect"
import type { ParseError, ValidationError } from "@cim-nix/domain"
import { Package } from "@cim-nix/domain"
import type { StoreUnavailable } from "../ports/EventStore.js"
import * as Packages from "../projections/Packages.js"
import * as Projection from "../projections/Projection.js"
import type { ProjectionStore } from "../projections/ProjectionStore.js"

/** The query: the target as text (flake reference, attribute path, system), spelled any way Nix reads alike. */
export const FindPackage = Schema.TaggedStruct("FindPackage", Package.TargetSpec.fields)
export type FindPackage = typeof FindPackage.Type

/** The target's view, `None` when it was never built; fails when the target does not parse. */
export const handle = (
  query: FindPackage
): Effect.Effect<Option.Option<Packages.PackageView>, StoreUnavailable | ParseError | ValidationError, ProjectionStore> =>
  Effect.flatMap(Package.parseTarget(query), (target) => Projection.find(Packages.projection, Package.aggregateId(target)))
