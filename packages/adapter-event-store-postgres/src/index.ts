/**
 * @cim-nix/adapter-event-store-postgres: the event store on PostgreSQL (`PostgresEventStore`),
 * selected by `CIM_NIX_EVENT_STORE=postgres://...`.
 */
export * as PostgresEventStore from "./PostgresEventStore.js"
