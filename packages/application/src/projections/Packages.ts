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

/** Inserts `value` into ascending `sorted`, in place, after the values equal to it. */
const insertSorted = (sorted: Array<number>, value: number): void => {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid]! <= value) lo = mid + 1
    else hi = mid
  }
  sorted.splice(lo, 0, value)
}

type Build = Extract<DomainEvent.Encoded, { readonly _tag: "PackageBuilt" | "PackageBuildFailed" }>

const isBuild = (event: DomainEvent.Encoded): event is Build => event._tag === "PackageBuilt" || event._tag === "PackageBuildFailed"

/** The last build as the read model shows it. */
const lastBuild = (event: Build): StoredPackageView["lastBuild"] =>
  event._tag === "PackageBuilt"
    ? { finishedAt: event.finishedAt, succeeded: true, durationMs: event.durationMs }
    : { finishedAt: event.finishedAt, succeeded: false, durationMs: event.durationMs, exitCode: event.exitCode, errorSummary: event.errorSummary }

/** Output name to store path, as text. */
const outputs = (built: Extract<Build, { readonly _tag: "PackageBuilt" }>) => {
  const texts: Record<string, string> = {}
  for (const name of Object.keys(built.outputs)) texts[name] = StorePath.format(built.outputs[name]!)
  return texts
}

/**
 * The projector of the packages read model: a target's document after its builds, made once
 * per call (the counts and durations of all its builds, the last build, the last success).
 */
export const apply = (
  view: Option.Option<StoredPackageView>,
  events: ReadonlyArray<DomainEvent.Encoded>
): Option.Option<StoredPackageView> => {
  const builds = events.filter(isBuild)
  const last = builds[builds.length - 1]
  if (last === undefined) return view
  const before = Option.getOrElse(view, (): StoredPackageView => ({
    flakeRef: FlakeRef.format(last.flakeRef),
    attributePath: AttributePath.print(last.attributePath),
    system: last.system,
    builds: 0,
    successes: 0,
    failures: 0,
    lastBuild: lastBuild(last),
    durationsMs: []
  }))
  let lastSuccess: Extract<Build, { readonly _tag: "PackageBuilt" }> | undefined
  let durationsMs: Array<number> | undefined
  for (const build of builds) {
    if (build._tag !== "PackageBuilt") continue
    lastSuccess = build
    durationsMs ??= before.durationsMs.slice()
    insertSorted(durationsMs, build.durationMs)
  }
  const successes = durationsMs === undefined ? 0 : durationsMs.length - before.durationsMs.length
  return Option.some({
    ...before,
    builds: before.builds + builds.length,
    successes: before.successes + successes,
    failures: before.failures + builds.length - successes,
    lastBuild: lastBuild(last),
    ...(lastSuccess === undefined || durationsMs === undefined ? {} : {
      lastOutputs: outputs(lastSuccess),
      lastDrvPath: StorePath.format(lastSuccess.drvPath),
      durationsMs,
      p50Ms: quantile(durationsMs, 0.5),
      p95Ms: quantile(durationsMs, 0.95)
    })
  })
}

/** The packages read model, keyed by package stream id (`Package.aggregateId`). */
export const projection: Projection<PackageView, StoredPackageView, DomainEvent.Encoded> = {
  name: "packages",
  version: 1,
  document: PackageView,
  keys: (_, envelope) => (envelope.aggregateType === Package.aggregateType ? [envelope.aggregateId] : []),
  apply: (view, events) => apply(view, events)
}
