/**
 * The command endpoints: each decodes its JSON body and confines its paths to the workspace
 * roots (see `Input`), runs the application's handler with the request id as correlation and
 * causation id, and answers with what the handler returns
 * (the recorded events as stored). Handlers that run Nix take a slot of the `NixGate` (503
 * beyond); `POST /builds` with `Prefer: respond-async` runs as a job (see `Jobs`).
 */
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { basename, dirname, join } from "node:path"
import { DateTime, Effect, FiberRef, Option, Schema, Stream } from "effect"
import {
  ActivateConfiguration,
  AddFlakeInput,
  AdoptFlake,
  BuildPackage,
  CheckFlake,
  CreateConfiguration,
  CreateFlake,
  CreateModule,
  CreateOverlay,
  EvaluateExpression,
  FlakeGraph,
  type Nix,
  RemoveFlakeInput,
  RollbackConfiguration,
  RunGarbageCollection,
  SearchNixPackages,
  UpdateFlake
} from "@cim-nix/application"
import { EventEnvelope, Installable, StorePath } from "@cim-nix/domain"
import * as Api from "./Api.js"
import * as Guard from "./Guard.js"
import { body, confined, query } from "./Input.js"
import { NotFound } from "./HttpErrors.js"
import type * as Jobs from "./Jobs.js"
import type * as Lifecycle from "./Lifecycle.js"
import type * as NixGate from "./NixGate.js"
import * as Sse from "./Sse.js"

/**
 * A profile path (a symlink into the store once set) confined by its directory: the directory
 * must be inside the roots, the link itself may point anywhere.
 */
const confinedProfile = (profile: string) =>
  Effect.map(confined(dirname(profile)), (directory) => join(directory, basename(profile)))

/** The causality of the request's command: its request id as correlation and causation. */
const causality = Effect.map(FiberRef.get(Guard.currentRequestId), EventEnvelope.root)

/** What a command handler returns: at least the events it recorded. */
type Recorded = { readonly events: ReadonlyArray<EventEnvelope.EventEnvelope> }

const encodeEvents = Schema.encode(Schema.Array(EventEnvelope.EventEnvelope))

/** The handler's result as JSON, its `events` encoded as stored envelopes. */
const reply = (status: number) => <A extends Recorded>(result: A) =>
  Effect.flatMap(encodeEvents(result.events), (events) => HttpServerResponse.json({ ...result, events }, { status }))

/** A build result as JSON: store paths as text, outputs as an object. */
const builtJson = ({ result, ...built }: BuildPackage.Built) => ({
  ...built,
  installable: Installable.format(result.installable),
  drvPath: StorePath.format(result.drvPath),
  outputs: Object.fromEntries([...result.outputs].map(([name, path]) => [name, StorePath.format(path)])),
  startedAt: result.startedAt,
  stoppedAt: result.stoppedAt,
  built: result.built
})

/** A progress event of a build as JSON (its `Option`s as values or null). */
const progressJson = (event: Nix.BuildEvent) =>
  Object.fromEntries(Object.entries(event).map(([key, value]) => [key, Option.isOption(value) ? Option.getOrNull(value) : value]))

/**
 * A command endpoint: decodes the body, confines its `key` field (a path) to the roots, runs the
 * handler with the request's causality and answers `status` with the result.
 */
const command = <K extends "path" | "file", A extends { readonly [k in K]: string }, I, B extends Recorded, E, R>(
  schema: Schema.Schema<A, I>,
  key: K,
  status: number,
  run: (request: A, causality: EventEnvelope.Causality) => Effect.Effect<B, E, R>
) =>
  Effect.gen(function* () {
    const request = yield* body(schema)
    const confinedPath = yield* confined(request[key])
    return yield* run({ ...request, [key]: confinedPath }, yield* causality)
  }).pipe(Effect.flatMap(reply(status)))

/** A command on a configuration's profile: the flake and the profile's directory confined to the roots. */
const profileCommand = <A extends { readonly flake: string; readonly profile: string }, I, B extends Recorded, E, R>(
  schema: Schema.Schema<A, I>,
  handle: (request: A, causality: EventEnvelope.Causality) => Effect.Effect<B, E, R>,
  gate: NixGate.NixGate
) =>
  Effect.gen(function* () {
    const request = yield* body(schema)
    const target = { flake: yield* confined(request.flake), profile: yield* confinedProfile(request.profile) }
    return yield* gate(handle({ ...request, ...target }, yield* causality))
  }).pipe(Effect.flatMap(reply(200)))

/** What the command routes share with the server. */
export interface Deps {
  /** Bounds the Nix work. */
  readonly gate: NixGate.NixGate
  readonly jobs: Jobs.Jobs
  readonly lifecycle: Lifecycle.Lifecycle
}

