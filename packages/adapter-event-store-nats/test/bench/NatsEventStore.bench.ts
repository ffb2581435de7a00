/**
 * Benchmarks of the NATS JetStream event store against raw JetStream publishes and reads in the
 * same run, printed as a Markdown section for BENCHMARKS.md (run with
 * `node tools/bench/event-store.mjs nats`; it starts its own nats-server unless
 * `CIM_NIX_TEST_NATS_URL` is set):
 * - appends at their expected versions to one stream, one after the other (batches of 1 and 10),
 *   and to 50 streams at once (each stream's appends in order), against raw `js.publish` of the
 *   same bodies awaited the same way, plain and with `Nats-Msg-Id` +
 *   `Nats-Expected-Last-Subject-Sequence`; rounds interleaved, each on a new JetStream stream;
 * - replay: `readAll` against a raw ordered consumer over the same messages, and a
 *   `DomainHistory` rebuilt into the read models (in memory) from JetStream.
 */
import { DeliverPolicy, jetstream, jetstreamManager } from "@nats-io/jetstream"
import type { JetStreamClient } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import type { NatsConnection } from "@nats-io/transport-node"
import { Context, Duration, Effect, Layer, Schema, Stream } from "effect"
import { readFileSync } from "node:fs"
import * as Os from "node:os"
import { EventStore, ProjectionRunner, ReadModels } from "@cim-nix/application"
import { DomainHistory, InMemoryProjectionStore, TestEvents } from "@cim-nix/application/testing"
import { EventEnvelope } from "@cim-nix/domain"
import * as NatsServer from "../support/natsServer.js"

const rounds = Number(process.env["BENCH_ROUNDS"] ?? 3)
const replayEvents = Number(process.env["BENCH_REPLAY_EVENTS"] ?? 20_000)
const sequential: ReadonlyArray<readonly [batch: number, appends: number]> = [[1, 1000], [10, 300]]
const parallelStreams = 50
const parallelAppends = 20

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!
const seconds = <A, E, R>(body: Effect.Effect<A, E, R>) =>
  Effect.map(Effect.timed(body), ([duration, value]) => [Duration.toMillis(duration) / 1000, value] as const)
const rate = (events: number, s: number) => Math.round(events / s).toLocaleString("en-US")
const encodeEvents = Schema.encodeSync(Schema.Array(EventEnvelope.NewEvent))

type Work = ReadonlyArray<{ readonly stream: EventStore.StreamId; readonly batches: ReadonlyArray<ReadonlyArray<EventEnvelope.NewEvent>> }>

const workload = (streams: number, batch: number, appends: number): Work =>
  Array.from({ length: streams }, (_, s) => {
    const stream = { aggregateType: "Package", aggregateId: `bench-${s}` }
    return { stream, batches: Array.from({ length: appends }, () => TestEvents.newEvents(stream, batch)) }
  })

const count = (work: Work) => work.reduce((n, w) => n + w.batches.reduce((m, b) => m + b.length, 0), 0)

/** Seconds a new store (on a new JetStream stream) takes to append `work`, streams at once, each in order. */
const adapterAppends = (server: NatsServer.Server, work: Work) =>
  Effect.scoped(Effect.gen(function* () {
    const store = Context.get(yield* Layer.build(NatsServer.freshStore(() => server)), EventStore.EventStore)
    const [s] = yield* seconds(Effect.forEach(
      work,
      ({ batches, stream }) => Effect.forEach(batches, (events, i) => store.append(stream, events, i * events.length), { discard: true }),
      { concurrency: "unbounded", discard: true }
    ))
    return s
  }))

/** Seconds raw publishes of the same bodies take on a new stream, awaited like the adapter's appends. */
const rawPublishes = (nc: NatsConnection, js: JetStreamClient, work: Work, checked: boolean) =>
  Effect.promise(async () => {
    const { stream, subjectPrefix } = NatsServer.freshNames()
    const jsm = await jetstreamManager(nc)
    await jsm.streams.add({ name: stream, subjects: [`${subjectPrefix}.>`] })
    const bodies = work.map(({ batches }) => batches.map((events) => JSON.stringify(encodeEvents(events))))
    const start = performance.now()
    await Promise.all(work.map(async ({ batches }, w) => {
      let last = 0
      for (let i = 0; i < batches.length; i++) {
        const subject = `${subjectPrefix}.Package.bench-${w}`
        const ack = checked
          ? await js.publish(subject, bodies[w]![i]!, { msgID: batches[i]![0]!.eventId, expect: { lastSubjectSequence: last } })
          : await js.publish(subject, bodies[w]![i]!)
        last = ack.seq
      }
    }))
    const s = (performance.now() - start) / 1000
    await jsm.streams.delete(stream)
    return s
  })

/** Messages per second a raw ordered consumer reads from `stream`, and events per second through `readAll`. */
const replayAll = (server: NatsServer.Server, js: JetStreamClient, messages: number) =>
  Effect.scoped(Effect.gen(function* () {
    const names = NatsServer.freshNames()
    const store = Context.get(yield* Layer.build(NatsServer.freshStore(() => server, names)), EventStore.EventStore)
    const stream = { aggregateType: "Package", aggregateId: "replay" }
    for (let i = 0; i < messages; i += 100) {
      yield* Effect.forEach(Array.from({ length: 100 }, (_, j) => j), (j) => {
        const s = { ...stream, aggregateId: `replay-${j}` }
        return store.append(s, TestEvents.newEvents(s, 1), i / 100)
      }, { concurrency: "unbounded", discard: true })
    }
    const [adapter, events] = yield* seconds(Stream.runCount(store.readAll({ batchSize: 1000 })))
    const raw = yield* Effect.promise(async () => {
      const consumer = await js.consumers.get(names.stream, { filter_subjects: `${names.subjectPrefix}.>`, deliver_policy: DeliverPolicy.All })
      const start = performance.now()
      let seen = 0
      let done: () => void = () => {}
      const finished = new Promise<void>((resolve) => (done = resolve))
      const consuming = await consumer.consume({ max_messages: 1000, callback: () => {
        if (++seen === messages) done()
      } })
      await finished
      const s = (performance.now() - start) / 1000
      await consuming.close()
      return s
    })
    if (events !== messages) throw new Error(`readAll gave ${events} of ${messages} events`)
    return { adapter, raw }
  }))

