/**
 * The middleware every request passes: a request id (`x-request-id`, given or a fresh UUIDv7)
 * echoed in the response and available to handlers as the correlation id of the events the
 * request causes (an invalid given id is replaced); 503 while shutting down; the bearer token (except on the open endpoints: `/healthz` and the documentation), compared in
 * constant time; and the body size limit (413).
 */
import { HttpApp, HttpIncomingMessage, HttpMiddleware, HttpServerRequest, HttpServerResponse } from "@effect/platform"
import { Deferred, Effect, FiberRef, Option, Redacted } from "effect"
import { createHash, timingSafeEqual } from "node:crypto"
import { Ids } from "@cim-nix/application"
import * as ApiRouter from "./ApiRouter.js"
import { Overloaded, PayloadTooLarge, Unauthorized } from "./HttpErrors.js"
import * as HttpErrors from "./HttpErrors.js"
import * as Lifecycle from "./Lifecycle.js"

/** The id of the request being handled. */
export const currentRequestId = FiberRef.unsafeMake("")

/** What the guard checks against. */
export interface Options {
  readonly token: Redacted.Redacted<string>
  readonly maxBodyBytes: number
  readonly lifecycle: Lifecycle.Lifecycle
}

const digest = (text: string) => createHash("sha256").update(text).digest()

/** Equal tokens, in time independent of where they differ (and of their lengths). */
const sameToken = (given: string, expected: string) => timingSafeEqual(digest(given), digest(expected))

/** The client's id when it is 1 to 128 of `A-Z a-z 0-9 . _ : -`; otherwise a fresh UUIDv7. */
const requestId = (given: string | undefined): Effect.Effect<string> =>
  given !== undefined && /^[A-Za-z0-9._:-]{1,128}$/.test(given) ? Effect.succeed(given) : Ids.uuidv7

const check = (options: Options, request: HttpServerRequest.HttpServerRequest) =>
  Effect.gen(function* () {
    if (yield* Deferred.isDone(options.lifecycle.draining)) {
      return yield* new Overloaded({ retryAfter: 1, message: "the server is shutting down", hint: "retry against the restarted server" })
    }
    if (!ApiRouter.isOpen(request.method, request.url)) {
      const header = request.headers["authorization"] ?? ""
      const given = header.startsWith("Bearer ") ? header.slice(7) : ""
      if (!sameToken(given, Redacted.value(options.token))) {
        return yield* new Unauthorized({
          message: header === "" ? "no bearer token" : "wrong bearer token",
          hint: "send Authorization: Bearer <token> (CIM_NIX_SERVER_TOKEN, or the server's token file)"
        })
      }
    }
    const length = Number(request.headers["content-length"] ?? "0")
    if (length > options.maxBodyBytes) return yield* tooLarge(options.maxBodyBytes)
  })

/** The 413 error for a body over `limit` bytes. */
export const tooLarge = (limit: number) =>
  new PayloadTooLarge({ limit, message: `the request body is over ${limit} bytes`, hint: "send less, or raise CIM_NIX_MAX_BODY_BYTES" })

/** The guard middleware. */
export const make = (options: Options) =>
  HttpMiddleware.make((app) =>
    Effect.gen(function* () {
      yield* Lifecycle.track(options.lifecycle)
      const request = yield* HttpServerRequest.HttpServerRequest
      const id = yield* requestId(request.headers["x-request-id"])
      yield* HttpApp.appendPreResponseHandler((_, response) => Effect.succeed(HttpServerResponse.setHeader(response, "x-request-id", id)))
      return yield* Effect.matchEffect(check(options, request), {
        // Refused before the app ran: the app's response handlers (the id header) never saw it.
        onFailure: (error) => Effect.succeed(HttpServerResponse.setHeader(HttpErrors.toResponse(error), "x-request-id", id)),
        onSuccess: () =>
          app.pipe(Effect.locally(currentRequestId, id), HttpIncomingMessage.withMaxBodySize(Option.some(options.maxBodyBytes)))
      })
    })
  )