/** The handlers of the command endpoints (and of the other endpoints that run Nix), by endpoint name. */
export const handlers = (deps: Deps) => {
  const { gate } = deps
  /** The job named by the `:id` of the path, or 404. */
  const job = Effect.flatMap(HttpRouter.params, ({ id }) =>
    Option.match(deps.jobs.get(id ?? ""), {
      onNone: () => Effect.fail(new NotFound({ message: `no job ${id}`, hint: "jobs live as long as the server process that started them" })),
      onSome: Effect.succeed
    }))
  return {
    createFlake: command(Api.CreateFlakeBody, "path", 201, (request, causality) => gate(CreateFlake.handle({ ...request, causality }))),
    adoptFlake: command(Api.PathQuery, "path", 201, (request, causality) => gate(AdoptFlake.handle({ ...request, causality }))),
    addFlakeInput: command(Api.AddInputBody, "path", 200, (request, causality) => gate(AddFlakeInput.handle({ ...request, causality }))),
    removeFlakeInput: Effect.gen(function* () {
      const request = yield* query(Api.RemoveInputQuery, "give ?path=<flake directory>&name=<input>")
      const path = yield* confined(request.path)
      return yield* gate(RemoveFlakeInput.handle({ path, name: request.name, causality: yield* causality }))
    }).pipe(Effect.flatMap(reply(200))),
    updateFlake: command(Api.UpdateBody, "path", 200, (request, causality) => gate(UpdateFlake.handle({ ...request, causality }))),
    checkFlake: command(Api.PathQuery, "path", 200, (request, causality) =>
      Effect.map(gate(CheckFlake.handle({ ...request, causality })), ({ error: _none, ...checked }) => checked)),
    flakeGraph: Effect.gen(function* () {
      const { format, path } = yield* query(Api.GraphQuery, "give ?path=<flake directory>[&format=json|dot|mermaid]")
      const graph = yield* FlakeGraph.handle({ path: yield* confined(path) })
      return format === "json"
        ? yield* HttpServerResponse.json(graph)
        : HttpServerResponse.text(format === "dot" ? FlakeGraph.toDot(graph) : FlakeGraph.toMermaid(graph))
    }),
    evaluate: Effect.gen(function* () {
      const request = yield* body(Api.EvaluateBody)
      const source = request.source._tag === "File" ? { ...request.source, path: yield* confined(request.source.path) } : request.source
      return yield* gate(EvaluateExpression.handle({ ...request, _tag: "EvaluateExpression", source }, yield* causality))
    }).pipe(Effect.flatMap(reply(200))),
    build: Effect.gen(function* () {
      const request = yield* body(Api.BuildBody)
      const command = { _tag: "BuildPackage" as const, installables: request.installables, outLink: request.outLink === undefined ? undefined : yield* confined(request.outLink) }
      const run = yield* gate.admit
      const caused = yield* causality
      const build = (options: BuildPackage.Options) =>
        run(BuildPackage.handle(command, caused, options)).pipe(
          Effect.flatMap((built) => Effect.forEach(built, (b) => Effect.map(encodeEvents(b.events), (events) => ({ ...builtJson(b), events })))),
          Effect.map((builds) => ({ builds }))
        )
      const prefer = (yield* HttpServerRequest.HttpServerRequest).headers["prefer"] ?? ""
      if (!/\brespond-async\b/.test(prefer)) return yield* HttpServerResponse.json(yield* build({}))
      // Admitted above: beyond the queue the client gets the 503 now, not a failed job.
      const id = yield* deps.jobs.start((progress) => build({ onProgress: (event) => event._tag === "Built" ? Effect.void : progress(progressJson(event)) }))
      const location = `/builds/jobs/${id}`
      return yield* HttpServerResponse.json({ job: id, status: location, stream: `${location}/stream` }, { status: 202, headers: { location } })
    }),
    buildJob: Effect.map(job, (found) =>
      HttpServerResponse.unsafeJson({ id: found.id, status: found.status, ...Option.match(found.outcome, { onNone: () => ({}), onSome: (m) => ({ [m.event]: m.data }) }) })),
    buildJobStream: Effect.map(job, (found) => Sse.response(deps.lifecycle, Stream.map(deps.jobs.stream(found), (m) => Sse.message(m.event, m.data)))),
    collectGarbage: Effect.gen(function* () {
      const collected = yield* gate(RunGarbageCollection.handle({ ...(yield* body(Api.GcBody)), _tag: "RunGarbageCollection" }, yield* causality))
      return { ...collected, result: { ...collected.result, deletedPaths: collected.result.deletedPaths.map(StorePath.format) } }
    }).pipe(Effect.flatMap(reply(200))),
    search: Effect.gen(function* () {
      const search = yield* query(Api.SearchQuery, "give ?flake=<flake reference>&regex=<regular expression>[&refresh=true]")
      const found = yield* gate(SearchNixPackages.handle({ _tag: "SearchNixPackages", ...search, refresh: search.refresh === "true" }))
      return yield* HttpServerResponse.json({ ...found, refreshedAt: DateTime.formatIso(found.refreshedAt) })
    }),
    createConfiguration: Effect.gen(function* () {
      const request = yield* body(Api.CreateConfigurationBody)
      const flake = yield* confined(request.configuration.flake)
      return yield* CreateConfiguration.handle(
        { ...request, configuration: { _tag: "CreateConfiguration", ...request.configuration, flake } },
        yield* causality
      )
    }).pipe(Effect.flatMap(reply(201))),
    activateConfiguration: profileCommand(ActivateConfiguration.Request, ActivateConfiguration.handle, gate),
    rollbackConfiguration: profileCommand(RollbackConfiguration.Request, RollbackConfiguration.handle, gate),
    createModule: command(Api.CreateModuleBody, "file", 201, (request, causality) =>
      CreateModule.handle({ ...request, module: { _tag: "CreateModule", ...request.module } }, causality)),
    createOverlay: command(Api.CreateOverlayBody, "file", 201, (request, causality) =>
      CreateOverlay.handle({ ...request, overlay: { _tag: "CreateOverlay", ...request.overlay } }, causality))
  }
}
