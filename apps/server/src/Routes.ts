/**
 * The HTTP API of cim-nix: probes, the event log (list and live stream) and the read-model
 * queries here, the commands in `Commands`, the documentation in `Docs`, all served at the
 * endpoints `Api` declares. Paths in requests are confined to the workspace roots before anything
 * is read.
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Duration, Effect, Option, Schema, Stream } from "effect"
import {
  EventStore,
  FindConfiguration,
  FindFlake,
  FindPackage,
  ListEvents,
  Nix
} from "@cim-nix/application"
import { Configurations, Flakes, Packages } from "@cim-nix/application"
import { EventEnvelope } from "@cim-nix/domain"
import * as Api from "./Api.js"
import * as ApiRouter from "./ApiRouter.js"
import * as Commands from "./Commands.js"
import * as Docs from "./Docs.js"
import { BadRequest, NotFound } from "./HttpErrors.js"
import { confined, query } from "./Input.js"
import type * as Jobs from "./Jobs.js"
import type * as Lifecycle from "./Lifecycle.js"
import type * as NixGate from "./NixGate.js"
import type * as Runtime from "./Runtime.js"
import * as Sse from "./Sse.js"

/** What the routes share with the rest of the server. */
export interface Deps<R> {
  readonly lifecycle: Lifecycle.Lifecycle
  readonly gate: NixGate.NixGate
  readonly jobs: Jobs.Jobs
  /** Brings the read models up to date before a query reads them. */
  readonly catchUp: Effect.Effect<unknown, unknown, R>
}

/** A read-model document as JSON, or 404. */
const found = <Doc, I>(document: Schema.Schema<Doc, I>, what: string) =>
(view: Option.Option<Doc>): Effect.Effect<HttpServerResponse.HttpServerResponse, unknown> =>
  Option.match(view, {
    onNone: () => Effect.fail(new NotFound({ message: `no ${what} is recorded`, hint: "create it first, or check the key" })),
    onSome: (doc) => Effect.flatMap(Schema.encode(document)(doc), (json) => HttpServerResponse.json(json))
  })

/** `effect`, failing when it takes more than `seconds`. */
const within = <A, E, R>(effect: Effect.Effect<A, E, R>, seconds: number) =>
  Effect.timeoutFail(effect, { duration: Duration.seconds(seconds), onTimeout: () => new Error("timed out") })

/** `GET /readyz`: nix answers `nix --version` and the event store its position. */
const readyz = Effect.gen(function* () {
  const nix = yield* Nix.Nix
  const store = yield* EventStore.EventStore
  const [info, position] = yield* Effect.all([Effect.either(within(nix.info, 20)), Effect.either(within(store.currentPosition, 10))], {
    concurrency: 2
  })
  const ready = info._tag === "Right" && position._tag === "Right"
  return yield* HttpServerResponse.json({
    status: ready ? "ready" : "not ready",
    nix: info._tag === "Right" ? { ok: true, version: info.right.version.text } : { ok: false, message: info.left.message },
    eventStore: position._tag === "Right" ? { ok: true, position: position.right } : { ok: false, message: position.left.message }
  }, { status: ready ? 200 : 503, headers: ready ? {} : { "retry-after": "5" } })
})

/** One server-sent event: `id` is the global position, `event` the event type, `data` the envelope. */
const sse = (envelope: EventEnvelope.EventEnvelope) =>
  Effect.map(EventEnvelope.encode(envelope), (json) => Sse.message(envelope.type, json, envelope.position))

/**
 * `GET /events/stream`: every event from `Last-Event-ID + 1` (a reconnecting client's resume
 * point) or `?fromPosition` (default 1), then live. Ends when the server shuts down.
 */
const eventStream = (lifecycle: Lifecycle.Lifecycle) =>
  Effect.gen(function* () {
    const request = yield* HttpServerRequest.HttpServerRequest
    const { fromPosition } = yield* query(Api.StreamQuery)
    const lastEventId = request.headers["last-event-id"]
    if (lastEventId !== undefined && !/^\d{1,15}$/.test(lastEventId)) {
      return yield* new BadRequest({ message: "Last-Event-ID must be a global position", hint: "send back the id of the last event received" })
    }
    const from = lastEventId === undefined ? fromPosition ?? 1 : Number(lastEventId) + 1
    const store = yield* EventStore.EventStore
    return Sse.response(
      lifecycle,
      store.subscribe({ fromPosition: from }).pipe(
        Stream.mapEffect(sse),
        Stream.catchAll((error) => Stream.make(Sse.message("error", { error: error._tag, message: error.message })))
      )
    )
  })

/** The router: every endpoint of `Api` with its handler (see `ApiRouter`). */
export const make = <R>(deps: Deps<R>): HttpRouter.HttpRouter<unknown, R | Runtime.Services> =>
  ApiRouter.make<R | Runtime.Services>({
    healthz: HttpServerResponse.json({ status: "ok" }),
    readyz,
    ...Docs.handlers(),
    listEvents: Effect.gen(function* () {
      const filters = yield* query(Api.EventsQuery)
      yield* deps.catchUp
      return yield* HttpServerResponse.json(yield* ListEvents.handle({ _tag: "ListEvents", ...filters }))
    }),
    eventStream: eventStream(deps.lifecycle),
    findFlake: Effect.gen(function* () {
      const { path } = yield* query(Api.PathQuery)
      const absolute = yield* confined(path)
      yield* deps.catchUp
      return yield* Effect.flatMap(FindFlake.handle({ _tag: "FindFlake", path: absolute }), found(Flakes.projection.document, `flake at ${absolute}`))
    }),
    findPackage: Effect.gen(function* () {
      const target = yield* query(Api.PackageQuery)
      yield* deps.catchUp
      return yield* Effect.flatMap(FindPackage.handle({ _tag: "FindPackage", ...target }), found(Packages.projection.document, "build of this target"))
    }),
    findConfiguration: Effect.gen(function* () {
      const { flake, hostname } = yield* query(Api.ConfigurationQuery)
      const absolute = yield* confined(flake)
      yield* deps.catchUp
      return yield* Effect.flatMap(
        FindConfiguration.handle({ _tag: "FindConfiguration", flake: absolute, hostname }),
        found(Configurations.projection.document, `configuration ${hostname} of ${absolute}`)
      )
    }),
    ...Commands.handlers(deps)
  })
