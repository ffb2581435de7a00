import { EventStoreContract, InMemoryEventStore } from "../src/testing/index.js"

EventStoreContract.suite("in-memory", InMemoryEventStore.layer)