const domainReplay = (server: NatsServer.Server) =>
  Effect.scoped(Effect.gen(function* () {
    const context = yield* Layer.build(NatsServer.freshStore(() => server))
    const store = Context.get(context, EventStore.EventStore)
    const [setup] = yield* seconds(DomainHistory.appendAll(store, DomainHistory.history(replayEvents)))
    const [rebuild, reached] = yield* seconds(ProjectionRunner.rebuild(ReadModels.config).pipe(
      Effect.provide(InMemoryProjectionStore.layer),
      Effect.provide(context)
    ))
    if (reached <= 0) throw new Error("nothing replayed")
    return { setup, rebuild }
  }))

const cpuModel = () => /model name\s*:\s*(.*)/.exec(readFileSync("/proc/cpuinfo", "utf8"))?.[1] ?? Os.cpus()[0]?.model ?? "?"

const program = Effect.gen(function* () {
  const server = yield* Effect.acquireRelease(Effect.promise(() => NatsServer.start()), (s) => Effect.promise(() => s.stop()))
  // The raw baselines' client has the adapter's options (no async stack traces).
  const nc = yield* Effect.acquireRelease(Effect.promise(() => connect({ servers: server.url, noAsyncTraces: true })), (nc) => Effect.promise(() => nc.close()))
  const js = jetstream(nc)
  const rows: Array<string> = []
  const cases: Array<readonly [string, Work, number]> = [
    ...sequential.map(([batch, appends]) => [`one stream, ${batch} event(s) per append, one after the other (${appends})`, workload(1, batch, appends), appends] as const),
    [`${parallelStreams} streams at once, 1 event per append, each stream in order (${parallelStreams} x ${parallelAppends})`, workload(parallelStreams, 1, parallelAppends), parallelStreams * parallelAppends] as const
  ]
  for (const [title, work, appends] of cases) {
    const adapter: Array<number> = []
    const checked: Array<number> = []
    const plain: Array<number> = []
    for (let r = 0; r < rounds; r++) {
      adapter.push(yield* adapterAppends(server, work))
      checked.push(yield* rawPublishes(nc, js, work, true))
      plain.push(yield* rawPublishes(nc, js, work, false))
    }
    const events = count(work)
    const [a, c, p] = [median(adapter), median(checked), median(plain)]
    const perAppend = work.length === 1 ? ` (${(a / appends * 1000).toFixed(2)} ms per append)` : ""
    rows.push(`| ${title} | ${rate(events, a)}${perAppend} | ${rate(events, c)} | ${rate(events, p)} | ${(c / a).toFixed(2)} |`)
  }
  const reads = yield* replayAll(server, js, 20_000)
  const domain = yield* domainReplay(server)
  const load = Os.loadavg().map((l) => l.toFixed(1)).join(", ")
  return [
    "## Event store on NATS JetStream (adapter-event-store-nats)",
    "",
    `Run with \`node tools/bench/event-store.mjs nats\` (a few minutes). Measured ${new Date().toISOString().slice(0, 10)} on`,
    `${Os.cpus().length} cores (\`nproc\`) of ${cpuModel()}, ${(Os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version},`,
    `nats-server ${nc.info?.version ?? "?"} (file storage, on the same machine) with @nats-io/transport-node and @nats-io/jetstream 3.4.0;`,
    `load average ${load} at the end (other jobs share the machine: compare columns of one run, not runs).`,
    "",
    `Appends at their expected versions (the server checks \`Nats-Expected-Last-Subject-Sequence\`), medians of ${rounds}`,
    "interleaved rounds, each on a new JetStream stream. Raw = `js.publish` of the same message bodies, awaited the",
    "same way: checked = with `Nats-Msg-Id` and the expected last subject sequence taken from the previous ack",
    "(what the adapter sends, without its headers, cache and decoding), plain = no headers; both on a client with",
    "the adapter's options (`noAsyncTraces`).",
    "",
    "| workload | adapter, events/s | raw checked, events/s | raw plain, events/s | adapter / raw checked |",
    "| --- | --- | --- | --- | --- |",
    ...rows,
    "",
    "Replay (one run each):",
    "",
    "| read | events/s |",
    "| --- | --- |",
    `| \`readAll\` of 20,000 one-event appends over 100 subjects (ordered consumer, decoded envelopes) | ${rate(20_000, reads.adapter)} |`,
    `| the same messages through a raw ordered consumer (no decoding) | ${rate(20_000, reads.raw)} |`,
    `| appending a ${replayEvents.toLocaleString("en-US")}-event \`DomainHistory\`, one event per append at its expected version | ${rate(replayEvents, domain.setup)} |`,
    `| rebuilding the four read models (in memory) from it | ${rate(replayEvents, domain.rebuild)} |`
  ].join("\n")
})

Effect.runPromise(Effect.scoped(program)).then(
  (markdown) => process.stdout.write(`${markdown}\n`),
  (error) => {
    process.stderr.write(`${String(error)}\n`)
    process.exit(1)
  }
)
