/**
 * The `EventStore` port on NATS JetStream, CIM's event backbone (ARCHITECTURE.md). One stream
 * (`NIX_EVENTS`) holds the subjects `nix.events.>`; each aggregate instance has its own subject
 * `nix.events.<aggregateType>.<aggregateId>` (tokens escaped, see `internal/subject.ts`). The
 * stream is created at start, or verified when it exists, with limits retention and no limits,
 * file storage, an explicit duplicate window, and deletes and purges denied.
 *
 * Atomic appends. JetStream 2.9 has no atomic multi-message publish, and publishing a call's
 * events one by one could leave half of them stored (a crash between two publishes) where a
 * reader or a writer sees them. So every append call is ONE message: its body is the JSON array
 * of the call's events, its headers carry the envelope ids (`Cim-Event-Id` once per event,
 * `Cim-Event-Type`, `Cim-Correlation-Id`, `Cim-Causation-Id`, the aggregate) and the stream's
 * version after it (`Cim-Stream-Version`). A call is therefore stored whole or not at all. The
 * price: one call holds at most `eventsPerMessage` events and must fit the server's limits
 * (64 KiB of headers, about 50 bytes per event id, and 1 MiB in all by default); a larger one is
 * rejected (`AppendRejected`, reason `TooLarge`).
 *
 * Positions. Event `i` (from 0) of the message at stream sequence `s` has the global position
 * `(s - 1) * eventsPerMessage + i + 1`: strictly increasing in stream order, from 1, with gaps
 * between messages, and the sequence is `floor((position - 1) / eventsPerMessage) + 1`.
 *
 * Expected versions. The server checks them: a publish carries
 * `Nats-Expected-Last-Subject-Sequence` = the sequence of the stream's last message, whose
 * `Cim-Stream-Version` header is the version the writer checked against (the last message of
 * each subject is cached, and re-read when the server says it moved). Of two writers at the same
 * version the server takes one; the other re-reads and gets `ConcurrencyConflict`.
 *
 * Idempotency. `Nats-Msg-Id` is the first event's id, so a retried publish inside the
 * duplicate window is acknowledged as a duplicate and answered with the stored events. A retry
 * after the window fails the version check, and the conflict path then looks the ids up in the
 * subject and answers with the stored events too. What this store does not detect (SQLite does):
 * an id reused at the stream's current version by events that are not all in its last append,
 * and re-appends with expected version `"any"` after the duplicate window.
 *
 * Reads and tails use ordered consumers (one subject for a stream, `nix.events.>` for all): a
 * subscription is one consumer that delivers the catch-up and then the live messages, so there
 * is no seam to lose or repeat an event at.
 */
