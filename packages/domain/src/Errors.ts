/**
 * The errors of the Nix domain. Every error carries a human `message`, a `hint` telling the
 * user what to do next, and `transient` (true when retrying the same thing may succeed, e.g. a
 * timeout or a busy store). Later layers add context (command line, stderr tail) in fields.
 */
import { Schema } from "effect"

const transient = Schema.optionalWith(Schema.Boolean, { default: () => false })

/** Input text that is not what the grammar allows (a flake ref, store path, attribute path, Nix code, ATerm). */
export class ParseError extends Schema.TaggedError<ParseError>()("ParseError", {
  /** What was being parsed: "FlakeRef", "StorePath", "AttributePath", "Derivation", ... */
  kind: Schema.String,
  input: Schema.String,
  /** Zero-based character offset of the problem in `input`. */
  position: Schema.Number,
  message: Schema.String,
  hint: Schema.String,
  transient
}) {}

/** A value that parses but breaks a rule of the domain (an invariant of an aggregate, a field constraint). */
export class ValidationError extends Schema.TaggedError<ValidationError>()("ValidationError", {
  /** The field or concept that is invalid, e.g. "hostname" or "inputs.nixpkgs.follows". */
  field: Schema.String,
  message: Schema.String,
  hint: Schema.String,
  transient
}) {}

/**
 * A flake that cannot be created, edited, locked or checked as asked: by Nix (then it carries
 * the tail of Nix's stderr) or by cim-nix itself (recorded already, not recorded, a flake.nix
 * it cannot edit safely).
 */
export class FlakeError extends Schema.TaggedError<FlakeError>()("FlakeError", {
  path: Schema.String,
  message: Schema.String,
  hint: Schema.String,
  stderrTail: Schema.optional(Schema.String),
  transient
}) {}

/** Whether Nix refused the flake (the error carries Nix's stderr), rather than cim-nix. */
export const isNixFlakeError = (error: Pick<FlakeError, "stderrTail">): boolean => error.stderrTail !== undefined

/** A build that failed: the installable, Nix's exit code and the tail of the build log. */
export class BuildError extends Schema.TaggedError<BuildError>()("BuildError", {
  installable: Schema.String,
  exitCode: Schema.optional(Schema.Number),
  message: Schema.String,
  hint: Schema.String,
  logTail: Schema.optional(Schema.String),
  transient
}) {}

/** A file-system operation that failed or was refused (outside the workspace roots, symlink escape, ...). */
export class IoError extends Schema.TaggedError<IoError>()("IoError", {
  path: Schema.String,
  operation: Schema.String,
  message: Schema.String,
  hint: Schema.String,
  transient
}) {}

/** A `nix` process that could not start, failed, or ran out of time. */
export class CommandError extends Schema.TaggedError<CommandError>()("CommandError", {
  /** The program and its arguments, exactly as spawned (no shell). */
  command: Schema.Array(Schema.String),
  exitCode: Schema.optional(Schema.Number),
  durationMs: Schema.optional(Schema.Number),
  stderrTail: Schema.optional(Schema.String),
  message: Schema.String,
  hint: Schema.String,
  transient
}) {}

/** An append whose expected stream version no longer matches the stream. Retry on fresh state. */
export class ConcurrencyConflict extends Schema.TaggedError<ConcurrencyConflict>()("ConcurrencyConflict", {
  aggregateType: Schema.String,
  aggregateId: Schema.String,
  /** The version the writer expected ("no stream" is 0). */
  expectedVersion: Schema.Number,
  actualVersion: Schema.Number,
  message: Schema.String,
  hint: Schema.String,
  transient: Schema.optionalWith(Schema.Boolean, { default: () => true })
}) {}

/** Every error the domain can raise. */
export type DomainError =
  | ParseError
  | ValidationError
  | FlakeError
  | BuildError
  | IoError
  | CommandError
  | ConcurrencyConflict
