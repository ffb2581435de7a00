/**
 * The HTTP API of cim-nix as an `HttpApi` value: every endpoint the server serves, with its
 * method, path, query, headers, body, responses and errors, described by the Schemas of the
 * domain and the application. The router is built from it (`ApiRouter`), so that nothing is
 * served that is not described here, and `GET /openapi.json` is generated from it
 * (`OpenApi.fromApi`). Request bodies and queries are decoded by the schemas exported here.
 */
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSchema, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Schema, SchemaAST as AST } from "effect"
import {
  ActivateConfiguration,
  BuildPackage,
  Configurations,
  CreateConfiguration,
  CreateModule,
  CreateOverlay,
  EvaluateExpression,
  EventLog,
  Flakes,
  FlakeTemplate,
  Packages,
  RollbackConfiguration,
  RunGarbageCollection
} from "@cim-nix/application"
import { Configuration, EventEnvelope, Flake, Module, Overlay } from "@cim-nix/domain"

// ---------------------------------------------------------------------------------------------
// Requests

/** A positive integer in a query string. */
const NumberFromQuery = Schema.NumberFromString.pipe(Schema.int(), Schema.positive())

/** `GET /events`: the filters of ListEvents. */
export const EventsQuery = Schema.Struct({
  aggregateType: Schema.optional(Schema.String),
  aggregateId: Schema.optional(Schema.String),
  type: Schema.optional(Schema.String),
  correlationId: Schema.optional(Schema.String),
  fromPosition: Schema.optional(NumberFromQuery),
  limit: Schema.optional(NumberFromQuery)
})

/** `GET /events/stream`: where to start when no `Last-Event-ID` is sent. */
export const StreamQuery = Schema.Struct({ fromPosition: Schema.optional(NumberFromQuery) })

/** A flake directory (inside the roots). */
export const PathQuery = Schema.Struct({ path: Schema.String })

/** `GET /packages`: one build target. */
export const PackageQuery = Schema.Struct({ flakeRef: Schema.String, attributePath: Schema.String, system: Schema.String })

/** `GET /configurations`: a host of a flake. */
export const ConfigurationQuery = Schema.Struct({ flake: Schema.String, hostname: Schema.String })

/** `GET /flakes/graph`. */
export const GraphQuery = Schema.Struct({
  path: Schema.String,
  format: Schema.optionalWith(Schema.Literal("json", "dot", "mermaid"), { default: () => "json" as const })
})

/** `GET /search`. */
export const SearchQuery = Schema.Struct({
  flake: Schema.String,
  regex: Schema.String,
  refresh: Schema.optional(Schema.Literal("true", "false"))
})

/** `DELETE /flakes/inputs`. */
export const RemoveInputQuery = Schema.Struct({ path: Schema.String, name: Schema.String })

/** `POST /flakes`: CreateFlake's fields. */
export const CreateFlakeBody = Schema.Struct({
  path: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  template: Schema.optionalWith(FlakeTemplate.TemplateName, { default: () => "minimal" as const }),
  inputs: Schema.optionalWith(Schema.Array(Flake.InputSpec), { default: () => [] }),
  force: Schema.optionalWith(Schema.Boolean, { default: () => false }),
  git: Schema.optionalWith(Schema.Boolean, { default: () => false })
})

/** `POST /flakes/inputs`. */
export const AddInputBody = Schema.Struct({ path: Schema.String, input: Flake.InputSpec })

/** `POST /flakes/update`: the inputs to update (all when none). */
export const UpdateBody = Schema.Struct({ path: Schema.String, inputs: Schema.optionalWith(Schema.Array(Schema.String), { default: () => [] }) })

// The command inside a body needs no `_tag`: the endpoint says what it is.

/** `POST /modules`. */
export const CreateModuleBody = Schema.Struct({ ...CreateModule.Request.fields, module: Module.CreateModule.pipe(Schema.omit("_tag")) })

/** `POST /overlays`. */
export const CreateOverlayBody = Schema.Struct({ ...CreateOverlay.Request.fields, overlay: Overlay.CreateOverlay.pipe(Schema.omit("_tag")) })

/** `POST /configurations`. */
export const CreateConfigurationBody = Schema.Struct({
  ...CreateConfiguration.Request.fields,
  configuration: Configuration.CreateConfiguration.pipe(Schema.omit("_tag"))
})

/** `POST /evaluations`. */
export const EvaluateBody = EvaluateExpression.EvaluateExpression.pipe(Schema.omit("_tag"))

/** `POST /builds`. */
export const BuildBody = BuildPackage.BuildPackage.pipe(Schema.omit("_tag"))

