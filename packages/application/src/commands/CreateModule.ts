/**
 * CreateModule: records a NixOS module and writes it as a `.nix` file printed from the domain
 * model (`{ config, lib, pkgs, ... }: { imports; options.<name> = lib.mkOption { ... }; config; }`).
 * Option defaults are printed by their type, so that Nix evaluates them to the values given
 * (a `float` keeps its decimal point, a relative `path` is a path literal, a `package` is
 * `pkgs.<name>`).
 */
import { Effect, Either, Option, Schema } from "effect"
import type { EventEnvelope, Json } from "@cim-nix/domain"
import { Module, NixExpr, OptionType, ValidationError } from "@cim-nix/domain"
import * as NixFile from "./NixFile.js"

const lib = NixExpr.ident("lib")
const libType = (name: string) => NixExpr.select(lib, ["types", name])

/** `lib.types.<...>` for an option type. */
export const typeExpr = (type: OptionType.OptionType): NixExpr.NixExpr => {
  switch (type._tag) {
    case "Atom":
      return libType(type.name)
    case "ListOf":
      return NixExpr.apply(libType("listOf"), typeExpr(type.element))
    case "AttrsOf":
      return NixExpr.apply(libType("attrsOf"), typeExpr(type.element))
    case "NullOr":
      return NixExpr.apply(libType("nullOr"), typeExpr(type.element))
    case "Enum":
      return NixExpr.apply(libType("enum"), NixExpr.list(type.values.map((v) => (typeof v === "string" ? NixExpr.string(v) : NixExpr.int(v)))))
    case "Either":
      return NixExpr.apply(libType("either"), typeExpr(type.left), typeExpr(type.right))
    case "Submodule":
      return NixExpr.apply(
        libType("submodule"),
        NixExpr.attrs(Object.entries(type.options).map(([name, t]) => NixExpr.bind(["options", name], mkOption({ type: t }))))
      )
  }
}

