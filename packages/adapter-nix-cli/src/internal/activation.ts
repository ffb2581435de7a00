/**
 * Activation of a built NixOS system: `<system>/bin/switch-to-configuration <mode>`, run
 * directly (no shell) with the adapter's timeout and process-group control.
 */
import type { Nix } from "@cim-nix/application"
import type { Configuration } from "@cim-nix/domain"
import { CommandError, StorePath } from "@cim-nix/domain"
import { Effect } from "effect"
import { type AbsoluteProgram, operand, type Runner } from "./runner.js"
import { tail } from "./diagnosis.js"

/** Runs the activation script of `system` in `mode`; a non-zero exit is a `CommandError` with the script's output. */
export const switchToConfiguration =
  (runner: Runner) =>
  (system: StorePath.StorePath, mode: Configuration.ActivationMode, options: Nix.CallOptions = {}) =>
    Effect.flatMap(
      runner.run({ program: `${StorePath.format(system)}/bin/switch-to-configuration` as AbsoluteProgram, args: [operand("activation mode", mode)], timeout: options.timeout }),
      (done) =>
        done.exitCode === 0
          ? Effect.succeed({ stdout: done.stdout, stderr: done.stderr })
          : Effect.fail(
              new CommandError({
                command: done.command,
                exitCode: done.exitCode,
                durationMs: done.durationMs,
                stderrTail: tail(done.stderr),
                message: `switch-to-configuration ${mode} of ${StorePath.format(system)} failed (exit code ${done.exitCode})`,
                hint: "Read the activation script's output in the stderr tail (--verbose); the system was not activated."
              })
            )
    )
