/**
 * The packages read model: one document per build target (flake reference, attribute path,
 * system; keyed by the package stream id) with its build counts, the last build, the outputs and
 * derivation of the last successful build, and the median and 95th percentile of the durations
 * of its successful builds.
 */
import { Option, Schema } from "effect"
import type { DomainEvent } from "@cim-nix/domain"
import { AttributePath, FlakeRef, Package, StorePath } from "@cim-nix/domain"
import type { Projection } from "./Projection.js"

/** A build target as the read model shows it. */
export const PackageView = Schema.Struct({
  flakeRef: Schema.String,
  attributePath: Schema.String,
  system: Schema.String,
  builds: Schema.Int,
  successes: Schema.Int,
  failures: Schema.Int,
  lastBuild: Schema.Struct({
    finishedAt: Schema.DateTimeUtc,
    succeeded: Schema.Boolean,
    durationMs: Schema.Number,
    exitCode: Schema.optional(Schema.Int),
    errorSummary: Schema.optional(Schema.String)
  }),
  /** Output name to store path, from the last successful build. */
  lastOutputs: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String })),
  lastDrvPath: Schema.optional(Schema.String),
  /** Durations of the successful builds in milliseconds, ascending. */
  durationsMs: Schema.Array(Schema.Number),
  p50Ms: Schema.optional(Schema.Number),
  p95Ms: Schema.optional(Schema.Number)
})
export type PackageView = typeof PackageView.Type
/** A build target in its JSON form, as the projector builds it. */
export type StoredPackageView = typeof PackageView.Encoded

/** The `q`-quantile (0 < q <= 1) of ascending `sorted` by the nearest-rank method. */
export const quantile = (sorted: ReadonlyArray<number>, q: number): number | undefined =>
  sorted.length === 0 ? undefined : sorted[Math.max(Math.ceil(q * sorted.length), 1) - 1]

const insertSorted = (sorted: ReadonlyArray<number>, value: number): Array<number> => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  const inserted = sorted.slice()
  inserted.splice(lo, 0, value)
  return inserted
}

/** The projector of the packages read model. */
export const apply = (view: Option.Option<StoredPackageView>, event: DomainEvent.Encoded): Option.Option<StoredPackageView> => {
  if (event._tag !== "PackageBuilt" && event._tag !== "PackageBuildFailed") return view
  const before = Option.getOrElse(view, (): StoredPackageView => ({
    flakeRef: FlakeRef.format(event.flakeRef),
    attributePath: AttributePath.print(event.attributePath),
    system: event.system,
    builds: 0,
    successes: 0,
    failures: 0,
    lastBuild: { finishedAt: event.finishedAt, succeeded: false, durationMs: 0 },
    durationsMs: []
  }))
  if (event._tag === "PackageBuildFailed") {
    return Option.some({
      ...before,
      builds: before.builds + 1,
      failures: before.failures + 1,
      lastBuild: {
        finishedAt: event.finishedAt,
        succeeded: false,
        durationMs: event.durationMs,
        exitCode: event.exitCode,
        errorSummary: event.errorSummary
      }
    })
  }
  const durationsMs = insertSorted(before.durationsMs, event.durationMs)
  return Option.some({
    ...before,
    builds: before.builds + 1,
    successes: before.successes + 1,
    lastBuild: { finishedAt: event.finishedAt, succeeded: true, durationMs: event.durationMs },
    lastOutputs: Object.fromEntries(Object.entries(event.outputs).map(([name, path]) => [name, StorePath.format(path)])),
    lastDrvPath: StorePath.format(event.drvPath),
    durationsMs,
    p50Ms: quantile(durationsMs, 0.5),
    p95Ms: quantile(durationsMs, 0.95)
  })
}

/** The packages read model, keyed by package stream id (`Package.aggregateId`). */
export const projection: Projection<PackageView, StoredPackageView, DomainEvent.Encoded> = {
  name: "packages",
  version: 1,
  document: PackageView,
  keys: (_, envelope) => (envelope.aggregateType === Package.aggregateType ? [envelope.aggregateId] : []),
  apply: (view, event) => apply(view, event)
}
