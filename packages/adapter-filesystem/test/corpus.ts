/**
 * The corpus of hand-written flake.nix files under fixtures/flakes, with what a reader of each
 * file knows about it (stated here by hand, independently of the editor): its inputs, how
 * `outputs` takes its arguments, which inputs other inputs follow, and whether every input is a
 * local `path:` flake (then `nix flake metadata` runs offline on it). Shared by the unit and the
 * integration tests, together with the edits every file goes through.
 */
import { readFileSync } from "node:fs"
import { join } from "node:path"
import type { Workspace } from "@cim-nix/application"
import type { FlakeNixEditor } from "../src/index.js"

export interface Fixture {
  readonly file: string
  readonly inputs: ReadonlyArray<string>
  /** `explicit`: `{ self, a }:` (a new input must be added); `open`: with `...`; `none`: `inputs:`. */
  readonly formals: "explicit" | "open" | "none"
  /** The inputs `outputs` names as arguments. */
  readonly arguments: ReadonlyArray<string>
  /** Inputs that another input follows (removing them is refused). */
  readonly followed: ReadonlyArray<string>
  /** Inputs the body of `outputs` uses (removing them is refused). */
  readonly used: ReadonlyArray<string>
  /** Every input is `path:./deps/<name>`. */
  readonly local: boolean
}

const fixture = (
  file: string,
  inputs: ReadonlyArray<string>,
  /** `explicit`, `none`, or the arguments named before `...`. */
  formals: "explicit" | "none" | ReadonlyArray<string>,
  more: { readonly followed?: ReadonlyArray<string>; readonly used?: ReadonlyArray<string>; readonly local?: boolean } = {}
): Fixture => ({
  file,
  inputs,
  formals: typeof formals === "string" ? formals : "open",
  arguments: formals === "explicit" ? inputs : formals === "none" ? [] : formals,
  followed: more.followed ?? [],
  used: more.used ?? [],
  local: more.local ?? false
})

export const fixtures: ReadonlyArray<Fixture> = [
  fixture("01-dotted-flake-utils.nix", ["nixpkgs", "flake-utils"], "explicit", { used: ["nixpkgs", "flake-utils"] }),
  fixture("02-nested-multiline-attrs.nix", ["nixpkgs", "home-manager"], ["nixpkgs", "home-manager"], { followed: ["nixpkgs"], used: ["nixpkgs", "home-manager"] }),
  fixture("03-nested-dotted-plain-arg.nix", ["nixpkgs", "systems", "devenv"], "none", { followed: ["nixpkgs"], used: ["nixpkgs", "systems", "devenv"] }),
  fixture("04-rec-toplevel.nix", ["nixpkgs"], "explicit", { used: ["nixpkgs"] }),
  fixture("05-leading-commas.nix", ["nixpkgs", "flake-utils", "haskell-flake"], "explicit", { used: ["nixpkgs", "flake-utils"] }),
  fixture("06-trailing-commas.nix", ["nixpkgs", "treefmt-nix"], "explicit", { followed: ["nixpkgs"], used: ["nixpkgs", "treefmt-nix"] }),
  fixture("07-crlf.nix", ["nixpkgs", "sops-nix"], "explicit", { followed: ["nixpkgs"], used: ["sops-nix"] }),
  fixture("08-tabs-trailing-space.nix", ["nixpkgs", "fenix"], "explicit", { followed: ["nixpkgs"], used: ["fenix"] }),
  fixture("09-flake-false.nix", ["nixpkgs", "plugin-telescope", "plugin-lualine"], ["nixpkgs"]),
  fixture("10-quoted-names.nix", ["nixpkgs", "nix-darwin", "mac-app-util"], "explicit", { followed: ["nixpkgs"], used: ["nix-darwin", "mac-app-util"] }),
  fixture("11-one-line.nix", ["a", "b"], "explicit", { local: true }),
  fixture("12-no-inputs-with-description.nix", [], "explicit", { local: true }),
  fixture("13-bare-minimum.nix", [], "explicit", { local: true }),
  fixture("14-mixed-styles.nix", ["nixpkgs", "flake-parts", "crane"], "explicit", { followed: ["nixpkgs"], used: ["flake-parts", "crane"] }),
  fixture("15-comments-everywhere.nix", ["nixpkgs", "agenix"], "explicit", { followed: ["nixpkgs"], used: ["nixpkgs", "agenix"] }),
  fixture("16-weird-formatting.nix", ["nixpkgs", "utils"], "explicit", { used: ["nixpkgs", "utils"] }),
  fixture("17-path-dotted.nix", ["base", "tools", "assets"], "explicit", { followed: ["base"], local: true }),
  fixture("18-path-nested.nix", ["core", "extras"], [], { local: true }),
  fixture("19-path-crlf-tabs.nix", ["one", "two"], "explicit", { local: true }),
  fixture("20-empty-inputs-set.nix", [], "explicit", { local: true }),
  fixture("21-universal-first.nix", ["nixpkgs", "impermanence", "hardware"], ["nixpkgs"], { used: ["nixpkgs", "impermanence"] }),
  fixture("22-path-single-line-attrs.nix", ["left", "right"], "explicit", { followed: ["left"], local: true }),
  fixture("23-url-literals.nix", ["base", "tools", "assets"], ["base", "tools"], { followed: ["base"], local: true })
]

