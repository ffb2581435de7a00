// Benchmarks of the PostgreSQL event store against plain INSERTs through the same driver
// (packages/adapter-event-store-postgres/test/bench/PostgresEventStore.bench.ts); writes the
// "Event store on PostgreSQL" section of BENCHMARKS.md. Usage:
// node tools/bench/event-store-postgres.mjs [--no-write]   (BENCH_ROUNDS=n, default 3)
import { runBenchmark } from "./report.mjs"

await runBenchmark("event-store-postgres", "packages/adapter-event-store-postgres/test/bench/PostgresEventStore.bench.ts")
