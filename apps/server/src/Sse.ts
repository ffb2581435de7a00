/**
 * Server-sent events: the text of one message and the streaming response, which opens with a
 * comment (so that clients see the headers at once), sends a keep-alive comment every 15
 * seconds, and ends when the server starts shutting down.
 */
import { HttpServerResponse } from "@effect/platform"
import { Deferred, Schedule, Stream } from "effect"
import type * as Lifecycle from "./Lifecycle.js"

/** One message: `id:` (when given), `event:` and `data:` (JSON). */
export const message = (event: string, data: unknown, id?: number) =>
  `${id === undefined ? "" : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`

/** The `text/event-stream` response of `messages`. */
export const response = <E>(lifecycle: Lifecycle.Lifecycle, messages: Stream.Stream<string, E>) =>
  HttpServerResponse.stream(
    Stream.make(": stream\n\n").pipe(
      Stream.concat(messages),
      Stream.merge(Stream.fromSchedule(Schedule.spaced("15 seconds")).pipe(Stream.as(": keep-alive\n\n")), { haltStrategy: "left" }),
      Stream.interruptWhen(Deferred.await(lifecycle.draining)),
      Stream.encodeText
    ),
    { contentType: "text/event-stream", headers: { "cache-control": "no-store" } }
  )