/** `POST /gc`. */
export const GcBody = RunGarbageCollection.RunGarbageCollection.pipe(Schema.omit("_tag"))

// ---------------------------------------------------------------------------------------------
// Responses

/** The body of every error response. */
export const ErrorBody = Schema.Struct({
  error: Schema.String.annotations({ description: "the error's tag, e.g. ValidationError" }),
  message: Schema.String,
  hint: Schema.String.annotations({ description: "what to do about it" })
}).annotations({ identifier: "Error" })

/** An error response with `status`. */
const failure = (status: number, description: string) => ErrorBody.annotations(HttpApiSchema.annotations({ status, description }))

const events = Schema.Array(EventEnvelope.EventEnvelope)

/** What a command answers: the events it recorded (as stored), and `fields`. */
const recorded = <Fields extends Schema.Struct.Fields>(fields: Fields) => Schema.Struct({ ...fields, events })

/** `GET /readyz`, both when ready (200) and not (503). */
export const Readiness = Schema.Struct({
  status: Schema.Literal("ready", "not ready"),
  nix: Schema.Union(Schema.Struct({ ok: Schema.Literal(true), version: Schema.String }), Schema.Struct({ ok: Schema.Literal(false), message: Schema.String })),
  eventStore: Schema.Union(
    Schema.Struct({ ok: Schema.Literal(true), position: Schema.Number }),
    Schema.Struct({ ok: Schema.Literal(false), message: Schema.String })
  )
}).annotations({ identifier: "Readiness" })

/** `GET /flakes/graph` as JSON (`FlakeGraph.FlakeGraph`). */
export const Graph = Schema.Struct({
  path: Schema.String,
  lockVersion: Schema.Number,
  nodes: Schema.Array(Schema.Struct({
    id: Schema.String,
    root: Schema.Boolean,
    original: Schema.optional(Schema.String),
    locked: Schema.optional(Schema.String),
    rev: Schema.optional(Schema.String),
    narHash: Schema.optional(Schema.String),
    lastModified: Schema.optional(Schema.Number),
    ageSeconds: Schema.optional(Schema.Number),
    flake: Schema.Boolean
  })),
  edges: Schema.Array(Schema.Struct({
    from: Schema.String,
    input: Schema.String,
    to: Schema.optional(Schema.String),
    follows: Schema.optional(Schema.Array(Schema.String))
  }))
}).annotations({ identifier: "FlakeGraph" })

/** `GET /search` (`SearchNixPackages.Found`). */
export const Found = Schema.Struct({
  flake: Schema.String,
  hits: Schema.Array(Schema.Struct({ attrPath: Schema.String, pname: Schema.String, version: Schema.String, description: Schema.String })),
  indexed: Schema.Number,
  refreshedAt: Schema.String,
  refreshed: Schema.Boolean
})

/** One built installable of `POST /builds`. */
export const BuildJson = Schema.Struct({
  installable: Schema.String,
  drvPath: Schema.String,
  outputs: Schema.Record({ key: Schema.String, value: Schema.String }),
  startedAt: Schema.Number,
  stoppedAt: Schema.Number,
  built: Schema.Boolean.annotations({ description: "false when the outputs were already valid" }),
  events
})

/** `POST /builds` with `Prefer: respond-async`, 202. */
export const AcceptedJob = Schema.Struct({ job: Schema.String, status: Schema.String, stream: Schema.String }).annotations(
  HttpApiSchema.annotations({ status: 202, description: "the build runs as a job: poll `status`, follow `stream`" })
)

/** `GET /builds/jobs/{id}`. */
export const JobJson = Schema.Struct({
  id: Schema.String,
  status: Schema.Literal("running", "succeeded", "failed"),
  result: Schema.optional(Schema.Struct({ builds: Schema.Array(BuildJson) })),
  error: Schema.optional(ErrorBody)
})

/** A `text/event-stream` response. */
const EventStream = (description: string) => HttpApiSchema.Text({ contentType: "text/event-stream" }).annotations({ description })

const created = { status: 201 } as const

// ---------------------------------------------------------------------------------------------
// The API

/** The bearer token every endpoint but `/healthz` and the documentation needs. */
export class Authorization extends HttpApiMiddleware.Tag<Authorization>()("Authorization", {
  security: { bearer: HttpApiSecurity.bearer }
}) {}

