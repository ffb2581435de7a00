/**
 * CreateOverlay: records an overlay and writes it as a `.nix` file printed from the domain model:
 * `final: prev: { <added> = final.callPackage ./path { args }; <overridden> =
 * prev.<name>.overrideAttrs (old: { changes }); <removed> = null; }`.
 */
import { Effect, Option, Schema } from "effect"
import type { EventEnvelope, Json } from "@cim-nix/domain"
import { NixExpr, Overlay, ValidationError } from "@cim-nix/domain"
import * as NixFile from "./NixFile.js"

const final = NixExpr.ident("final")
const prev = NixExpr.ident("prev")

const changesExpr = (changes: Json.JsonObject) => NixExpr.fromJson(changes)

const overrideExpr = (override: Overlay.Override): NixExpr.NixExpr =>
  override.kind === "override"
    ? NixExpr.apply(NixExpr.select(prev, [override.name, "override"]), changesExpr(override.changes))
    : NixExpr.apply(NixExpr.select(prev, [override.name, "overrideAttrs"]), NixExpr.lambda("old", changesExpr(override.changes)))

/** The overlay as a Nix expression. */
export const expr = (overlay: Overlay.Overlay): NixExpr.NixExpr =>
  NixExpr.commented(
    `Overlay ${overlay.name}, written by cim-nix.`,
    NixExpr.lambda(
      "final",
      NixExpr.lambda(
        "prev",
        NixExpr.attrs([
          ...overlay.additions.map((a) =>
            NixExpr.bind(a.name, NixExpr.apply(NixExpr.select(final, "callPackage"), NixExpr.path(a.path), NixExpr.fromJson(a.args)))
          ),
          ...overlay.overrides.map((o) => NixExpr.bind(o.name, overrideExpr(o))),
          ...overlay.removals.map((name) => NixExpr.bind(name, NixExpr.nullValue))
        ])
      )
    )
  )

/** The overlay's Nix source. */
export const render = (overlay: Overlay.Overlay): Effect.Effect<string, ValidationError> => NixExpr.print(expr(overlay))


const split = (text: string, field: string, shape: string, example: string) => {
  const at = text.indexOf("=")
  return at <= 0
    ? Effect.fail(
        new ValidationError({ field, message: `${JSON.stringify(text)} is not ${shape}`, hint: `Write it as ${shape}, e.g. ${example}.` })
      )
    : Effect.succeed([text.slice(0, at), text.slice(at + 1)] as const)
}

/** Reads `NAME=PATH` (the CLI's `--add`). */
export const parseAddition = (text: string): Effect.Effect<Overlay.Addition, ValidationError> =>
  Effect.map(split(text, "add", "NAME=PATH", "hello=./pkgs/hello.nix"), ([name, path]) => ({ name, path, args: {} }))

/**
 * Reads `PKG.ATTR=VALUE` entries (the CLI's `--override`) into one `overrideAttrs` per package,
 * in the order the packages first appear. VALUE is JSON; text that is not JSON is a string.
 */
export const parseOverrides = (texts: ReadonlyArray<string>): Effect.Effect<ReadonlyArray<Overlay.Override>, ValidationError> =>
  Effect.gen(function* () {
    const byPackage = new Map<string, Record<string, Json.Json>>()
    for (const text of texts) {
      const [target, value] = yield* split(text, "override", "PKG.ATTR=VALUE", "hello.doCheck=false")
      const dot = target.indexOf(".")
      if (dot <= 0 || dot === target.length - 1) {
        return yield* new ValidationError({
          field: "override",
          message: `${JSON.stringify(text)} does not name a package and an attribute`,
          hint: "Write PKG.ATTR=VALUE, e.g. hello.doCheck=false."
        })
      }
      const name = target.slice(0, dot)
      const changes = byPackage.get(name) ?? {}
      changes[target.slice(dot + 1)] = NixFile.parseValue(value)
      byPackage.set(name, changes)
    }
    return [...byPackage].map(([name, changes]): Overlay.Override => ({ name, kind: "overrideAttrs", changes }))
  })

/** The request: the overlay, the file to write and whether an existing file may be replaced. */
export const Request = Schema.Struct({ ...NixFile.requestFields, overlay: Overlay.CreateOverlay })
export type Request = typeof Request.Type

/** Records the overlay and writes its file (undone when the events cannot be recorded). */
export const handle = (request: Request, causality: EventEnvelope.Causality) =>
  NixFile.record({
    ...request,
    aggregate: Overlay.aggregate,
    aggregateId: Overlay.aggregateId(request.overlay.name),
    command: request.overlay,
    causality,
    render: ({ _tag, ...overlay }) => render(overlay)
  }).pipe(Effect.map(({ state, ...rest }) => ({ ...rest, overlay: Option.getOrThrow(state) })))
