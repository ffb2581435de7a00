/**
 * Background jobs of `Prefer: respond-async` requests: each runs as an in-flight request of the
 * lifecycle (drained and interrupted on shutdown), publishes its progress, and ends with its
 * result or error; `stream` replays everything a job published, then follows it to its end.
 */
import { Cause, Effect, FiberSet, Option, PubSub, Stream } from "effect"
import { Ids } from "@cim-nix/application"
import * as HttpErrors from "./HttpErrors.js"
import type * as Lifecycle from "./Lifecycle.js"

/** One message of a job: progress, then exactly one `result` or `error`. */
export interface Message {
  readonly event: "progress" | "result" | "error"
  readonly data: unknown
}

/** What is known of a job. */
export interface Job {
  readonly id: string
  status: "running" | "succeeded" | "failed"
  outcome: Option.Option<Message>
  readonly messages: PubSub.PubSub<Message>
}

/** Messages a late subscriber still gets from the start of a job. */
const replay = 10_000

/** Finished jobs kept for `GET` (the oldest are forgotten first). */
const kept = 1_000

/** The jobs of one server run. */
export const make = (lifecycle: Lifecycle.Lifecycle) => {
  const jobs = new Map<string, Job>()
  const forgetOld = () => {
    const finished = [...jobs.values()].filter((job) => job.status !== "running")
    for (const job of finished.slice(0, Math.max(0, finished.length - kept))) jobs.delete(job.id)
  }

  /** Starts `work` (given a function to report progress) in the background; returns the job's id. */
  const start = <A, E, R>(work: (progress: (data: unknown) => Effect.Effect<void>) => Effect.Effect<A, E, R>) =>
    Effect.gen(function* () {
      const job: Job = {
        id: yield* Ids.uuidv7,
        status: "running",
        outcome: Option.none(),
        messages: yield* PubSub.unbounded<Message>({ replay })
      }
      jobs.set(job.id, job)
      forgetOld()
      const finish = (status: Job["status"], message: Message) =>
        Effect.suspend(() => {
          job.status = status
          job.outcome = Option.some(message)
          return PubSub.publish(job.messages, message)
        })
      yield* FiberSet.run(
        lifecycle.inflight,
        work((data) => PubSub.publish(job.messages, { event: "progress", data } satisfies Message)).pipe(
          Effect.matchCauseEffect({
            onSuccess: (result) => finish("succeeded", { event: "result", data: result }),
            onFailure: (cause) =>
              finish("failed", { event: "error", data: HttpErrors.describe(Option.getOrUndefined(Cause.failureOption(cause))).body })
          })
        )
      )
      return job.id
    })

  /** Every message of the job from its start, ending after its outcome. */
  const stream = (job: Job): Stream.Stream<Message> =>
    Stream.fromPubSub(job.messages).pipe(Stream.takeUntil((message) => message.event !== "progress"))

  return { start, stream, get: (id: string) => Option.fromNullable(jobs.get(id)) }
}

/** The jobs service of a run. */
export type Jobs = ReturnType<typeof make>
