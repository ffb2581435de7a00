/**
 * Reading a request: its JSON body (413 over the guard's size limit, 400 when it does not fit
 * the schema), its query string (400 when it does not fit), and paths confined to the
 * workspace roots (400 outside them).
 */
import { HttpIncomingMessage, HttpServerRequest } from "@effect/platform"
import { NodeHttpServerRequest } from "@effect/platform-node"
import { Effect, Option, Schema } from "effect"
import { Workspace } from "@cim-nix/application"
import * as Guard from "./Guard.js"
import type { PayloadTooLarge } from "./HttpErrors.js"
import { BadRequest } from "./HttpErrors.js"

/**
 * The request body as text, at most the `MaxBodySize` the guard sets: beyond it, 413 at once, and
 * the rest of the body is read and dropped (not the socket destroyed) so that the client gets
 * the answer.
 */
const text = Effect.gen(function* () {
  const source = NodeHttpServerRequest.toIncomingMessage(yield* HttpServerRequest.HttpServerRequest)
  const limit = Number(Option.getOrElse(yield* HttpIncomingMessage.MaxBodySize, () => Infinity))
  return yield* Effect.async<string, PayloadTooLarge | BadRequest>((resume) => {
    const chunks: Array<Buffer> = []
    let bytes = 0
    source.on("data", (chunk: Buffer) => {
      if (bytes > limit) return
      bytes += chunk.length
      if (bytes > limit) resume(Effect.fail(Guard.tooLarge(limit)))
      else chunks.push(chunk)
    })
    source.once("end", () => resume(Effect.succeed(Buffer.concat(chunks).toString("utf8"))))
    source.once("error", (error) => resume(Effect.fail(new BadRequest({ message: `reading the body failed: ${error.message}`, hint: "send the body again" }))))
  })
})

/** The JSON body as `schema` decodes it. */
export const body = <A, I>(schema: Schema.Schema<A, I>) =>
  Effect.flatMap(text, (raw) =>
    Effect.mapError(Schema.decodeUnknown(Schema.parseJson(schema))(raw), (error) =>
      new BadRequest({ message: error.message, hint: "send a JSON object as described for this endpoint" })))

/** A path of a request inside the workspace roots, as an absolute path (400 outside them). */
export const confined = (path: string) => Effect.flatMap(Workspace.Workspace, (workspace) => workspace.resolve(path))

/** The query string as `schema` decodes it; `hint` says what the endpoint takes. */
export const query = <A, I extends Readonly<Record<string, string | ReadonlyArray<string> | undefined>>>(
  schema: Schema.Schema<A, I>,
  hint = "see the query parameters of this endpoint"
) => HttpServerRequest.schemaSearchParams(schema).pipe(Effect.mapError((error) => new BadRequest({ message: error.message, hint })))
