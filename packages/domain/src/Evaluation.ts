/**
 * Evaluations of Nix expressions (`nix eval --json`). Stateless: each evaluation is its own
 * stream, keyed by the id of the command that asked for it, holding one ExpressionEvaluated
 * event. The event keeps a digest and the size of the result, not the result itself.
 */
import { Effect, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import { ValidationError } from "./Errors.js"

/** The envelope's `aggregateType` of evaluation streams. */
export const aggregateType = "Evaluation"
/** The stream of one evaluation: the id of the command (message) that asked for it. */
export const aggregateId = (commandId: string): string => commandId

const sha256Hex = /^[0-9a-f]{64}$/

const outcome = {
  /** The Nix expression, as given. */
  expression: Schema.String,
  /** SHA-256 of the result's JSON text (as printed by `nix eval --json`), 64 lower-case hex digits. */
  resultSha256: Schema.String,
  /** Size of the result's JSON text in bytes. */
  resultBytes: Schema.Number,
  durationMs: Schema.Number
}

// Commands

/** Records an evaluation the handler ran. */
export const EvaluateExpression = Schema.TaggedStruct("EvaluateExpression", outcome)
export type EvaluateExpression = typeof EvaluateExpression.Type

/** The commands of an evaluation. */
export const Command = EvaluateExpression
export type Command = EvaluateExpression

// Events

/** An expression was evaluated. */
export const ExpressionEvaluated = Schema.TaggedStruct("ExpressionEvaluated", {
  ...outcome,
  resultSha256: Schema.String.pipe(Schema.pattern(sha256Hex)),
  resultBytes: Schema.NonNegativeInt,
  durationMs: Schema.NonNegative
})
export type ExpressionEvaluated = typeof ExpressionEvaluated.Type

/** The events of an evaluation. */
export const Event = ExpressionEvaluated
export type Event = ExpressionEvaluated

/** The state of an evaluation stream: how many evaluations it records. */
export interface State {
  readonly evaluations: number
}

const decide = (command: Command, _state: State) =>
  Effect.gen(function* () {
    if (command.expression.trim() === "") {
      return yield* new ValidationError({ field: "expression", message: "the expression is empty", hint: "Give a Nix expression, e.g. 1 + 1." })
    }
    if (!sha256Hex.test(command.resultSha256)) {
      return yield* new ValidationError({
        field: "resultSha256",
        message: `${JSON.stringify(command.resultSha256)} is not a SHA-256 digest`,
        hint: "Give the SHA-256 of the result's JSON text as 64 lower-case hex digits."
      })
    }
    if (!Number.isSafeInteger(command.resultBytes) || command.resultBytes < 0) {
      return yield* new ValidationError({
        field: "resultBytes",
        message: `${command.resultBytes} is not a size in bytes`,
        hint: "Give the size of the result's JSON text as a whole number of bytes, 0 or more."
      })
    }
    if (!(command.durationMs >= 0) || !Number.isFinite(command.durationMs)) {
      return yield* new ValidationError({
        field: "durationMs",
        message: `${command.durationMs} is not a duration`,
        hint: "Give the time the evaluation took in milliseconds, 0 or more."
      })
    }
    const { _tag, ...evaluated } = command
    return [ExpressionEvaluated.make(evaluated)]
  })

/** The evaluation aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: { evaluations: 0 } satisfies State as State,
  decide,
  evolve: (state: State, _event: Event): State => ({ evaluations: state.evaluations + 1 }),
  events: Event,
  schemaVersions: { ExpressionEvaluated: 1 }
})