const badRequest = failure(400, "the request does not decode, a value is invalid, or a path is outside the workspace roots")
const notFound = failure(404, "nothing is recorded under this key")
const conflict = failure(409, "a concurrent command changed the aggregate, the file exists, or the flake's state refuses the command (recorded already, not recorded, a flake.nix that cannot be edited)")
const nixFailed = failure(422, "Nix refused the flake or the build failed (a failed build is recorded first)")
const commandError = failure(502, "a Nix command failed")
const timedOut = failure(504, "a Nix command exceeded CIM_NIX_TIMEOUT")

// The helpers below add to the description at run time and keep their argument's static type:
// at the type level only the endpoints' names are used (`EndpointName`, for `ApiRouter`).

/** The errors of every endpoint that needs the token. */
const guarded = <G extends HttpApiGroup.HttpApiGroup.Any>(group: G) =>
  (group as unknown as HttpApiGroup.HttpApiGroup.AnyWithProps)
    .middleware(Authorization)
    .addError(failure(401, "no or a wrong bearer token"))
    .addError(failure(413, "the body is over CIM_NIX_MAX_BODY_BYTES"))
    .addError(failure(500, "an unexpected error (see the server log)"))
    .addError(failure(503, "the event store is unavailable, all Nix slots and the queue are taken, or the server is shutting down; see Retry-After")) as unknown as G

/** The errors of an endpoint that runs Nix. */
const nix = <E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E) =>
  (endpoint as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps).addError(nixFailed).addError(commandError).addError(timedOut) as unknown as E

/** The errors of a command on a recorded flake (it runs Nix). */
const onFlake = <E extends HttpApiEndpoint.HttpApiEndpoint.Any>(endpoint: E) =>
  (nix(endpoint) as unknown as HttpApiEndpoint.HttpApiEndpoint.AnyWithProps).addError(badRequest).addError(notFound).addError(conflict) as unknown as E

const probes = HttpApiGroup.make("probes")
  .add(HttpApiEndpoint.get("healthz", "/healthz").addSuccess(Schema.Struct({ status: Schema.Literal("ok") })).annotate(OpenApi.Description, "The process is up. Needs no token."))
  .add(
    HttpApiEndpoint.get("readyz", "/readyz")
      .middleware(Authorization)
      .addSuccess(Readiness)
      .addError(Readiness.annotations(HttpApiSchema.annotations({ status: 503, description: "nix or the event store does not answer (Retry-After: 5)" })))
      .addError(failure(401, "no or a wrong bearer token"))
      .annotate(OpenApi.Description, "`nix --version` answers and the event store gives its position.")
  )
  .annotate(OpenApi.Description, "Liveness and readiness.")

const docs = HttpApiGroup.make("docs")
  .add(HttpApiEndpoint.get("openapi", "/openapi.json").addSuccess(Schema.Unknown.annotations({ description: "this document" })))
  .add(HttpApiEndpoint.get("docs", "/docs").addSuccess(HttpApiSchema.Text({ contentType: "text/html" }).annotations({ description: "Swagger UI on /openapi.json" })))
  .add(
    HttpApiEndpoint.get("docsAsset", "/docs/:file")
      .setPath(Schema.Struct({ file: Schema.String }))
      .addSuccess(HttpApiSchema.Text({ contentType: "application/octet-stream" }).annotations({ description: "a file of Swagger UI" }))
      .addError(failure(404, "no such file"))
  )
  .annotate(OpenApi.Description, "This API description and its interactive page. Need no token.")

const eventsGroup = guarded(
  HttpApiGroup.make("events")
    .add(
      HttpApiEndpoint.get("listEvents", "/events")
        .setUrlParams(EventsQuery)
        .addSuccess(Schema.Array(EventLog.Entry))
        .addError(badRequest)
        .annotate(OpenApi.Description, "The event log (ListEvents): events without payloads, oldest first, at most `limit` (100).")
    )
    .add(
      HttpApiEndpoint.get("eventStream", "/events/stream")
        .setUrlParams(StreamQuery)
        .setHeaders(Schema.Struct({ "last-event-id": Schema.optional(Schema.String) }))
        .addSuccess(EventStream("`id:` global position, `event:` type, `data:` the stored envelope; then live"))
        .addError(badRequest)
        .annotate(
          OpenApi.Description,
          "Every event from `Last-Event-ID + 1` (a reconnecting client's resume point, no gap, no duplicate) or `fromPosition`, then live."
        )
    )
    .annotate(OpenApi.Description, "The event log.")
)