export const read = (f: Fixture): string => readFileSync(join(import.meta.dirname, "fixtures", "flakes", f.file), "utf8")

/** A named edit of a corpus file, and what must hold of the result. */
export interface Case {
  readonly title: string
  readonly edit: Workspace.FlakeEdit
  /** Whether the editor must refuse it (removing an input others follow or outputs uses). */
  readonly refused: boolean
}

/** The URL a new input gets: a local flake in the local fixtures, a GitHub one elsewhere. */
export const newInputUrl = (f: Fixture) => (f.local ? "path:./deps/extra" : "github:example/extra")

export const cases = (f: Fixture): ReadonlyArray<Case> => {
  const first = f.inputs[0]
  const lastInput = f.inputs[f.inputs.length - 1]
  const url = newInputUrl(f)
  return [
    { title: "add an input", edit: { _tag: "AddInput", name: "extra", url }, refused: false },
    {
      title: "add an input with flake = false and an override",
      edit: { _tag: "AddInput", name: "extra", url, flake: false, ...(first !== undefined ? { overrides: { dep: first } } : {}) },
      refused: false
    },
    ...(first === undefined ? [] : [{ title: `add an input that follows ${first}`, edit: { _tag: "AddInput", name: "extra", follows: first }, refused: false } as const]),
    ...f.inputs.map((name): Case => ({ title: `remove ${name}`, edit: { _tag: "RemoveInput", name }, refused: f.followed.includes(name) || f.used.includes(name) })),
    ...(first === undefined || lastInput === undefined ? [] : [
      { title: `set flake = false on ${first}`, edit: { _tag: "SetFlake", input: first, flake: false }, refused: false } as const,
      { title: `make ${lastInput}'s dep follow ${first}`, edit: { _tag: "SetFollows", input: lastInput, nested: "dep", follows: first }, refused: false } as const
    ]),
    { title: "set the description", edit: { _tag: "SetDescription", description: "Edited: \"quoted\", ${not interpolated}, back\\slash" }, refused: false }
  ]
}

/**
 * For the byte-preserving property: the old text without the spans the changes deleted, and the
 * new text without the spans they inserted (they must be equal), and whether each change's
 * `deleted` and `inserted` really are the text at its place in the old and the new text.
 */
export const unchangedParts = (before: string, after: string, changes: ReadonlyArray<FlakeNixEditor.Change>) => {
  const sorted = [...changes].sort((a, b) => a.offset - b.offset)
  let old = ""
  let fresh = ""
  let oldAt = 0
  let freshAt = 0
  let consistent = true
  for (const change of sorted) {
    old += before.slice(oldAt, change.offset)
    fresh += after.slice(freshAt, freshAt + (change.offset - oldAt))
    freshAt += change.offset - oldAt
    consistent &&= change.offset >= oldAt &&
      before.slice(change.offset, change.offset + change.deleted.length) === change.deleted &&
      after.slice(freshAt, freshAt + change.inserted.length) === change.inserted
    freshAt += change.inserted.length
    oldAt = change.offset + change.deleted.length
  }
  return { old: old + before.slice(oldAt), fresh: fresh + after.slice(freshAt), consistent }
}
