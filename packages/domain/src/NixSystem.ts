/**
 * Nix system types (`builtins.currentSystem`, the `system` of a derivation, the middle segment
 * of `packages.<system>.<name>`): the platforms that nixpkgs exposes to flakes
 * (`lib.systems.flakeExposed`).
 */
import { Effect, Schema } from "effect"
import { ValidationError } from "./Errors.js"

/** The supported systems, in nixpkgs' `flakeExposed` order. */
export const supported = [
  "x86_64-linux",
  "aarch64-linux",
  "x86_64-darwin",
  "armv6l-linux",
  "armv7l-linux",
  "i686-linux",
  "aarch64-darwin",
  "powerpc64le-linux",
  "riscv64-linux",
  "x86_64-freebsd"
] as const

/** A supported system type. */
export const NixSystem = Schema.Literal(...supported)
export type NixSystem = typeof NixSystem.Type

/** Validates a system type against the supported list. */
export const validate = (text: string, field = "system"): Effect.Effect<NixSystem, ValidationError> =>
  Schema.is(NixSystem)(text)
    ? Effect.succeed(text)
    : Effect.fail(
        new ValidationError({
          field,
          message: `${JSON.stringify(text)} is not a supported system`,
          hint: `Use one of: ${supported.join(", ")}.`
        })
      )