const flakes = guarded(
  HttpApiGroup.make("flakes")
    .add(HttpApiEndpoint.get("findFlake", "/flakes").setUrlParams(PathQuery).addSuccess(Flakes.FlakeView).addError(badRequest).addError(notFound))
    .add(
      HttpApiEndpoint.get("flakeGraph", "/flakes/graph")
        .setUrlParams(GraphQuery)
        .addSuccess(Graph)
        .addError(badRequest)
        .addError(failure(404, "no flake.lock"))
        .annotate(OpenApi.Description, "The input graph of `flake.lock`; `format=dot` or `mermaid` answers text/plain.")
    )
    .add(
      nix(HttpApiEndpoint.post("createFlake", "/flakes").setPayload(CreateFlakeBody))
        .addSuccess(recorded({ path: Schema.String, file: Schema.String, template: FlakeTemplate.TemplateName }), created)
        .addError(badRequest)
        .addError(conflict)
        .annotate(OpenApi.Description, "CreateFlake: writes flake.nix from a template, locks and checks it when that needs no network.")
    )
    .add(
      nix(HttpApiEndpoint.post("adoptFlake", "/flakes/adopt").setPayload(PathQuery))
        .addSuccess(recorded({ path: Schema.String, description: Schema.String, inputs: Schema.Array(Flake.InputSpec), locked: Schema.Array(Schema.String) }), created)
        .addError(badRequest)
        .addError(notFound)
        .addError(conflict)
        .annotate(OpenApi.Description, "AdoptFlake: records a hand-written flake.nix (its inputs, and the locks of its flake.lock) so that the other flake commands take it; changes no file.")
    )
    .add(
      onFlake(HttpApiEndpoint.post("addFlakeInput", "/flakes/inputs").setPayload(AddInputBody)).addSuccess(recorded({ path: Schema.String, name: Schema.String }))
    )
    .add(
      onFlake(HttpApiEndpoint.del("removeFlakeInput", "/flakes/inputs").setUrlParams(RemoveInputQuery)).addSuccess(recorded({ path: Schema.String, name: Schema.String }))
    )
    .add(
      onFlake(HttpApiEndpoint.post("updateFlake", "/flakes/update").setPayload(UpdateBody))
        .addSuccess(recorded({ path: Schema.String, changes: Schema.Array(Schema.Struct({ input: Schema.String })) }))
    )
    .add(
      onFlake(HttpApiEndpoint.post("checkFlake", "/flakes/check").setPayload(PathQuery)).addSuccess(recorded({ path: Schema.String }))
    )
    .annotate(OpenApi.Description, "Flakes: the read model, the input graph and the commands.")
)

const packages = guarded(
  HttpApiGroup.make("packages")
    .add(HttpApiEndpoint.get("findPackage", "/packages").setUrlParams(PackageQuery).addSuccess(Packages.PackageView).addError(badRequest).addError(notFound))
    .add(
      nix(HttpApiEndpoint.post("build", "/builds").setPayload(BuildBody))
        .setHeaders(Schema.Struct({ prefer: Schema.optional(Schema.String.annotations({ description: "respond-async: answer 202 with a job at once" })) }))
        .addSuccess(Schema.Struct({ builds: Schema.Array(BuildJson) }))
        .addSuccess(AcceptedJob)
        .addError(badRequest)
        .annotate(OpenApi.Description, "BuildPackage: one `nix build` for all installables; PackageBuilt (or PackageBuildFailed, then 422) per installable.")
    )
    .add(
      HttpApiEndpoint.get("buildJob", "/builds/jobs/:id")
        .setPath(Schema.Struct({ id: Schema.String }))
        .addSuccess(JobJson)
        .addError(notFound)
        .annotate(OpenApi.Description, "An async build (the last 1,000 finished jobs are kept).")
    )
    .add(
      HttpApiEndpoint.get("buildJobStream", "/builds/jobs/:id/stream")
        .setPath(Schema.Struct({ id: Schema.String }))
        .addSuccess(EventStream("`progress` events (Nix's structured log), then one `result` or `error`, then the end"))
        .addError(notFound)
    )
    .add(
      nix(HttpApiEndpoint.post("evaluate", "/evaluations").setPayload(EvaluateBody))
        .addSuccess(recorded({ value: Schema.Unknown }))
        .addError(badRequest)
        .annotate(OpenApi.Description, "EvaluateExpression (`nix eval --json`); records ExpressionEvaluated (the result's digest and size).")
    )
    .add(
      nix(HttpApiEndpoint.post("collectGarbage", "/gc").setPayload(GcBody))
        .addSuccess(recorded({
          result: Schema.Struct({ dryRun: Schema.Boolean, deletedPaths: Schema.Array(Schema.String), freedBytes: Schema.Number })
        }))
        .addError(badRequest)
        .annotate(OpenApi.Description, "RunGarbageCollection; records GarbageCollected.")
    )
    .add(
      nix(HttpApiEndpoint.get("search", "/search").setUrlParams(SearchQuery))
        .addSuccess(Found)
        .addError(badRequest)
        .annotate(OpenApi.Description, "SearchNixPackages: indexed with one `nix search` on first use (or `refresh=true`).")
    )
    .annotate(OpenApi.Description, "Packages: builds, evaluations, garbage collection and search.")
)

