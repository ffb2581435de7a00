/**
 * @cim-nix/domain: the pure Nix domain. Value objects, the Nix expression printer, aggregates,
 * commands, events and errors. Imports only `effect`: no I/O, no clock, no randomness.
 */
export * from "./Errors.js"
export * as EventEnvelope from "./EventEnvelope.js"
export * as NixVersion from "./NixVersion.js"
export * as StorePath from "./StorePath.js"
export * as Derivation from "./Derivation.js"
export * as FlakeRef from "./FlakeRef.js"
export * as AttributePath from "./AttributePath.js"
export * as Installable from "./Installable.js"
export * as Aggregate from "./Aggregate.js"
export * as Json from "./Json.js"
export * as Hostname from "./Hostname.js"
export * as NixSystem from "./NixSystem.js"
export * as OptionType from "./OptionType.js"
export * as Module from "./Module.js"
export * as Overlay from "./Overlay.js"
export * as Evaluation from "./Evaluation.js"
export * as GarbageCollection from "./GarbageCollection.js"
export * as NixExpr from "./NixExpr.js"
export * as Configuration from "./Configuration.js"
export * as Flake from "./Flake.js"
