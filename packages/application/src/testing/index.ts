/**
 * @cim-nix/application/testing: in-memory adapters of the ports and the contract suites every
 * adapter runs, for tests only (they import vitest and fast-check).
 */
export * as EventStoreContract from "./EventStoreContract.js"
export * as InMemoryEventStore from "./InMemoryEventStore.js"
export * as TestEvents from "./TestEvents.js"
export * as InMemoryProjectionStore from "./InMemoryProjectionStore.js"
export * as ProjectionStoreContract from "./ProjectionStoreContract.js"
export * as DomainHistory from "./DomainHistory.js"
