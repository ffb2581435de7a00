/**
 * EvaluateExpression: evaluates Nix code, a `.nix` file or an installable with `nix eval --json`,
 * returns the value and records ExpressionEvaluated in a stream of its own (keyed by a
 * fresh id): what was evaluated, the SHA-256 and size of the result's JSON text, and how
 * long it took; never the result itself, which may be large.
 */
import { Clock, Effect, Schema } from "effect"
import type { EventEnvelope, Json, ParseError } from "@cim-nix/domain"
import { Evaluation, Installable, ValidationError } from "@cim-nix/domain"
import type * as EventStore from "../ports/EventStore.js"
import * as Nix from "../ports/Nix.js"
import * as Ids from "../Ids.js"
import { sha256Hex } from "../internal/sha256.js"
import * as CommandHandler from "./CommandHandler.js"

/** What to evaluate, as the user gave it: Nix code, a `.nix` file (absolute path) or an installable. */
export const Source = Schema.Union(
  Schema.TaggedStruct("Expression", { expression: Schema.String }),
  Schema.TaggedStruct("File", { path: Schema.String }),
  Schema.TaggedStruct("Installable", { installable: Schema.String })
)
export type Source = typeof Source.Type

/** The command. `impure` passes `--impure` (environment, `builtins.currentSystem`, ...). */
export const EvaluateExpression = Schema.TaggedStruct("EvaluateExpression", {
  source: Source,
  impure: Schema.optional(Schema.Boolean)
})
export type EvaluateExpression = typeof EvaluateExpression.Type

/** The value and the event recorded. */
export interface Evaluated {
  readonly value: Json.Json
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
}

/** Everything the command can fail with. */
export type Error = Nix.NixError | ValidationError | ParseError | CommandHandler.ExecuteError

/** How the event names what was evaluated: the code, the file's path, or the installable. */
const described = (source: Source) =>
  source._tag === "Expression" ? source.expression : source._tag === "File" ? source.path : source.installable

const toEvalSource = (source: Source): Effect.Effect<Nix.EvalSource, ValidationError | ParseError> => {
  switch (source._tag) {
    case "Expression":
      return source.expression.trim() === ""
        ? Effect.fail(new ValidationError({ field: "expression", message: "the expression is empty", hint: "Give a Nix expression, e.g. 1 + 1." }))
        : Effect.succeed(source)
    case "File":
      return source.path.startsWith("/")
        ? Effect.succeed(source)
        : Effect.fail(new ValidationError({ field: "file", message: `'${source.path}' is not an absolute path`, hint: "Give the file's absolute path." }))
    case "Installable":
      return source.installable.startsWith("-")
        ? Effect.fail(
            new ValidationError({ field: "installable", message: `'${source.installable}' looks like a flag, not an installable`, hint: "Give a flake installable such as path:/src/app#hello." })
          )
        : Effect.map(Installable.parse(source.installable), (installable) => ({ _tag: "Installable" as const, installable }))
  }
}

/**
 * Runs the command: evaluates, then records the evaluation (in a stream of a fresh id, with
 * `causality`). Nothing is recorded when evaluation fails.
 */
export const handle = (command: EvaluateExpression, causality: EventEnvelope.Causality): Effect.Effect<Evaluated, Error, Nix.Nix | EventStore.EventStore> =>
  Effect.gen(function* () {
    const source = yield* toEvalSource(command.source)
    const nix = yield* Nix.Nix
    const started = yield* Clock.currentTimeMillis
    const value = yield* nix.eval(source, command.impure === true ? { impure: true } : {})
    const durationMs = (yield* Clock.currentTimeMillis) - started
    const text = JSON.stringify(value)
    const evaluationId = yield* Ids.uuidv7
    const outcome = yield* CommandHandler.execute<Evaluation.State, Evaluation.Command, Evaluation.Event, never, never>({
      aggregate: Evaluation.aggregate,
      aggregateId: Evaluation.aggregateId(evaluationId),
      command: Evaluation.EvaluateExpression.make({
        expression: described(command.source),
        resultSha256: sha256Hex(text),
        resultBytes: new TextEncoder().encode(text).length,
        durationMs
      }),
      causality
    })
    return { value, events: outcome.events }
  })
