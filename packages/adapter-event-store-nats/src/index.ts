/**
 * @cim-nix/adapter-event-store-nats: the event store on NATS JetStream, CIM's distributed
 * event backbone.
 */
export * as NatsEventStore from "./NatsEventStore.js"