const configurations = guarded(
  HttpApiGroup.make("configurations")
    .add(
      HttpApiEndpoint.get("findConfiguration", "/configurations")
        .setUrlParams(ConfigurationQuery)
        .addSuccess(Configurations.ConfigurationView)
        .addError(badRequest)
        .addError(notFound)
    )
    .add(
      nix(HttpApiEndpoint.post("createConfiguration", "/configurations"))
        .setPayload(CreateConfigurationBody)
        .addSuccess(recorded({ files: Schema.Array(Schema.String) }), created)
        .addError(badRequest)
        .addError(conflict)
    )
    .add(
      nix(HttpApiEndpoint.post("activateConfiguration", "/configurations/activate").setPayload(ActivateConfiguration.Request))
        .addSuccess(recorded({}))
        .addError(badRequest)
        .addError(conflict)
        .annotate(OpenApi.Description, "ActivateConfiguration; the profile's directory must be inside the roots.")
    )
    .add(
      nix(HttpApiEndpoint.post("rollbackConfiguration", "/configurations/rollback").setPayload(RollbackConfiguration.Request))
        .addSuccess(recorded({}))
        .addError(badRequest)
        .addError(conflict)
    )
    .annotate(OpenApi.Description, "NixOS configurations.")
)

const files = guarded(
  HttpApiGroup.make("files")
    .add(HttpApiEndpoint.post("createModule", "/modules").setPayload(CreateModuleBody).addSuccess(recorded({ file: Schema.String }), created).addError(badRequest).addError(conflict))
    .add(
      HttpApiEndpoint.post("createOverlay", "/overlays").setPayload(CreateOverlayBody).addSuccess(recorded({ file: Schema.String }), created).addError(badRequest).addError(conflict)
    )
    .annotate(OpenApi.Description, "NixOS modules and overlays, printed from the recorded model.")
)

const decodeErrorRef = "#/components/schemas/HttpApiDecodeError"

/**
 * The document without `HttpApiDecodeError`, which `HttpApi.make` declares for every endpoint:
 * this server answers a request that does not decode with `ErrorBody` (400) instead.
 */
const withoutDecodeError = (document: Record<string, unknown>): Record<string, unknown> => {
  const spec = document as unknown as OpenApi.OpenAPISpec
  for (const operations of Object.values(spec.paths)) {
    for (const operation of Object.values(operations) as Array<OpenApi.OpenAPISpecOperation>) {
      const response = operation.responses[400]
      const content = response?.content?.["application/json"]
      if (response === undefined || content === undefined) continue
      const schemas: ReadonlyArray<unknown> = "anyOf" in content.schema ? content.schema.anyOf : [content.schema]
      const kept = schemas.filter((s) => (s as { $ref?: string }).$ref !== decodeErrorRef)
      if (kept.length === 0) delete operation.responses[400]
      else response.content = { "application/json": { schema: (kept.length === 1 ? kept[0] : { anyOf: kept }) as typeof content.schema } }
      response.description = String(badRequest.ast.annotations[AST.DescriptionAnnotationId])
    }
  }
  const { HttpApiDecodeError: _, Issue: __, PropertyKey: ___, ...schemas } = spec.components.schemas
  return { ...spec, components: { ...spec.components, schemas } }
}

/** The API. */
export const Api = HttpApi.make("cim-nix")
  .add(probes)
  .add(docs)
  .add(eventsGroup)
  .add(flakes)
  .add(packages)
  .add(configurations)
  .add(files)
  .annotateContext(OpenApi.annotations({
    title: "cim-nix",
    description: "Nix flakes, packages, modules, overlays and configurations as event-sourced aggregates, over HTTP. " +
      "Every response carries `x-request-id` (the client's, or a fresh UUIDv7), the correlation id of the events the request records.",
    transform: withoutDecodeError
  }))

/** The groups of the API. */
export type Groups = typeof Api extends HttpApi.HttpApi<string, infer G, infer _E, infer _R> ? G : never

/** The name of an endpoint (unique across groups). */
export type EndpointName = HttpApiEndpoint.HttpApiEndpoint.Name<HttpApiGroup.HttpApiGroup.Endpoints<Groups>>
