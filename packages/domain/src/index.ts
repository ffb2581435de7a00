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
