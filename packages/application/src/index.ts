/**
 * @cim-nix/application: ports (EventStore, Nix, Workspace), command and query handlers, and
 * projections. Imports only the domain and `effect`; adapters implement the ports.
 */
export * as EventStore from "./ports/EventStore.js"
export * as EventStoreUrl from "./config/EventStoreUrl.js"
export * as Projection from "./projections/Projection.js"
export * as ProjectionRunner from "./projections/ProjectionRunner.js"
export * as ProjectionStore from "./projections/ProjectionStore.js"
export * as Nix from "./ports/Nix.js"
export * as Workspace from "./ports/Workspace.js"
export * as CommandHandler from "./commands/CommandHandler.js"
export * as Ids from "./Ids.js"
export * as ReadModels from "./projections/ReadModels.js"
export * as Configurations from "./projections/Configurations.js"
export * as EventLog from "./projections/EventLog.js"
export * as Flakes from "./projections/Flakes.js"
export * as Packages from "./projections/Packages.js"
export * as FindConfiguration from "./queries/FindConfiguration.js"
export * as FindFlake from "./queries/FindFlake.js"
export * as FindPackage from "./queries/FindPackage.js"
export * as ListEvents from "./queries/ListEvents.js"
export * as CreateModule from "./commands/CreateModule.js"
export * as CreateOverlay from "./commands/CreateOverlay.js"
