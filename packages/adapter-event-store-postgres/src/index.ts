/**
 * @cim-nix/adapter-event-store-postgres: The EventStore port on postgres.
 */
export * as PostgresEventStore from "./PostgresEventStore.js"
