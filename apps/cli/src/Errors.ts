/**
 * How failures reach the user: one clear line (what failed, why, the hint) on stderr and an
 * exit code: 1 domain/validation errors, 2 usage errors, 3 Nix failures, 4 store unavailable.
 */
import { ValidationError as CliValidationError } from "@effect/cli"
import { Cause, Console, Effect } from "effect"
import { isNixFlakeError } from "@cim-nix/domain"
import * as Output from "./Output.js"

interface Tagged {
  readonly _tag: string
  readonly message?: string
  readonly hint?: string
  readonly command?: ReadonlyArray<string>
  readonly stderrTail?: string
}

const exitCodes: Record<string, number> = {
  CommandError: 3,
  BuildError: 3,
  StoreUnavailable: 4
}

/**
 * The exit code for an error: usage errors 2, Nix failures 3, store unavailable 4, the rest 1.
 * A FlakeError is a Nix failure when it carries Nix's stderr; without it, it is cim-nix refusing
 * the flake (not recorded, already recorded, a flake.nix it cannot edit): 1.
 */
export const exitCodeOf = (error: unknown): number => {
  if (CliValidationError.isValidationError(error)) return CliValidationError.isHelpRequested(error) ? 0 : 2
  const tag = (error as Tagged)?._tag
  if (tag === "FlakeError") return isNixFlakeError(error as Tagged) ? 3 : 1
  return tag !== undefined && tag in exitCodes ? exitCodes[tag]! : 1
}

/** Prints an error for a human (or nothing for usage errors: @effect/cli already printed them). */
export const report = (error: unknown, verbose: boolean) => {
  if (CliValidationError.isValidationError(error)) return Effect.void
  const e = error as Tagged
  const lines = [
    `${Output.red("error")}: ${e.message ?? String(error)}`,
    ...(e.hint ? [`  hint: ${e.hint}`] : []),
    ...(verbose && e.command ? [`  command: ${e.command.join(" ")}`] : []),
    ...(verbose && e.stderrTail ? [`  stderr:\n${e.stderrTail.replace(/^/gm, "    ")}`] : [])
  ]
  return Console.error(lines.join("\n"))
}

/**
 * Prints a defect (a bug: an exception no handler expected) as one line asking for a report,
 * with the full cause under `--verbose`. Interruption (Ctrl-C) prints nothing.
 */
export const reportDefect = (cause: Cause.Cause<never>, verbose: boolean) => {
  if (Cause.isInterruptedOnly(cause)) return Effect.void
  const defect = Cause.squash(cause)
  return Console.error(
    [
      `${Output.red("internal error")}: ${defect instanceof Error ? defect.message : String(defect)}`,
      "  hint: This is a bug in cim-nix; run again with --verbose and report what it prints.",
      ...(verbose ? [Cause.pretty(cause)] : [])
    ].join("\n")
  )
}
