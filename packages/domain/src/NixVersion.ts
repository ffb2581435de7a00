/**
 * The installed Nix: its variant (Nix or Lix), version, and the capability set derived from
 * them. Adapters choose flags and JSON parsers from `Capabilities`, never from raw version
 * numbers, so that support for a new Nix release is one change here. See TOOLCHAIN.md.
 */
import { Effect, Schema } from "effect"
import { ParseError } from "./Errors.js"

/** `nix` proper or the Lix fork (which prints `nix (Lix, like Nix) 2.9x.y`). */
export const Variant = Schema.Literal("nix", "lix")
export type Variant = typeof Variant.Type

/** A parsed `nix --version`. */
export class NixVersion extends Schema.Class<NixVersion>("NixVersion")({
  variant: Variant,
  major: Schema.Int,
  minor: Schema.Int,
  patch: Schema.Int,
  /** The whole version string as printed, e.g. `2.8.0` or `2.18.1pre20231010_abcdef`. */
  text: Schema.String
}) {}

/** What a given Nix can do; each flag names the release that introduced it. */
export const Capabilities = Schema.Struct({
  /** 2.9: `nix build --print-out-paths`. */
  printOutPaths: Schema.Boolean,
  /** 2.9: `installable^out,dev` output selection. */
  installableOutputs: Schema.Boolean,
  /** 2.15: `nix derivation show` (older: `nix show-derivation`). */
  derivationShow: Schema.Literal("show-derivation", "derivation show"),
  /** 2.19: `nix flake update <inputs...>` (older: `nix flake lock --update-input <input>`). */
  flakeUpdateInputs: Schema.Boolean,
  /** 2.19 (not Lix): `path-info --json` is an object keyed by store path (older and Lix: a list). */
  pathInfoJsonObject: Schema.Boolean,
  /** 2.20: `nix search` needs a regex argument (`^` for all). */
  searchNeedsRegex: Schema.Boolean,
  /** 2.20: store path names may start with a dot. */
  storeNameLeadingDot: Schema.Boolean,
  /** 2.20: `nix profile` addresses elements by name. */
  profileElementsByName: Schema.Boolean,
  /** 2.23: derivation JSON splits `hashAlgo` and `method`. */
  derivationJsonSplitHash: Schema.Boolean,
  /** 2.30: `nix profile add` (older: `nix profile install`). */
  profileAdd: Schema.Boolean,
  /** 2.30: the `json-log-path` setting. */
  jsonLogPath: Schema.Boolean,
  /** 2.33: `path-info --json` wants `--json-format`. */
  pathInfoJsonFormat: Schema.Boolean,
  /** 2.33: derivation JSON v4 (`inputs.srcs` / `inputs.drvs`; older: `inputSrcs` / `inputDrvs`). */
  derivationJsonV4: Schema.Boolean
})
export type Capabilities = typeof Capabilities.Type

const versionLine = /^nix \((Nix|Lix, like Nix)\) (\d+)\.(\d+)(?:\.(\d+))?(\S*)\s*$/

/** Parses the first line of `nix --version`, e.g. `nix (Nix) 2.8.0` or `nix (Lix, like Nix) 2.91.1`. */
export const parse = (output: string): Effect.Effect<NixVersion, ParseError> => {
  const line = output.split("\n", 1)[0]!.trim()
  const m = versionLine.exec(line)
  if (m === null) {
    return Effect.fail(
      new ParseError({
        kind: "NixVersion",
        input: line,
        position: 0,
        message: `not a 'nix --version' line: ${JSON.stringify(line)}`,
        hint: "Make sure the `nix` on PATH is Nix (2.8 or newer) or Lix, not a wrapper that prints something else."
      })
    )
  }
  const [major, minor, patch] = [Number(m[2]), Number(m[3]), Number(m[4] ?? 0)]
  return Effect.succeed(
    new NixVersion({
      variant: m[1] === "Nix" ? "nix" : "lix",
      major,
      minor,
      patch,
      text: `${m[2]}.${m[3]}${m[4] === undefined ? "" : `.${m[4]}`}${m[5]}`
    })
  )
}

/** Lix forked from Nix 2.18: its 2.9x versions behave like 2.18 plus its own changes. */
const LIX_BASE_MINOR = 18

/** The capability set of a version. */
export const capabilities = (version: NixVersion): Capabilities => {
  const lix = version.variant === "lix"
  const minor = version.major > 2 ? Number.MAX_SAFE_INTEGER : lix ? LIX_BASE_MINOR : version.minor
  const since = (m: number) => minor >= m
  return {
    printOutPaths: since(9),
    installableOutputs: since(9),
    derivationShow: since(15) ? "derivation show" : "show-derivation",
    flakeUpdateInputs: since(19),
    pathInfoJsonObject: !lix && since(19),
    searchNeedsRegex: since(20),
    storeNameLeadingDot: since(20),
    profileElementsByName: since(20),
    derivationJsonSplitHash: since(23),
    profileAdd: since(30),
    jsonLogPath: since(30),
    pathInfoJsonFormat: since(33),
    derivationJsonV4: since(33)
  }
}

/** The capabilities that are on, by name: a short summary for reports such as `cim-nix doctor`. */
export const enabled = (caps: Capabilities): ReadonlyArray<string> =>
  Object.entries(caps)
    .filter(([, v]) => v === true)
    .map(([k]) => k)
