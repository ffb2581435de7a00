import { EventStoreContract } from "@cim-nix/application/testing"
import * as PostgresEventStore from "../src/PostgresEventStore.js"

// The port's contract suite, unchanged: the layer must give a new, empty postgres each time it is built.
EventStoreContract.suite("postgres", PostgresEventStore.layer({ url: "postgres://replace-me" }))
