/**
 * Errors as HTTP responses: every typed error of the domain, the application and the server
 * maps to one status with a JSON body `{ error, message, hint }`; transient overload answers
 * carry `Retry-After`.
 */
import { HttpServerResponse } from "@effect/platform"
import { Effect, Schema } from "effect"
import { isNixFlakeError } from "@cim-nix/domain"

/** No or a wrong `Authorization: Bearer` token. */
export class Unauthorized extends Schema.TaggedError<Unauthorized>()("Unauthorized", {
  message: Schema.String,
  hint: Schema.String
}) {}

/** A request body over the configured limit. */
export class PayloadTooLarge extends Schema.TaggedError<PayloadTooLarge>()("PayloadTooLarge", {
  limit: Schema.Number,
  message: Schema.String,
  hint: Schema.String
}) {}

/** A request that does not decode (query parameters, headers, JSON body). */
export class BadRequest extends Schema.TaggedError<BadRequest>()("BadRequest", {
  message: Schema.String,
  hint: Schema.String
}) {}

/** Nothing known under the asked key. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  message: Schema.String,
  hint: Schema.String
}) {}

/** All Nix slots and the queue are taken, or the server is shutting down. Retry after `retryAfter` seconds. */
export class Overloaded extends Schema.TaggedError<Overloaded>()("Overloaded", {
  retryAfter: Schema.Number,
  message: Schema.String,
  hint: Schema.String
}) {}

interface Tagged {
  readonly _tag: string
  readonly message: string
  readonly hint?: string | undefined
  readonly retryAfter?: number | undefined
}

const isTagged = (error: unknown): error is Tagged =>
  typeof error === "object" && error !== null && typeof (error as Tagged)._tag === "string" &&
  typeof (error as Tagged).message === "string"

/** The status of a typed error; 500 for anything unknown. */
export const status = (error: Tagged): number => {
  switch (error._tag) {
    case "BadRequest":
    case "ParseError":
    case "ValidationError":
      return 400
    case "Unauthorized":
      return 401
    case "NotFound":
    case "RouteNotFound":
      return 404
    case "ConcurrencyConflict":
      return 409
    case "PayloadTooLarge":
      return 413
    case "FlakeError":
      // With Nix's stderr it is Nix refusing the flake; without, cim-nix refusing the request in
      // the flake's present state (recorded already, not recorded, a flake.nix it cannot edit).
      return isNixFlakeError(error as { readonly stderrTail?: string }) ? 422 : 409
    case "BuildError":
    case "AppendRejected":
      return 422
    case "IoError":
      return error.message.includes("refused")
        ? 400
        : error.message.includes("already exists")
        ? 409
        : /there is no|no such file/i.test(error.message)
        ? 404
        : 500
    case "CommandError":
      return error.message.includes("timed out") ? 504 : 502
    case "StoreUnavailable":
    case "Overloaded":
      return 503
    default:
      return 500
  }
}

/** The status, JSON body and `Retry-After` of an error value (an unknown value is a 500). */
export const describe = (error: unknown) => {
  const tagged: Tagged = !isTagged(error)
    ? { _tag: "InternalError", message: "internal error" }
    : error._tag === "RouteNotFound"
    ? { _tag: "NotFound", message: "no such endpoint", hint: "see the endpoints in the README of apps/server" }
    : error
  const code = status(tagged)
  return {
    status: code,
    body: { error: tagged._tag, message: tagged.message, hint: tagged.hint ?? "see the server log" },
    retryAfter: code === 503 ? String(tagged.retryAfter ?? 5) : undefined
  }
}

/** The response for an error value. */
export const toResponse = (error: unknown): HttpServerResponse.HttpServerResponse => {
  const { body, retryAfter, status } = describe(error)
  return HttpServerResponse.unsafeJson(body, { status, headers: retryAfter === undefined ? {} : { "retry-after": retryAfter } })
}

/** Answers every failure of `effect` with its error response. */
export const respond = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.catchAll(effect, (error) => Effect.succeed(toResponse(error)))