/** A JSON value as the Nix value an option of `type` takes; values that do not fit are printed as plain JSON. */
export const valueExpr = (type: OptionType.OptionType, value: Json.Json): NixExpr.NixExpr => {
  if (!OptionType.check(type, value)) return NixExpr.fromJson(value)
  switch (type._tag) {
    case "Atom":
      if (type.name === "float") return NixExpr.float(value as number)
      if (type.name === "path" && /^\.\.?\//.test(value as string)) return NixExpr.path(value as string)
      if (type.name === "package") return NixExpr.select(NixExpr.ident("pkgs"), (value as string).split(".") as [string, ...Array<string>])
      return NixExpr.fromJson(value)
    case "ListOf":
      return NixExpr.list((value as ReadonlyArray<Json.Json>).map((v) => valueExpr(type.element, v)))
    case "AttrsOf":
      return NixExpr.attrs(Object.entries(value as Json.JsonObject).map(([k, v]) => NixExpr.bind(k, valueExpr(type.element, v))))
    case "NullOr":
      return value === null ? NixExpr.nullValue : valueExpr(type.element, value)
    case "Either":
      return valueExpr(OptionType.check(type.left, value) ? type.left : type.right, value)
    case "Submodule":
      return NixExpr.attrs(Object.entries(value as Json.JsonObject).map(([k, v]) => NixExpr.bind(k, valueExpr(type.options[k]!, v))))
    case "Enum":
      return NixExpr.fromJson(value)
  }
}

const mkOption = (option: Omit<Module.OptionDeclaration, "name">): NixExpr.NixExpr =>
  NixExpr.apply(
    NixExpr.select(lib, "mkOption"),
    NixExpr.attrs([
      NixExpr.bind("type", typeExpr(option.type)),
      ...(option.default === undefined ? [] : [NixExpr.bind("default", valueExpr(option.type, option.default))]),
      ...(option.example === undefined ? [] : [NixExpr.bind("example", valueExpr(option.type, option.example))]),
      ...(option.description === undefined ? [] : [NixExpr.bind("description", NixExpr.string(option.description))])
    ])
  )

/** A module reference: a path literal, or a dotted name selected from a module argument. */
export const referenceExpr = (reference: string): NixExpr.NixExpr => {
  if (reference.includes("/")) return NixExpr.path(reference.startsWith("/") || reference.startsWith(".") ? reference : `./${reference}`)
  const [head, ...rest] = reference.split(".")
  return rest.length === 0 ? NixExpr.ident(head!) : NixExpr.select(NixExpr.ident(head!), rest as [string, ...Array<string>])
}

/** The module arguments the references need besides `config`, `lib` and `pkgs` (e.g. `inputs`). */
const argumentsOf = (references: ReadonlyArray<string>): ReadonlyArray<string> => {
  const base = ["config", "lib", "pkgs"]
  const extra = references.filter((r) => !r.includes("/")).map((r) => r.split(".")[0]!)
  return [...base, ...new Set(extra.filter((name) => !base.includes(name)))]
}

/** The module as a Nix expression. */
export const expr = (module: Module.Module): NixExpr.NixExpr =>
  NixExpr.commented(
    `NixOS module ${module.name}, written by cim-nix.`,
    NixExpr.lambda(
      { formals: argumentsOf(module.imports), ellipsis: true },
      NixExpr.attrs([
        ...(module.imports.length === 0 ? [] : [NixExpr.bind("imports", NixExpr.list(module.imports.map(referenceExpr)))]),
        ...module.options.map(({ name, ...option }) => NixExpr.bind(["options", ...name.split(".")] as [string, ...Array<string>], mkOption(option))),
        ...(Object.keys(module.config).length === 0
          ? []
          : [NixExpr.bind("config", NixExpr.collapseNested(NixExpr.fromJson(module.config) as NixExpr.AttrSet))])
      ])
    )
  )

/** The module's Nix source. */
export const render = (module: Module.Module): Effect.Effect<string, ValidationError> => NixExpr.print(expr(module))

/** An option given as `NAME:TYPE[=DEFAULT]` (the CLI's `--option`). */
export type OptionSpec = Module.CreateModule["options"][number]


/**
 * Reads `NAME:TYPE[=DEFAULT]`, e.g. `services.web.port:port=8080` or `tags:listOf str=["a"]`.
 * The default is JSON (`8080`, `true`, `"text"`, `["a"]`); text that is not JSON is a string.
 * The type ends at the first `=` before which it parses (`submodule { a = int; }=...` works).
 */
export const parseOptionSpec = (text: string): Effect.Effect<OptionSpec, ValidationError> => {
  const colon = text.indexOf(":")
  const invalid = (message: string) =>
    new ValidationError({
      field: "option",
      message: `${JSON.stringify(text)}: ${message}`,
      hint: "Give an option as NAME:TYPE or NAME:TYPE=DEFAULT, e.g. services.web.port:port=8080 or tags:\"listOf str\"=[\"a\"] (the default is JSON; other text is a string)."
    })
  if (colon <= 0) return Effect.fail(invalid("expected NAME:TYPE"))
  const name = text.slice(0, colon)
  const rest = text.slice(colon + 1)
  for (let at = rest.indexOf("="); at >= 0; at = rest.indexOf("=", at + 1)) {
    const type = rest.slice(0, at).trim()
    if (Either.isRight(Effect.runSync(Effect.either(OptionType.parse(type))))) {
      return Effect.succeed({ name, type, default: NixFile.parseValue(rest.slice(at + 1)) })
    }
  }
  return Effect.succeed({ name, type: rest.trim() })
}

/** The request: the module, the file to write and whether an existing file may be replaced. */
export const Request = Schema.Struct({ ...NixFile.requestFields, module: Module.CreateModule })
export type Request = typeof Request.Type

/** Records the module and writes its file (undone when the events cannot be recorded). */
export const handle = (request: Request, causality: EventEnvelope.Causality) =>
  NixFile.record({
    ...request,
    aggregate: Module.aggregate,
    aggregateId: Module.aggregateId(request.module.name),
    command: request.module,
    causality,
    render: ({ _tag, ...module }) => render(module)
  }).pipe(Effect.map(({ state, ...rest }) => ({ ...rest, module: Option.getOrThrow(state) })))
