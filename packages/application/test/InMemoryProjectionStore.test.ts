import { InMemoryProjectionStore, ProjectionStoreContract } from "../src/testing/index.js"

ProjectionStoreContract.suite("in-memory", InMemoryProjectionStore.layer)
