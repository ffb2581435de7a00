/**
 * CheckFlake: `nix flake check` on a flake cim-nix knows, recorded as FlakeChecked with the
 * outputs that passed (the leaves of `nix flake show`) or the output that failed and Nix's
 * reason (Nix stops at the first failure, so nothing is reported as passed then). A failed check
 * is recorded first, then returned as the FlakeError Nix gave.
 */
import { Effect, Either, Option } from "effect"
import type { EventEnvelope, FlakeError } from "@cim-nix/domain"
import { AttributePath, Flake } from "@cim-nix/domain"
import * as Nix from "../ports/Nix.js"
import * as CommandHandler from "./CommandHandler.js"
import * as FlakeDirectory from "./internal/FlakeDirectory.js"
import { known } from "./UpdateFlake.js"

/** The request: the flake's directory. */
export interface CheckFlake {
  readonly path: string
  readonly causality: EventEnvelope.Causality
}

/** The recorded outcome; `error` is Nix's failure when an output failed. */
export interface Checked extends Flake.CheckResult {
  readonly path: string
  readonly events: ReadonlyArray<EventEnvelope.EventEnvelope>
  readonly error: Option.Option<FlakeError>
}

const isLeaf = (node: Nix.FlakeOutputs | Nix.FlakeOutputLeaf): node is Nix.FlakeOutputLeaf => typeof node.type === "string"

/** The attribute paths of the leaves of `nix flake show --json`, sorted. */
export const leaves = (outputs: Nix.FlakeOutputs): ReadonlyArray<string> => {
  const walk = (node: Nix.FlakeOutputs, prefix: ReadonlyArray<string>): ReadonlyArray<string> =>
    Object.entries(node).flatMap(([name, child]) =>
      isLeaf(child) ? [AttributePath.print(AttributePath.unsafeMake([...prefix, name]))] : walk(child, [...prefix, name])
    )
  return [...walk(outputs, [])].sort()
}

/** The output Nix names in a failed check (`while checking ... 'packages.x86_64-linux.default'`), most specific first; else `outputs`. */
export const failedOutput = (error: FlakeError): string => {
  const text = `${error.message}\n${error.stderrTail ?? ""}`
  const named = [...text.matchAll(/(?:checking|flake attribute|output) [^'\n]*'([A-Za-z0-9_.'-]+)'/g)]
    .map((m) => m[1]!)
    .filter((name) => Either.isRight(AttributePath.parseEither(name)))
    .sort((a, b) => b.length - a.length)
  return named[0] ?? "outputs"
}

/** Runs the check and records it, whatever its outcome. */
export const run = (request: CheckFlake) =>
  Effect.gen(function* () {
    const { path } = request
    yield* known(path)
    const nix = yield* Nix.Nix
    const ref = FlakeDirectory.ref(path)
    const checked = yield* nix.checkFlake(ref).pipe(
      Effect.map((): Either.Either<void, FlakeError> => Either.right(undefined)),
      Effect.catchTag("FlakeError", (error) => Effect.succeed(Either.left(error)))
    )
    const result: Flake.CheckResult = Either.isRight(checked)
      ? { passed: leaves(yield* nix.showFlake(ref)), failed: [] }
      : { passed: [], failed: [{ output: failedOutput(checked.left), message: checked.left.message }] }
    const outcome = yield* CommandHandler.execute({
      aggregate: Flake.aggregate,
      aggregateId: Flake.aggregateId(path),
      command: Flake.CheckFlake.make({ path, ...result }),
      causality: request.causality
    })
    return { path, ...result, events: outcome.events, error: Either.getLeft(checked) } satisfies Checked
  })

/** Runs the check, records it, and fails with Nix's FlakeError when an output failed. */
export const handle = (request: CheckFlake) =>
  Effect.flatMap(run(request), (checked) => Option.match(checked.error, { onNone: () => Effect.succeed(checked), onSome: Effect.fail }))