import type { JetStreamClient, JetStreamManager, StreamConfig } from "@nats-io/jetstream"
import { DeliverPolicy, DiscardPolicy, jetstream, jetstreamManager, JetStreamApiError, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import type { MsgHdrs, NatsConnection } from "@nats-io/transport-node"
import { connect, headers as newHeaders } from "@nats-io/transport-node"
import { Chunk, Duration, Effect, Either, Layer, Option, Stream } from "effect"
import { EventStore } from "@cim-nix/application"
import { EventEnvelope } from "@cim-nix/domain"
import { subject as subjectOf } from "./internal/subject.js"

/** Where and how to store events. */
export interface Config {
  /** The NATS servers, e.g. `"127.0.0.1:4222"`. */
  readonly servers: string | ReadonlyArray<string>
  /** The JetStream stream (default `NIX_EVENTS`). */
  readonly stream?: string | undefined
  /** The subject prefix; the stream holds `<prefix>.>` (default `nix.events`). */
  readonly subjectPrefix?: string | undefined
  /** How long the server remembers message ids to drop duplicate publishes (default 10 minutes). */
  readonly duplicateWindow?: Duration.DurationInput | undefined
  /** How long to wait for the server on each request (default 5 s). */
  readonly timeout?: Duration.DurationInput | undefined
}

/** The most events one append (one message) holds; also the position stride of a message. */
export const eventsPerMessage = 10_000

/** The global position of event `index` (from 0) of the message at stream sequence `seq`. */
export const positionOf = (seq: number, index: number): number => (seq - 1) * eventsPerMessage + index + 1

/** The stream sequence of the message holding `position`. */
export const sequenceOf = (position: number): number => Math.floor((Math.max(position, 1) - 1) / eventsPerMessage) + 1

const header = {
  version: "Cim-Stream-Version",
  eventId: "Cim-Event-Id",
  count: "Cim-Event-Count",
  type: "Cim-Event-Type",
  correlationId: "Cim-Correlation-Id",
  causationId: "Cim-Causation-Id",
  aggregateType: "Cim-Aggregate-Type",
  aggregateId: "Cim-Aggregate-Id"
} as const

/** A stored message, from a consumer or a direct get. */
interface Message {
  readonly seq: number
  readonly subject: string
  readonly headers: MsgHdrs | undefined
  readonly data: Uint8Array
}

/** The last message of a subject, decoded. */
interface Tail {
  readonly seq: number
  readonly version: number
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

const emptyTail: Tail = { seq: 0, version: 0, events: [] }

/** The JSON of a new event; one that does not encode is a defect (appends check their events first). */
const encodeNew = (event: EventEnvelope.NewEvent) => Either.getOrThrowWith(EventEnvelope.encodeNew(event), (error) => error)
const utf8 = new TextEncoder()
const text = new TextDecoder()

/** The most header bytes nats-server accepts on a JetStream message. */
const maxHeaderBytes = 64 * 1024

/** The check `Nats-Expected-Last-Subject-Sequence` failed (JetStream error 10071). */
const wrongLastSequence = 10071

const distinct = (values: ReadonlyArray<string>) => Array.from(new Set(values))

/** Builds the store on an open connection, after creating or verifying its stream. */
export const make = (
  nc: NatsConnection,
  config: Config
): Effect.Effect<EventStore.Service, EventStore.StoreUnavailable> =>
  Effect.gen(function* () {
    const streamName = config.stream ?? "NIX_EVENTS"
    const prefix = config.subjectPrefix ?? "nix.events"
    const store = `nats://${nc.getServer()}/${streamName}`
    const timeout = Duration.toMillis(config.timeout ?? "5 seconds")
    const unavailable = (operation: string, error: unknown, transient = true) =>
      new EventStore.StoreUnavailable({
        store,
        operation,
        message: `${operation} on ${store} failed: ${error instanceof Error ? error.message : String(error)}`,
        hint: transient
          ? "Check that nats-server runs with JetStream enabled (-js) and is reachable, then retry."
          : "Fix the stream's configuration (nats stream info/edit) or choose another stream name.",
        transient
      })
    const attempt = <A>(operation: string, f: () => Promise<A>) =>
      Effect.tryPromise({ try: f, catch: (error) => unavailable(operation, error) })

    const jsm: JetStreamManager = yield* attempt("open", () => jetstreamManager(nc, { timeout }))
    const js: JetStreamClient = jetstream(nc, { timeout })
    yield* ensureStream(jsm, streamName, prefix, Duration.decode(config.duplicateWindow ?? "10 minutes"), unavailable)

    const corrupt = (message: Message, index: number, reason: string) =>
      new EventStore.CorruptEvent({
        store,
        position: positionOf(message.seq, index),
        eventId: message.headers?.values(header.eventId)[index],
        reason,
        message: `event ${index + 1} of the message at stream sequence ${message.seq} (${message.subject}) in ${store} does not decode: ${reason}`,
        hint: "The message was not written by cim-nix or by an incompatible version: inspect it with `nats stream get`."
      })

    /**
     * The envelopes of a message, each event read with `parse` (`EventEnvelope.decodeNew`, or
     * `checkNew` for the JSON form) and given its version and position from the headers.
     */
    const envelopesOf = <A extends EventEnvelope.NewEvent | typeof EventEnvelope.NewEvent.Encoded>(
      parse: (input: unknown) => Either.Either<A, { readonly message: string }>
    ) =>
    (message: Message): Either.Either<ReadonlyArray<A & { readonly version: number; readonly position: number }>, EventStore.CorruptEvent> => {
      let body: unknown
      try {
        body = JSON.parse(text.decode(message.data))
      } catch (error) {
        return Either.left(corrupt(message, 0, `the body is not JSON: ${(error as Error).message}`))
      }
      const version = Number(message.headers?.get(header.version))
      if (!Array.isArray(body) || body.length === 0) return Either.left(corrupt(message, 0, "the body is not a list of events"))
      if (!Number.isInteger(version) || version < body.length) {
        return Either.left(corrupt(message, 0, `the ${header.version} header is missing or too small`))
      }
      const ids = message.headers?.values(header.eventId) ?? []
      const envelopes: Array<A & { readonly version: number; readonly position: number }> = []
      for (let i = 0; i < body.length; i++) {
        const decoded = parse(body[i])
        if (Either.isLeft(decoded)) return Either.left(corrupt(message, i, decoded.left.message))
        const event = decoded.right
        if (subjectOf(prefix, event) !== message.subject) {
          return Either.left(corrupt(message, i, `an event of ${event.aggregateType} ${event.aggregateId} on subject ${message.subject}`))
        }
        if (ids[i] !== event.eventId) return Either.left(corrupt(message, i, `the ${header.eventId} headers do not match the body`))
        envelopes.push({ ...event, version: version - body.length + 1 + i, position: positionOf(message.seq, i) })
      }
      return Either.right(envelopes)
    }

    /**
     * The envelopes of a stream of messages, decoded a chunk at a time (not an effect per
     * message); the events before a corrupt one are emitted, then the stream fails with it.
     */
    const readAllOf = <A>(read: (message: Message) => Either.Either<ReadonlyArray<A>, EventStore.CorruptEvent>) =>
    <E>(messages: Stream.Stream<Message, E>) =>
      Stream.flatMap(Stream.chunks(messages), (chunk) => {
        const envelopes: Array<A> = []
        for (const message of chunk) {
          const decoded = read(message)
          if (Either.isLeft(decoded)) return Stream.concat(Stream.fromIterable(envelopes), Stream.fail(decoded.left))
          for (const envelope of decoded.right) envelopes.push(envelope)
        }
        return Stream.fromChunk(Chunk.unsafeFromArray(envelopes))
      })

    const decode = envelopesOf(EventEnvelope.decodeNew)
    const decodeAll = readAllOf(decode)
    const checkAll = readAllOf(envelopesOf(EventEnvelope.checkNew))

    /** While appending, a stored message that does not decode makes the stream unusable: not a read error. */
    const forAppend = <A>(effect: Effect.Effect<A, EventStore.ReadError>) =>
      Effect.mapError(effect, (e) => e._tag === "CorruptEvent" ? unavailable("append", e.message, false) : e)

    const getMessage = (operation: string, query: { readonly seq: number } | { readonly last_by_subj: string }) =>
      attempt(operation, () => jsm.streams.getMessage(streamName, query)).pipe(
        Effect.map((m) => m === null ? Option.none<Message>() : Option.some<Message>({ seq: m.seq, subject: m.subject, headers: m.header, data: m.data }))
      )

    const tails = new Map<string, Tail>()
    const loadTail = (operation: string, subject: string) =>
      Effect.flatMap(getMessage(operation, { last_by_subj: subject }), Option.match({
        onNone: () => Effect.succeed(emptyTail),
        onSome: (message) =>
          Effect.map(decode(message), (events): Tail => ({
            seq: message.seq,
            version: events[events.length - 1]!.version,
            events
          }))
      })).pipe(Effect.tap((tail) => Effect.sync(() => remember(subject, tail))))
    const remember = (subject: string, tail: Tail) => {
      if (tails.size >= 10_000) tails.clear()
      tails.set(subject, tail)
    }

    /** Ordered-consumer messages on `filter` from stream sequence `from`, forever. */
    const messages = (operation: string, filter: string, from: number, batchSize: number) =>
      Stream.asyncScoped<Message, EventStore.StoreUnavailable>((emit) =>
        Effect.gen(function* () {
          const consumer = yield* attempt(operation, () =>
            js.consumers.get(streamName, {
              filter_subjects: filter,
              deliver_policy: DeliverPolicy.StartSequence,
              opt_start_seq: from
            }))
          // A callback rather than the async iterator: closing an iterator whose next() is
          // pending waits for that next(), which on a live tail never comes. Messages that arrive
          // together are emitted as one chunk.
          let pending: Array<Message> = []
          const flush = () => {
            const chunk = pending
            pending = []
            void emit.chunk(Chunk.unsafeFromArray(chunk))
          }
          const receive = (message: Message) => {
            if (pending.push(message) === 1) queueMicrotask(flush)
          }
          const consuming = yield* Effect.acquireRelease(
            attempt(operation, () => consumer.consume({ max_messages: batchSize, callback: receive })),
            // Not awaited: the server deletes the ordered consumer in the background.
            (consuming) => Effect.sync(() => void consuming.close())
          )
          void consuming.closed().then((error) =>
            emit.fail(unavailable(operation, error ?? "the consumer stopped (connection closed?)"))
          )
        }), "unbounded")

    /** The messages on `filter` from sequence `from` to sequence `until`. */
    const messageRange = (operation: string, filter: string, from: number, until: number, batchSize: number) =>
      until < from
        ? Stream.empty
        : messages(operation, filter, from, batchSize).pipe(Stream.takeUntil((message) => message.seq >= until))

    /** The envelopes of the messages on `filter` from sequence `from` to sequence `until`. */
    const readRange = (operation: string, filter: string, from: number, until: number, batchSize: number) =>
      decodeAll(messageRange(operation, filter, from, until, batchSize))

    const readSubject = (operation: string, subject: string, until: number) =>
      Stream.runCollect(readRange(operation, subject, 1, until, EventStore.defaultBatchSize)).pipe(
        Effect.map((chunk) => Array.from(chunk))
      )

    /** After a version mismatch: a retry of stored events returns them, anything else is the conflict. */
    const conflictOrRetry = (
      stream: EventStore.StreamId,
      events: ReadonlyArray<EventEnvelope.NewEvent>,
      tail: Tail,
      expected: number,
      subject: string
    ) =>
      Effect.gen(function* () {
        const conflict = EventStore.conflict(stream, expected, tail.version)
        // A retry was expected at the version before its events, which are all stored by now.
        if (events.length === 0 || expected >= tail.version) return yield* conflict
        const ids = new Set<string>(events.map((e) => e.eventId))
        const inTail = tail.events.filter((e) => ids.has(e.eventId))
        const stored = inTail.length === ids.size
          ? inTail
          : (yield* forAppend(readSubject("append", subject, tail.seq))).filter((e) => ids.has(e.eventId))
        const retry = yield* EventStore.matchReappend(stream, events, stored)
        return yield* Option.match(retry, { onNone: () => Effect.fail(conflict), onSome: Effect.succeed })
      })

    const headersOf = (stream: EventStore.StreamId, events: ReadonlyArray<EventEnvelope.NewEvent>, version: number) => {
      const h = newHeaders()
      h.set(header.version, String(version))
      h.set(header.count, String(events.length))
      h.set(header.aggregateType, encodeURIComponent(stream.aggregateType))
      h.set(header.aggregateId, encodeURIComponent(stream.aggregateId))
      for (const e of events) h.append(header.eventId, e.eventId)
      for (const v of distinct(events.map((e) => e.type))) h.append(header.type, encodeURIComponent(v))
      for (const v of distinct(events.map((e) => e.correlationId))) h.append(header.correlationId, encodeURIComponent(v))
      for (const v of distinct(events.map((e) => e.causationId))) h.append(header.causationId, encodeURIComponent(v))
      return h
    }

    const tooLarge = (stream: EventStore.StreamId, events: ReadonlyArray<EventEnvelope.NewEvent>, bodyBytes: number, headerBytes: number) =>
      new EventStore.AppendRejected({
        aggregateType: stream.aggregateType,
        aggregateId: stream.aggregateId,
        reason: "TooLarge",
        eventIds: events.map((e) => e.eventId),
        message: `an append of ${events.length} events (${bodyBytes} bytes, ${headerBytes} bytes of headers) exceeds one NATS ` +
          `message (at most ${eventsPerMessage} events, ${maxHeaderBytes} bytes of headers, ${nc.info?.max_payload ?? "?"} bytes in all)`,
        hint: "Split it into several appends (each is atomic on its own), or raise the server's max_payload."
      })

    const append: EventStore.Service["append"] = (stream, events, expectedVersion) =>
      Effect.gen(function* () {
        yield* EventStore.checkAppend(stream, events)
        const subject = subjectOf(prefix, stream)
        const body = utf8.encode(JSON.stringify(events.map(encodeNew)))
        const ids = new Set<string>(events.map((e) => e.eventId))
        const expected = EventStore.expectedNumber(expectedVersion)
        const cached = tails.get(subject)
        let tail = cached ?? (yield* forAppend(loadTail("append", subject)))
        let fresh = cached === undefined
        // The client adds Nats-Msg-Id and Nats-Expected-Last-Subject-Sequence to these headers.
        let headerBytes = 200
        for (const [key, values] of headersOf(stream, events, tail.version + events.length)) {
          for (const value of values) headerBytes += key.length + value.length + 4
        }
        if (
          events.length > eventsPerMessage || headerBytes > maxHeaderBytes ||
          body.length + headerBytes > (nc.info?.max_payload ?? 1024 * 1024)
        ) {
          return yield* tooLarge(stream, events, body.length, headerBytes)
        }
        for (let attempts = 1; ; attempts++) {
          if (expected !== undefined && expected !== tail.version) {
            // Only a tail read from the server just now proves a conflict; a cached one may be stale.
            if (fresh) return yield* conflictOrRetry(stream, events, tail, expected, subject)
          } else {
            const retry = yield* EventStore.matchReappend(stream, events, tail.events.filter((e) => ids.has(e.eventId)))
            if (Option.isSome(retry)) return retry.value
            if (events.length === 0) return []
            const published = yield* publish(subject, body, events[0]!.eventId, tail.seq, headersOf(stream, events, tail.version + events.length))
            if (Option.isSome(published) && !published.value.duplicate) {
              const seq = published.value.seq
              const appended = events.map((e, i): EventEnvelope.EventEnvelope => ({
                ...e,
                version: tail.version + i + 1,
                position: positionOf(seq, i)
              }))
              remember(subject, { seq, version: tail.version + events.length, events: appended })
              return appended
            }
            if (Option.isSome(published)) {
              // Nats-Msg-Id (the first event's id) was seen: answer with the stored events.
              const message = yield* getMessage("append", { seq: published.value.seq })
              const stored = Option.isSome(message) ? yield* forAppend(decode(message.value)) : []
              const duplicate = yield* EventStore.matchReappend(stream, events, stored.filter((e) => ids.has(e.eventId)))
              if (Option.isSome(duplicate)) return duplicate.value
              return yield* Effect.dieMessage(`message ${published.value.seq} answered a duplicate of ${events[0]!.eventId} without it`)
            }
            if (attempts >= 50) return yield* unavailable("append", `${subject} kept moving under ${attempts} attempts`)
          }
          tail = yield* forAppend(loadTail("append", subject))
          fresh = true
        }
      })

    /** Publishes one append; `None` when the subject's last sequence is no longer `lastSeq`. */
    const publish = (subject: string, body: Uint8Array, msgID: string, lastSeq: number, headers: MsgHdrs) =>
      Effect.tryPromise({
        try: () => js.publish(subject, body, { msgID, expect: { lastSubjectSequence: lastSeq }, headers }),
        catch: (error) => error
      }).pipe(
        Effect.map(Option.some),
        Effect.catchAll((error) =>
          error instanceof JetStreamApiError && error.code === wrongLastSequence
            ? Effect.succeed(Option.none())
            : Effect.fail(unavailable("append", error))
        )
      )

    const lastSequence = (operation: string) =>
      Effect.map(attempt(operation, () => jsm.streams.info(streamName)), (info) => info.state.last_seq)

    /** All events from `fromPosition` to the last message when the read starts, read by `read`. */
    const allOf = <A extends { readonly position: number }>(
      read: <E>(messages: Stream.Stream<Message, E>) => Stream.Stream<A, E | EventStore.CorruptEvent>
    ) =>
    (options?: EventStore.ReadAllOptions) => {
      const fromPosition = options?.fromPosition ?? 1
      return Stream.unwrap(Effect.map(lastSequence("readAll"), (until) =>
        read(messageRange("readAll", `${prefix}.>`, sequenceOf(fromPosition), until, options?.batchSize ?? EventStore.defaultBatchSize))
          .pipe(Stream.filter((e) => e.position >= fromPosition))))
    }

    return {
      append,
      readStream: (stream, options) =>
        Effect.gen(function* () {
          const subject = subjectOf(prefix, stream)
          const fromVersion = options?.fromVersion ?? 1
          const tail = yield* loadTail("readStream", subject)
          const events = tail.events.length > 0 && tail.events[0]!.version <= fromVersion
            ? tail.events
            : yield* readSubject("readStream", subject, tail.seq)
          return events.filter((e) => e.version >= fromVersion)
        }),
      readAll: allOf(decodeAll),
      readAllEncoded: allOf(checkAll),
      subscribe: (options) => {
        const fromPosition = options?.fromPosition ?? 1
        return messages("subscribe", `${prefix}.>`, sequenceOf(fromPosition), EventStore.defaultBatchSize).pipe(
          decodeAll,
          Stream.filter((e) => e.position >= fromPosition)
        )
      },
      currentPosition: Effect.gen(function* () {
        const last = yield* lastSequence("currentPosition")
        if (last === 0) return 0
        const message = yield* getMessage("currentPosition", { seq: last })
        const count = Option.isSome(message) ? Number(message.value.headers?.get(header.count)) : NaN
        if (!Number.isInteger(count) || count < 1) {
          return yield* unavailable("currentPosition", `message ${last} has no valid ${header.count} header`, false)
        }
        return positionOf(last, count - 1)
      })
    }
  })

/** Creates the stream when missing; otherwise checks that it keeps events the way this store needs. */
const ensureStream = (
  jsm: JetStreamManager,
  name: string,
  prefix: string,
  duplicateWindow: Duration.Duration,
  unavailable: (operation: string, error: unknown, transient?: boolean) => EventStore.StoreUnavailable
) =>
  Effect.gen(function* () {
    const wanted: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [`${prefix}.>`],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      max_msgs_per_subject: -1,
      duplicate_window: Number(Duration.toNanos(duplicateWindow).pipe(Option.getOrElse(() => BigInt(0)))),
      deny_delete: true,
      deny_purge: true,
      num_replicas: 1
    }
    const existing = yield* Effect.tryPromise({
      try: () => jsm.streams.info(name).then((info) => Option.some(info.config)),
      catch: (error) => error
    }).pipe(Effect.catchAll((error) =>
      error instanceof JetStreamApiError && error.code === 10059
        ? Effect.succeed(Option.none<StreamConfig>())
        : Effect.fail(unavailable("open", error))
    ))
    if (Option.isNone(existing)) {
      yield* Effect.tryPromise({ try: () => jsm.streams.add(wanted), catch: (error) => unavailable("open", error) })
      return
    }
    const config = existing.value
    const differences = [
      config.subjects.includes(`${prefix}.>`) ? [] : [`subjects ${JSON.stringify(config.subjects)} lack ${prefix}.>`],
      (["retention", "storage", "max_msgs", "max_bytes", "max_age", "max_msgs_per_subject", "duplicate_window", "deny_delete", "deny_purge"] as const)
        .filter((key) => config[key] !== wanted[key])
        .map((key) => `${key} is ${JSON.stringify(config[key])}, not ${JSON.stringify(wanted[key])}`)
    ].flat()
    if (differences.length > 0) {
      return yield* unavailable("open", `stream ${name} exists with other settings: ${differences.join("; ")}`, false)
    }
  })

/** The `EventStore` port on NATS JetStream; the connection lives as long as the layer. */
export const layer = (config: Config): Layer.Layer<EventStore.EventStore, EventStore.StoreUnavailable> =>
  Layer.scoped(
    EventStore.EventStore,
    Effect.gen(function* () {
      const servers = typeof config.servers === "string" ? [config.servers] : [...config.servers]
      const nc = yield* Effect.acquireRelease(
        Effect.tryPromise({
          // No async stack traces: the client would otherwise capture a stack for every request
          // (each JetStream publish among them) in case it fails, which took over a tenth of
          // the CPU time of the append benchmark; failures still carry their messages.
          try: () => connect({ servers, timeout: Duration.toMillis(config.timeout ?? "5 seconds"), noAsyncTraces: true }),
          catch: (error) =>
            new EventStore.StoreUnavailable({
              store: `nats://${servers.join(",")}`,
              operation: "open",
              message: `cannot connect to NATS at ${servers.join(", ")}: ${error instanceof Error ? error.message : String(error)}`,
              hint: "Start nats-server with JetStream (nats-server -js) or fix CIM_NIX_EVENT_STORE."
            })
        }),
        (nc) => Effect.promise(() => nc.close())
      )
      return yield* make(nc, config)
    })
  )
