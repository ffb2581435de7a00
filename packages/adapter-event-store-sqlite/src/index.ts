/**
 * @cim-nix/adapter-event-store-sqlite: the embedded default event store and projection store,
 * in one SQLite file (`SqliteDatabase`).
 */
export * as SqliteDatabase from "./SqliteDatabase.js"
export * as SqliteEventStore from "./SqliteEventStore.js"
export * as SqliteProjectionStore from "./SqliteProjectionStore.js"
