/** FindConfiguration: a NixOS configuration and its generations, as the configurations read model knows it. */
import type { Effect, Option } from "effect"
import { Schema } from "effect"
import { Configuration } from "@cim-nix/domain"
import type { StoreUnavailable } from "../ports/EventStore.js"
import * as Configurations from "../projections/Configurations.js"
import * as Projection from "../projections/Projection.js"
import type { ProjectionStore } from "../projections/ProjectionStore.js"

/** The query: the flake directory and the host name (`nixosConfigurations.<hostname>`). */
export const FindConfiguration = Schema.TaggedStruct("FindConfiguration", { flake: Schema.String, hostname: Schema.String })
export type FindConfiguration = typeof FindConfiguration.Type

/** The configuration's view, `None` when it was never created. */
export const handle = (
  query: FindConfiguration
): Effect.Effect<Option.Option<Configurations.ConfigurationView>, StoreUnavailable, ProjectionStore> =>
  Projection.find(Configurations.projection, Configuration.aggregateId(query))
