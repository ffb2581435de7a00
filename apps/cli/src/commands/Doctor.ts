/**
 * `cim-nix doctor`: is this machine usable? Reports Node, the `nix` found (version, variant,
 * capabilities), whether `nix-command`/`flakes` work, whether the Nix store is writable, and
 * whether the event store opens. Exit code 0 when usable, 1 with the exact fix when not.
 */
import { Command } from "@effect/cli"
import { Effect, Either } from "effect"
import { NixVersion } from "@cim-nix/domain"
import * as Application from "../Application.js"
import * as GlobalOptions from "../GlobalOptions.js"
import * as Output from "../Output.js"
import * as Runtime from "../Runtime.js"

/** One failed check and what to do about it. */
export interface Problem {
  readonly check: "nix" | "nix-command" | "store" | "event-store"
  readonly message: string
  readonly fix: string
}

/** The report, printed as is with `--json`. */
export interface Report {
  readonly ok: boolean
  readonly node: string
  readonly nix: {
    readonly found: boolean
    readonly binary: string | null
    readonly version: string | null
    readonly variant: NixVersion.Variant | null
    /** The capability set derived from the version (null when nix was not found). */
    readonly capabilities: NixVersion.Capabilities | null
    readonly experimentalFeatures: boolean
    readonly storeWritable: boolean
  }
  readonly eventStore: { readonly url: string; readonly kind: string; readonly ok: boolean; readonly position: number | null }
  readonly problems: ReadonlyArray<Problem>
}

const reason = (e: { readonly message: string; readonly hint?: string }) => ({ message: e.message, fix: e.hint ?? "" })

/** Runs every check; never fails: failures become problems in the report. */
export const diagnose = (global: GlobalOptions.Global) =>
  Effect.gen(function* () {
    const nix = yield* (yield* Application.load).Nix.Nix
    const problems: Array<Problem> = []
    const info = yield* Effect.either(nix.info)
    if (Either.isLeft(info)) problems.push({ check: "nix", ...reason(info.left) })

    const probe = <E extends { readonly message: string; readonly hint: string }>(
      check: Problem["check"],
      effect: Effect.Effect<unknown, E>,
      expected: (value: unknown) => boolean
    ) =>
      Either.isLeft(info)
        ? Effect.succeed(false)
        : Effect.either(effect).pipe(
            Effect.map((r) => {
              if (Either.isLeft(r)) problems.push({ check, ...reason(r.left) })
              else if (!expected(r.right)) problems.push({ check, message: `unexpected result ${JSON.stringify(r.right)}`, fix: "Reinstall Nix (bash tools/setup.sh)." })
              return Either.isRight(r) && expected(r.right)
            })
          )

    const experimentalFeatures = yield* probe("nix-command", nix.eval({ _tag: "Expression", expression: "1 + 1" }), (v) => v === 2)
    const storeWritable = yield* probe(
      "store",
      nix.instantiateEval({ _tag: "Expression", expression: `builtins.toFile "cim-nix-doctor" "ok"` }),
      (v) => typeof v === "string" && v.endsWith("-cim-nix-doctor")
    )

    const location = yield* Runtime.eventStoreUrl(global)
    const store = yield* Effect.either(Runtime.probeEventStore(location))
    if (Either.isLeft(store)) problems.push({ check: "event-store", ...reason(store.left) })

    const found = Either.isRight(info)
    const report: Report = {
      ok: problems.length === 0,
      node: process.versions.node,
      nix: {
        found,
        binary: found ? info.right.binary : null,
        version: found ? info.right.version.text : null,
        variant: found ? info.right.version.variant : null,
        capabilities: found ? info.right.capabilities : null,
        experimentalFeatures,
        storeWritable
      },
      eventStore: {
        url: Runtime.displayUrl(location),
        kind: location._tag,
        ok: Either.isRight(store),
        position: Either.isRight(store) ? store.right : null
      },
      problems
    }
    return report
  })

const describe = (caps: NixVersion.Capabilities) => {
  const on = NixVersion.enabled(caps)
  return `${on.length === 0 ? "the Nix 2.8 baseline" : on.join(", ")}; derivations via \`nix ${caps.derivationShow}\``
}

const mark = (ok: boolean) => (ok ? Output.green("ok") : Output.red("FAIL"))

const human = (r: Report): ReadonlyArray<string> => [
  `${Output.bold("node")}          ${r.node}`,
  `${Output.bold("nix")}           ${r.nix.found ? `${r.nix.version} (${r.nix.variant}) at ${r.nix.binary}` : Output.red("not found")}`,
  ...(r.nix.capabilities === null ? [] : [`${Output.bold("capabilities")}  ${describe(r.nix.capabilities)}`]),
  `${Output.bold("nix-command")}   ${mark(r.nix.experimentalFeatures)} ${Output.dim("(flakes + nix-command enabled per call)")}`,
  `${Output.bold("store")}         ${mark(r.nix.storeWritable)}`,
  `${Output.bold("event store")}   ${mark(r.eventStore.ok)} ${r.eventStore.url}${r.eventStore.position === null ? "" : Output.dim(` (${r.eventStore.position} events)`)}`,
  ...r.problems.flatMap((p) => ["", `${Output.red(p.check)}: ${p.message}`, `  fix: ${p.fix}`]),
  "",
  r.ok ? Output.green("cim-nix is ready.") : Output.red(`${r.problems.length} problem(s) found.`)
]

/** The `doctor` command. */
export const command = Command.make("doctor", GlobalOptions.all, (global) =>
  diagnose(global).pipe(
    Effect.tap((report) => Output.print(global.json, report, human)),
    Effect.flatMap((report) => (report.ok ? Effect.void : Output.exitCode(1))),
    Effect.provide(Runtime.nixLayer(global))
  )
).pipe(Command.withDescription("Check Node, Nix and the event store; exit 1 with the exact fix when something is not usable."))
