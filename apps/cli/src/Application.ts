/**
 * The application layer, loaded on first use: a command that runs no handler (`ref parse`,
 * `derivation show`, `--help`) starts without evaluating it, which keeps start-up short. Only
 * types are imported statically from `@cim-nix/application` anywhere in the CLI.
 */
import { Effect } from "effect"

/** The `@cim-nix/application` module. */
export const load = Effect.promise(() => import("@cim-nix/application"))
