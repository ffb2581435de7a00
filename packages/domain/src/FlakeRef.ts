/**
 * Flake references (Nix manual, `nix3-flake`, "Flake references"), in both forms Nix uses:
 *
 * - the URL-like form of the command line and of `inputs.x.url`
 *   (`github:NixOS/nixpkgs/nixos-24.05?dir=lib`), read by {@link parse} and written by
 *   {@link format};
 * - the attribute-set form of `inputs.x = { type = "github"; ... }` and of the `locked` /
 *   `original` nodes of `flake.lock`, read by {@link fromAttrs} and written by {@link toAttrs}.
 *
 * A {@link FlakeRef} is a tagged union on `type` (the Nix input type, except that Mercurial is
 * `"mercurial"` here and `"hg"` in the attribute-set form, as Nix writes it). Every value of the
 * {@link FlakeRef} schema is valid and canonical, so `parse(format(v))` equals `v`, and
 * `format(parse(x))` is stable.
 *
 * Decisions (checked against the Nix sources, 2.8 and current, and against `nix` 2.8):
 *
 * - **Canonical URL** ({@link format}): Nix's own `to_string` shape (`flake:nixpkgs/nixos-24.05`,
 *   `github:o/r/<ref-or-rev>`, `git+https://host/x?ref=main`, `path:/abs`), parameters sorted
 *   by name, components percent-encoded with upper-case hex. Readable characters that RFC 3986
 *   allows in a query (`/`, `:`, `@`, `+`) are left as they are (Nix 2.8 escapes `/` as `%2f`;
 *   both read the same). A plain `https://.../x.tar.gz` stays plain (tarball), and a plain URL
 *   without an archive extension stays plain (file); the `tarball+` / `file+` prefix is written
 *   only where the plain URL would be read as the other type.
 * - **Revisions**: a 40-hex-digit path part (`github:o/r/<40 hex>`, `nixpkgs/<40 hex>`) is a
 *   `rev`, anything else a `ref`, as in Nix (whose `revRegex` accepts upper-case hex too: such a
 *   rev is stored lower-case, as Nix's `gitRev()` prints it). `?rev=` must be 40 hex digits (Nix
 *   would also take base-32/SRI SHA-1 forms there; nobody writes those). A ref that itself looks
 *   like 40 hex digits is written as `?ref=` so that it is not re-read as a rev.
 * - **Bare paths** (`.`, `./sub`, `../x`, `/abs`): Nix resolves these against the working
 *   directory and then looks at the file system: inside a Git work tree they become
 *   `git+file:///<repo>?dir=<sub>` (only tracked files), elsewhere `path:/<abs>` (every file).
 *   A pure domain cannot do that, so a bare path parses to `{ type: "path", path, bare: true }`
 *   with the path kept as written, and {@link format} writes it back bare: handing
 *   `path:.` to Nix instead would silently switch from the Git semantics to the
 *   copy-everything ones. {@link toAttrs} drops `bare` (the attribute-set form has no such
 *   thing). `path:` references keep their path as given too, relative ones included
 *   (`path:./sub`, `path:../x`), as Nix does; `path:///abs` reads as `path:/abs`.
 * - **URL-based types** (`git`, `mercurial`, `tarball`, `file`): query parameters that are not
 *   flake attributes stay in `url` (Nix sends them to the server: `?token=...`), re-encoded in
 *   canonical order; the attributes Nix takes out of the query are typed fields, plus a few
 *   that this model does not type (`name` for all four; `lfs`, `exportIgnore`, `verifyCommit`,
 *   `keytype`, `publicKey(s)` of newer Nix for Git; `unpack` for tarballs and files) which are
 *   kept in `params`.
 * - **Other types** (`indirect`, `path`, forges): unknown parameters are kept in `params`
 *   (Nix 2.8 ignores them on forges; current Nix rejects them; keeping them loses nothing).
 * - **Stricter than Nix**, with a message saying why: an empty reference, leading or trailing
 *   white space, control characters, a leading `-` (it would be read as a command-line option),
 *   a host starting with `-` (ssh option injection), a parameter without `=` or given twice
 *   (Nix silently drops or keeps the first), a flag other than `0`/`1` (`submodules=true` is
 *   *false* for Nix), a `narHash` not in SRI form, `?ref=`/`?rev=` on a registry reference
 *   (Nix ignores them there), spaces in URLs (Nix 2.8 rejects them too; write `%20`).
 * - **Newer than Nix 2.8**: this module reads references as current Nix does. Nix 2.8 (checked
 *   with `nix flake metadata` against lock files, see FlakeRef.integration.test.ts) differs on:
 *   `dir` on `path:` references (rejected) and on URL-based types (left inside `url` as well);
 *   `allRefs` (left inside `url`); `-` in `?host=` (rejected); percent-escapes in `path:` paths
 *   and forge owners (not decoded); `&`/`=` inside a query value of a Git/Mercurial/tarball URL
 *   (re-encoded unescaped into `url`); `?narHash=` of a tarball URL (also left inside `url`);
 *   `tarball+`/`file+` prefixes and `file` inputs (absent);
 *   it also never prints `?host=` nor `submodules` in its own URLs. Adapters that hand such
 *   references to an old Nix check the capability set.
 */
import { Effect, Either, ParseResult, Schema } from "effect"
import { ParseError, ValidationError } from "./Errors.js"
import {
  CONTROL,
  FLAKE_ID,
  FORGE_HOST,
  FORGE_OWNER,
  FORGE_REPO,
  LONE_SURROGATE,
  REV,
  REV_ANY_CASE,
  WHITESPACE,
  encodePath,
  encodeSegment,
  formatQuery,
  hasTarballExtension,
  isProblem,
  isSriHash,
  joinUrl,
  parseQuery,
  percentDecode,
  problemAt,
  refProblem,
  splitUrl,
  type QueryParam,
  type TextProblem
} from "./internal/flakeRefText.js"

/** The input types (`type` attribute) this module models. `indirect` is the registry form. */
export const FlakeRefType = Schema.Literal(
  "indirect",
  "path",
  "git",
  "mercurial",
  "tarball",
  "file",
  "github",
  "gitlab",
  "sourcehut"
)
export type FlakeRefType = typeof FlakeRefType.Type

/** A value in the attribute-set form. */
export type AttrValue = string | number | boolean
/** The attribute-set form (`inputs.x = { type = "github"; ... }`, `flake.lock` `locked` / `original`). */
export type Attrs = Readonly<Record<string, AttrValue>>

/** Fields every flake reference may carry. */
const common = {
  /** A commit hash: 40 lower-case hex digits. */
  rev: Schema.optional(Schema.String),
  /** Sub-directory of the source tree that holds `flake.nix` (`?dir=`). */
  dir: Schema.optional(Schema.String),
  /** SRI hash (`sha256-...`) of the NAR serialisation of the source tree (locked references). */
  narHash: Schema.optional(Schema.String),
  /** Seconds since the epoch of the last commit / modification (locked references). */
  lastModified: Schema.optional(Schema.Number),
  /** Number of ancestors of `rev` (locked Git / Mercurial references). */
  revCount: Schema.optional(Schema.Number),
  /** Any other parameter, kept verbatim (newer Nix releases add some). Absent when empty. */
  params: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.String }))
}

/** `nixpkgs`, `nixpkgs/nixos-24.05`, `flake:nixpkgs/<ref>/<rev>`: looked up in the flake registry. */
export const IndirectRef = Schema.Struct({
  type: Schema.Literal("indirect"),
  /** Registry name: `[a-zA-Z][a-zA-Z0-9_-]*`. */
  id: Schema.String,
  /** Branch or tag (one path component: the URL form cannot hold a `/` here). */
  ref: Schema.optional(Schema.String),
  ...common
})
export type IndirectRef = typeof IndirectRef.Type

/** `path:/abs`, `path:./rel`, or a bare `.`, `./sub`, `/abs`: a directory on the local file system. */
export const PathRef = Schema.Struct({
  type: Schema.Literal("path"),
  /** The path as given (not resolved: relative paths stay relative). */
  path: Schema.String,
  /**
   * Written without `path:`. Nix resolves such a path on the file system (a Git work tree
   * makes it `git+file:`), so it is kept and printed bare. Absent for `path:` references.
   */
  bare: Schema.optional(Schema.Literal(true)),
  ...common
})
export type PathRef = typeof PathRef.Type

/** `git+https://...`, `git+ssh://...`, `git+file:///...`, `git://...`. */
export const GitRef = Schema.Struct({
  type: Schema.Literal("git"),
  /** The repository URL without the `git+` prefix (`https://host/x`, `file:///x`, `git://host/x`). */
  url: Schema.String,
  ref: Schema.optional(Schema.String),
  submodules: Schema.optional(Schema.Boolean),
  shallow: Schema.optional(Schema.Boolean),
  allRefs: Schema.optional(Schema.Boolean),
  ...common
})
export type GitRef = typeof GitRef.Type

/** `hg+https://...`, `hg+ssh://...`, `hg+file:///...` (`type = "hg"` in the attribute-set form). */
export const MercurialRef = Schema.Struct({
  type: Schema.Literal("mercurial"),
  /** The repository URL without the `hg+` prefix. */
  url: Schema.String,
  ref: Schema.optional(Schema.String),
  ...common
})
export type MercurialRef = typeof MercurialRef.Type

/** `tarball+https://...` or `https://.../x.tar.gz`: an archive unpacked as the source tree. */
export const TarballRef = Schema.Struct({
  type: Schema.Literal("tarball"),
  /** The archive URL (`https://...`, `http://...`, `file:///...`). */
  url: Schema.String,
  ...common
})
export type TarballRef = typeof TarballRef.Type

/** `file+https://...` or `https://.../flake.nix`: a single file. */
export const FileRef = Schema.Struct({
  type: Schema.Literal("file"),
  /** The file URL (`https://...`, `http://...`, `file:///...`). */
  url: Schema.String,
  ...common
})
export type FileRef = typeof FileRef.Type

const forge = <T extends "github" | "gitlab" | "sourcehut">(type: T) =>
  Schema.Struct({
    type: Schema.Literal(type),
    /** User or organisation (`~user` on SourceHut; `group/subgroup` on GitLab). */
    owner: Schema.String,
    repo: Schema.String,
    /** Branch or tag; never together with `rev`. */
    ref: Schema.optional(Schema.String),
    /** `?host=`: a self-hosted instance (default github.com, gitlab.com, git.sr.ht). */
    host: Schema.optional(Schema.String),
    ...common
  })

/** `github:owner/repo[/ref-or-rev]`. */
export const GitHubRef = forge("github")
export type GitHubRef = typeof GitHubRef.Type
/** `gitlab:owner/repo[/ref-or-rev]` (subgroups: `gitlab:group%2Fsub/repo`). */
export const GitLabRef = forge("gitlab")
export type GitLabRef = typeof GitLabRef.Type
/** `sourcehut:~owner/repo[/ref-or-rev]`. */
export const SourceHutRef = forge("sourcehut")
export type SourceHutRef = typeof SourceHutRef.Type

/** The fields of a flake reference before validation (what {@link make} accepts). */
export type FlakeRefFields =
  | IndirectRef
  | PathRef
  | GitRef
  | MercurialRef
  | TarballRef
  | FileRef
  | GitHubRef
  | GitLabRef
  | SourceHutRef

type Forge = GitHubRef | GitLabRef | SourceHutRef
type UrlBased = GitRef | MercurialRef | TarballRef | FileRef

const FORGES: ReadonlySet<FlakeRefType> = new Set(["github", "gitlab", "sourcehut"])
const URL_BASED: ReadonlySet<FlakeRefType> = new Set(["git", "mercurial", "tarball", "file"])
const isUrlBased = (r: FlakeRefFields): r is UrlBased => URL_BASED.has(r.type)

/** The name users know a type by, for messages. */
const TYPE_NAME: Readonly<Record<FlakeRefType, string>> = {
  indirect: "registry",
  path: "path",
  git: "Git",
  mercurial: "Mercurial",
  tarball: "tarball",
  file: "file",
  github: "GitHub",
  gitlab: "GitLab",
  sourcehut: "SourceHut"
}

/** The typed fields of each type, as query / attribute names (besides `type` and `params`). */
const FIELDS: Readonly<Record<FlakeRefType, ReadonlyArray<string>>> = {
  indirect: ["id", "ref", "rev", "dir", "narHash", "lastModified", "revCount"],
  path: ["path", "rev", "dir", "narHash", "lastModified", "revCount"],
  git: ["url", "ref", "rev", "submodules", "shallow", "allRefs", "dir", "narHash", "lastModified", "revCount"],
  mercurial: ["url", "ref", "rev", "dir", "narHash", "lastModified", "revCount"],
  tarball: ["url", "rev", "dir", "narHash", "lastModified", "revCount"],
  file: ["url", "rev", "dir", "narHash", "lastModified", "revCount"],
  github: ["owner", "repo", "ref", "rev", "host", "dir", "narHash", "lastModified", "revCount"],
  gitlab: ["owner", "repo", "ref", "rev", "host", "dir", "narHash", "lastModified", "revCount"],
  sourcehut: ["owner", "repo", "ref", "rev", "host", "dir", "narHash", "lastModified", "revCount"]
}

/**
 * Attributes that newer Nix releases take out of the URL of a URL-based type: kept in
 * `params` (not in `url`). The boolean ones are booleans in the attribute-set form.
 */
const URL_ATTR_PARAMS: Readonly<Partial<Record<FlakeRefType, ReadonlySet<string>>>> = {
  git: new Set(["lfs", "exportIgnore", "verifyCommit", "keytype", "publicKey", "publicKeys", "name"]),
  mercurial: new Set(["name"]),
  tarball: new Set(["name", "unpack"]),
  file: new Set(["name", "unpack"])
}
const BOOLEAN_ATTRS: ReadonlySet<string> = new Set(["submodules", "shallow", "allRefs", "lfs", "exportIgnore", "verifyCommit", "unpack"])
const INT_ATTRS: ReadonlySet<string> = new Set(["lastModified", "revCount"])

/** The URL schemes each URL-based type accepts (after its `git+`/`hg+`/... prefix). */
const TRANSPORTS: Readonly<Record<UrlBased["type"], ReadonlyArray<string>>> = {
  git: ["http", "https", "ssh", "file", "git"],
  mercurial: ["http", "https", "ssh", "file"],
  tarball: ["http", "https", "file"],
  file: ["http", "https", "file"]
}

/** A broken rule of a flake reference: which field, what, and what to do. */
interface Problem {
  readonly field: string
  readonly message: string
  readonly hint: string
}

const PARAM_NAME = /^[A-Za-z][A-Za-z0-9_.-]*$/

const badText = (s: string): boolean => CONTROL.test(s) || LONE_SURROGATE.test(s)

/** Checks a URL-based type's `url`; returns its decoded query too. */
const urlProblem = (ref: UrlBased): Problem | undefined => {
  const parts = splitUrl(ref.url, 0)
  const hintUrl = `Give the ${TYPE_NAME[ref.type]} URL without its prefix, e.g. '${ref.type === "git" ? "https://example.org/repo.git" : "https://example.org/x.tar.gz"}'.`
  if (isProblem(parts) || !/^[a-z][a-z0-9+.-]*$/.test(parts.scheme)) {
    return { field: "url", message: `'${ref.url}' is not a valid URL${isProblem(parts) ? `: ${parts.message}` : ""}`, hint: hintUrl }
  }
  if (!TRANSPORTS[ref.type].includes(parts.scheme)) {
    return {
      field: "url",
      message: `a ${TYPE_NAME[ref.type]} URL cannot use the scheme '${parts.scheme}'`,
      hint: `Use one of ${TRANSPORTS[ref.type].map((s) => `'${s}:'`).join(", ")}.`
    }
  }
  if (parts.scheme === "file") {
    if (parts.authority !== undefined && parts.authority !== "") {
      return { field: "url", message: `file URL '${ref.url}' has a host ('${parts.authority}')`, hint: "Write local paths as 'file:///abs/path'." }
    }
    if (parts.path === "") return { field: "url", message: `file URL '${ref.url}' has no path`, hint: "Write local paths as 'file:///abs/path'." }
  } else if (parts.scheme !== "git" || parts.authority !== undefined) {
    const host = (parts.authority ?? "").replace(/^[^@]*@/, "").replace(/:[0-9]*$/, "")
    if (host === "") {
      return { field: "url", message: `URL '${ref.url}' has no host`, hint: `Write '${parts.scheme}://host/path'.` }
    }
  } else if (!parts.path.startsWith("/")) {
    return { field: "url", message: `URL '${ref.url}' has no absolute path`, hint: "Write 'git://host/path' or 'git:/abs/path'." }
  }
  const query = parts.query === undefined ? [] : parseQuery(parts.query, 0)
  if (!Array.isArray(query)) return { field: "url", message: `URL '${ref.url}': ${(query as TextProblem).message}`, hint: (query as TextProblem).hint }
  const reserved = new Set([...FIELDS[ref.type], ...(URL_ATTR_PARAMS[ref.type] ?? [])])
  for (const { key } of query as ReadonlyArray<QueryParam>) {
    if (reserved.has(key)) {
      return {
        field: "url",
        message: `URL '${ref.url}' carries the flake attribute '${key}' in its query`,
        hint: `Set '${key}' as a field of the flake reference, not inside 'url'.`
      }
    }
  }
  const canonical = joinUrl(parts.scheme, parts.authority, parts.path, formatQuery(toRecord(query as ReadonlyArray<QueryParam>)))
  if (canonical !== ref.url) {
    return { field: "url", message: `URL '${ref.url}' is not in canonical form`, hint: `Write '${canonical}' (query parameters sorted and percent-encoded).` }
  }
  return undefined
}

const toRecord = (params: ReadonlyArray<QueryParam>): Record<string, string> => {
  const r: Record<string, string> = {}
  for (const p of params) r[p.key] = p.value
  return r
}

const problemOf = (ref: FlakeRefFields): Problem | undefined => {
  for (const [k, v] of Object.entries(ref)) {
    if (v === undefined) return { field: k, message: `field '${k}' is undefined`, hint: "Leave optional fields out instead of setting them to undefined." }
    if (typeof v === "string" && badText(v)) {
      return { field: k, message: `${k} ${JSON.stringify(v)} contains a control character`, hint: "Remove control characters (newlines, tabs, ...) from flake references." }
    }
  }
  if (!FIELDS[ref.type]) return { field: "type", message: `unknown flake reference type '${String(ref.type)}'`, hint: `Use one of ${FlakeRefType.literals.join(", ")}.` }
  const extra = Object.keys(ref).filter((k) => k !== "type" && k !== "params" && !(k === "bare" && ref.type === "path") && !FIELDS[ref.type].includes(k))
  if (extra.length > 0) {
    return { field: extra[0]!, message: `a ${TYPE_NAME[ref.type]} flake reference has no field '${extra[0]}'`, hint: "Put other parameters in 'params'." }
  }
  if (ref.rev !== undefined && !REV.test(ref.rev)) {
    return { field: "rev", message: `rev '${ref.rev}' is not a commit hash (40 lower-case hex digits)`, hint: "Give the full 40-digit commit hash, e.g. from 'git rev-parse HEAD'." }
  }
  if (ref.narHash !== undefined && !isSriHash(ref.narHash)) {
    return { field: "narHash", message: `narHash '${ref.narHash}' is not an SRI hash`, hint: "Write it as Nix prints it in flake.lock: 'sha256-' followed by 44 base-64 characters." }
  }
  for (const k of ["lastModified", "revCount"] as const) {
    const n = ref[k]
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
      return { field: k, message: `${k} ${n} is not a non-negative integer`, hint: `${k} counts ${k === "lastModified" ? "seconds since 1970" : "commits"}: a whole number >= 0.` }
    }
  }
  if (ref.dir !== undefined && (ref.dir === "" || ref.dir.startsWith("/"))) {
    return { field: "dir", message: `dir '${ref.dir}' is not a relative sub-directory`, hint: "Give the directory holding flake.nix relative to the root of the source, e.g. 'dir=nix/sub'; omit it for the root." }
  }
  if (ref.params !== undefined) {
    const keys = Object.keys(ref.params)
    if (keys.length === 0) return { field: "params", message: "params is empty", hint: "Leave params out when there are none." }
    for (const k of keys) {
      const v = ref.params[k]!
      if (!PARAM_NAME.test(k)) return { field: `params.${k}`, message: `parameter name '${k}' is not valid`, hint: "Parameter names are letters, digits, '_', '.' and '-', starting with a letter." }
      if (FIELDS[ref.type].includes(k) || k === "type" || k === "bare") {
        return { field: `params.${k}`, message: `'${k}' is a field of a ${TYPE_NAME[ref.type]} flake reference, not a free parameter`, hint: `Set the '${k}' field instead.` }
      }
      if (isUrlBased(ref) && !URL_ATTR_PARAMS[ref.type]?.has(k)) {
        return {
          field: `params.${k}`,
          message: `parameter '${k}' of a ${TYPE_NAME[ref.type]} reference belongs in its url`,
          hint: `Nix sends unknown parameters of ${TYPE_NAME[ref.type]} URLs to the server: put '${k}=...' in the query of 'url'.`
        }
      }
      if (badText(v)) return { field: `params.${k}`, message: `parameter '${k}' contains a control character`, hint: "Remove control characters from parameter values." }
    }
  }
  if ("ref" in ref && ref.ref !== undefined) {
    const why = refProblem(ref.ref)
    if (why !== undefined) {
      return { field: "ref", message: `ref '${ref.ref}' is not a valid branch or tag name: it ${why}`, hint: "Give a Git branch or tag name such as 'main', 'nixos-24.05' or 'refs/tags/v1.0'." }
    }
  }
  switch (ref.type) {
    case "indirect": {
      if (!FLAKE_ID.test(ref.id)) {
        return { field: "id", message: `'${ref.id}' is not a valid flake id`, hint: "A registry name starts with a letter, then letters, digits, '_' or '-' (e.g. 'nixpkgs')." }
      }
      if (ref.ref !== undefined && (ref.ref.includes("/") || REV_ANY_CASE.test(ref.ref))) {
        return {
          field: "ref",
          message: `ref '${ref.ref}' of registry flake '${ref.id}' cannot be written as a URL`,
          hint: "A registry reference's ref is one path component and not 40 hex digits; use the registry entry's own type (e.g. github:) for other refs."
        }
      }
      return undefined
    }
    case "path": {
      if (ref.path === "") return { field: "path", message: "path is empty", hint: "Give a directory, e.g. '.' or '/home/me/flake'." }
      if (ref.path.includes("\u0000")) return { field: "path", message: "path contains a NUL byte", hint: "Remove it." }
      if (ref.bare === true) {
        if (!(ref.path.startsWith("/") || ref.path.startsWith("."))) {
          return { field: "path", message: `bare path '${ref.path}' does not start with '/' or '.'`, hint: "Start relative paths with './' (otherwise Nix reads a registry name), or use a 'path:' reference." }
        }
        const bad = /[?#]/.exec(ref.path)
        if (bad !== null) return { field: "path", message: `bare path '${ref.path}' contains '${bad[0]}'`, hint: "Use a 'path:' reference, where such characters are percent-encoded." }
        if (ref.path !== ref.path.trim()) return { field: "path", message: `bare path '${ref.path}' starts or ends with white space`, hint: "Use a 'path:' reference, where spaces are percent-encoded." }
      }
      return undefined
    }
    case "git":
    case "mercurial":
    case "tarball":
    case "file":
      return urlProblem(ref)
    case "github":
    case "gitlab":
    case "sourcehut": {
      const owners = ref.type === "gitlab" ? ref.owner.split("/") : [ref.owner]
      if (!owners.every((o) => FORGE_OWNER.test(o)) || (ref.type === "gitlab" && ref.owner.startsWith("~"))) {
        return {
          field: "owner",
          message: `'${ref.owner}' is not a valid ${TYPE_NAME[ref.type]} owner`,
          hint: `An owner is letters, digits, '_', '.', '+' and '-', not starting with '-' or '.'${ref.type === "sourcehut" ? " (with a leading '~' on SourceHut)" : ref.type === "gitlab" ? " (subgroups: 'group/sub')" : ""}.`
        }
      }
      if (!FORGE_REPO.test(ref.repo)) {
        return { field: "repo", message: `'${ref.repo}' is not a valid ${TYPE_NAME[ref.type]} repository name`, hint: "A repository name is letters, digits, '_', '.', '+' and '-', not starting with '-' or '.'." }
      }
      if (ref.ref !== undefined && ref.rev !== undefined) {
        return {
          field: "rev",
          message: `a ${TYPE_NAME[ref.type]} reference cannot have both a ref ('${ref.ref}') and a rev ('${ref.rev}')`,
          hint: "Nix fetches a commit directly by rev: drop the ref, or drop the rev to follow the branch."
        }
      }
      if (ref.host !== undefined && !FORGE_HOST.test(ref.host)) {
        return { field: "host", message: `'${ref.host}' is not a valid host`, hint: "Give a host name such as 'git.example.org' (letters, digits, '.' and '-')." }
      }
      return undefined
    }
  }
}

/** A validated, canonical flake reference. Narrow on `type`. */
export const FlakeRef = Schema.Union(
  IndirectRef,
  PathRef,
  GitRef,
  MercurialRef,
  TarballRef,
  FileRef,
  GitHubRef,
  GitLabRef,
  SourceHutRef
).pipe(
  Schema.filter((ref) => {
    const p = problemOf(ref)
    return p === undefined ? true : `${p.field}: ${p.message}`
  }),
  Schema.brand("FlakeRef"),
  Schema.annotations({ identifier: "FlakeRef", description: "A flake reference (Nix manual: nix3-flake, Flake references)" })
)
export type FlakeRef = typeof FlakeRef.Type
/** A flake reference in its JSON form (a `FlakeRef` without its brand). */
export type Encoded = typeof FlakeRef.Encoded

/* ---------------------------------------------------------------------------------------- */
/* make / validation                                                                          */
/* ---------------------------------------------------------------------------------------- */

/** Drops undefined fields, an empty `params` and `bare: false`, lower-cases hex revs. */
const normalize = (fields: FlakeRefFields): FlakeRefFields => {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue
    if (k === "params" && typeof v === "object" && v !== null && Object.keys(v).length === 0) continue
    if (k === "bare" && v === false) continue
    out[k] = k === "params" ? { ...(v as Record<string, string>) } : k === "rev" && typeof v === "string" && REV_ANY_CASE.test(v) ? v.toLowerCase() : v
  }
  return out as unknown as FlakeRefFields
}

const validationError = (p: Problem) => new ValidationError({ field: p.field, message: p.message, hint: p.hint })

/**
 * Validates fields into a FlakeRef. Undefined fields, an empty `params` and `bare: false` are
 * dropped and an upper-case hex `rev` is lower-cased first; anything else that breaks a rule is
 * a ValidationError naming the field.
 */
export const make = (fields: FlakeRefFields): Either.Either<FlakeRef, ValidationError> => {
  const value = normalize(fields)
  const p = problemOf(value)
  return p === undefined ? Either.right(value as FlakeRef) : Either.left(validationError(p))
}

/** Like {@link make}, throwing on invalid fields: for literals in code and tests. */
export const unsafeMake = (fields: FlakeRefFields): FlakeRef =>
  Either.getOrThrowWith(make(fields), (e) => new Error(`${e.field}: ${e.message}`))

/* ---------------------------------------------------------------------------------------- */
/* parse                                                                                      */
/* ---------------------------------------------------------------------------------------- */

const SCHEMES_HINT =
  "Supported: a registry name ('nixpkgs'), 'flake:', 'path:', a path ('.', './sub', '/abs'), 'git+https:', 'git+ssh:', 'git+file:', 'git:', 'hg+https:', 'hg+ssh:', 'hg+file:', 'tarball+https:', 'file+https:', 'https:' / 'http:' / 'file:' URLs, 'github:', 'gitlab:', 'sourcehut:'."

type Fields = Record<string, unknown>

/** What a type does with the parameters of its query. */
interface ParamRules {
  readonly type: FlakeRefType
  /** The type has a `ref` field that `?ref=` may set. */
  readonly ref: boolean
  /** Unknown parameters stay in the URL (URL-based types). */
  readonly urlQuery: boolean
}

/** Sorts the parameters of a query into typed fields, `params` and (URL-based types) the URL's own query. */
const takeParams = (
  query: ReadonlyArray<QueryParam>,
  rules: ParamRules,
  fields: Fields
): { readonly params: Record<string, string>; readonly urlQuery: Record<string, string> } | TextProblem => {
  const params: Record<string, string> = {}
  const urlQuery: Record<string, string> = {}
  const name = TYPE_NAME[rules.type]
  for (const { key, value, position } of query) {
    switch (key) {
      case "rev":
        if (rules.type === "indirect") return problemAt(position, "a registry reference takes its rev in the path", "Write 'flake:<id>/<ref>/<rev>' or '<id>/<rev>'; Nix ignores '?rev=' there.")
        if (!REV_ANY_CASE.test(value)) return problemAt(position, `rev '${value}' is not a commit hash (40 hex digits)`, "Give the full 40-digit commit hash, e.g. from 'git rev-parse HEAD'.")
        if (fields.rev !== undefined) return problemAt(position, "the commit hash is given twice (in the path and in '?rev=')", "Keep one of them.")
        fields.rev = value.toLowerCase()
        break
      case "ref":
        if (rules.type === "indirect") return problemAt(position, "a registry reference takes its ref in the path", "Write 'flake:<id>/<ref>'; Nix ignores '?ref=' there.")
        if (!rules.ref) {
          ;(rules.urlQuery ? urlQuery : params)[key] = value
          break
        }
        if (fields.ref !== undefined) return problemAt(position, "the branch/tag name is given twice (in the path and in '?ref=')", "Keep one of them.")
        {
          const why = refProblem(value)
          if (why !== undefined) return problemAt(position, `ref '${value}' is not a valid branch or tag name: it ${why}`, "Give a Git branch or tag name such as 'main' or 'refs/tags/v1.0'.")
        }
        fields.ref = value
        break
      case "dir":
        fields.dir = value
        break
      case "narHash":
        if (!isSriHash(value)) return problemAt(position, `narHash '${value}' is not an SRI hash`, "Write it as flake.lock does: 'sha256-' followed by 44 base-64 characters (percent-encode '+' as %2B only if your shell needs it).")
        fields.narHash = value
        break
      case "lastModified":
      case "revCount": {
        if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(Number(value))) {
          return problemAt(position, `${key} '${value}' is not a whole number`, `${key} is a non-negative integer.`)
        }
        fields[key] = Number(value)
        break
      }
      case "host":
        if (!FORGES.has(rules.type)) {
          ;(rules.urlQuery ? urlQuery : params)[key] = value
          break
        }
        if (!FORGE_HOST.test(value)) return problemAt(position, `'${value}' is not a valid host`, "Give a host name such as 'git.example.org'.")
        fields.host = value
        break
      case "submodules":
      case "shallow":
      case "allRefs":
        if (rules.type !== "git") {
          ;(rules.urlQuery ? urlQuery : params)[key] = value
          break
        }
        if (value !== "0" && value !== "1") {
          return problemAt(position, `${key} must be 0 or 1, not '${value}'`, `Write '${key}=1' to turn it on; Nix reads anything but '1' (even 'true') as off.`)
        }
        fields[key] = value === "1"
        break
      default:
        if (rules.urlQuery && !URL_ATTR_PARAMS[rules.type]?.has(key)) urlQuery[key] = value
        else if (!PARAM_NAME.test(key)) return problemAt(position, `parameter name '${key}' is not valid for a ${name} reference`, "Parameter names are letters, digits, '_', '.' and '-', starting with a letter.")
        else params[key] = value
    }
  }
  return { params, urlQuery }
}

const withParams = (fields: Fields, params: Record<string, string>): Fields =>
  Object.keys(params).length === 0 ? fields : { ...fields, params }

/** Splits `text` at its first `?` into the part before and the query (with its offset). */
const splitQuery = (text: string, offset: number) => {
  const q = text.indexOf("?")
  return q < 0
    ? { head: text, query: [] as ReadonlyArray<QueryParam> | TextProblem }
    : { head: text.slice(0, q), query: parseQuery(text.slice(q + 1), offset + q + 1) }
}

/** `owner/repo[/ref-or-rev]` of `github:` / `gitlab:` / `sourcehut:`. */
const parseForge = (type: Forge["type"], text: string, offset: number): Fields | TextProblem => {
  const name = TYPE_NAME[type]
  if (text.startsWith("//")) {
    return problemAt(offset, `'${type}:' references have no '//'`, `Write '${type}:owner/repo', e.g. 'github:NixOS/nixpkgs'.`)
  }
  const { head, query } = splitQuery(text, offset)
  if (!Array.isArray(query)) return query as TextProblem
  const segments: Array<{ text: string; position: number }> = []
  let position = offset
  for (const raw of head.split("/")) {
    if (raw !== "") {
      const decoded = percentDecode(raw)
      if (decoded === undefined) return problemAt(position, `'${raw}' has a malformed percent-escape`, "Write '%' as '%25'.")
      segments.push({ text: decoded, position })
    }
    position += raw.length + 1
  }
  if (segments.length < 2) {
    return problemAt(offset, `a ${name} reference needs an owner and a repository`, `Write '${type}:owner/repo[/branch-or-commit]', e.g. '${type}:${type === "sourcehut" ? "~misterio/nix-colors" : "NixOS/nixpkgs"}'.`)
  }
  const [owner, repo] = segments as [{ text: string; position: number }, { text: string; position: number }]
  const fields: Fields = { type, owner: owner.text, repo: repo.text }
  const owners = type === "gitlab" ? owner.text.split("/") : [owner.text]
  if (!owners.every((o) => FORGE_OWNER.test(o)) || (type === "gitlab" && owner.text.startsWith("~"))) {
    return problemAt(owner.position, `'${owner.text}' is not a valid ${name} owner`, "An owner is letters, digits, '_', '.', '+' and '-', not starting with '-' or '.'.")
  }
  if (!FORGE_REPO.test(repo.text)) {
    return problemAt(repo.position, `'${repo.text}' is not a valid ${name} repository name`, "A repository name is letters, digits, '_', '.', '+' and '-', not starting with '-' or '.'.")
  }
  const rest = segments.slice(2)
  if (rest.length === 1 && REV_ANY_CASE.test(rest[0]!.text)) {
    fields.rev = rest[0]!.text.toLowerCase()
  } else if (rest.length > 0) {
    const ref = rest.map((s) => s.text).join("/")
    const why = refProblem(ref)
    if (why !== undefined) return problemAt(rest[0]!.position, `'${ref}' is not a commit hash or a valid branch/tag name: it ${why}`, "Give a branch or tag name, or a full 40-digit commit hash.")
    fields.ref = ref
  }
  const taken = takeParams(query as ReadonlyArray<QueryParam>, { type, ref: true, urlQuery: false }, fields)
  if (isProblem(taken)) return taken
  if (fields.ref !== undefined && fields.rev !== undefined) {
    return problemAt(offset, `a ${name} reference cannot have both a branch/tag name ('${String(fields.ref)}') and a commit hash`, "Nix fetches a commit directly by rev: drop the branch/tag name.")
  }
  return withParams(fields, taken.params)
}

/** `<id>[/<ref>][/<rev>]`, after `flake:` or bare. */
const parseIndirect = (text: string, offset: number, bare: boolean): Fields | TextProblem => {
  if (text.startsWith("//")) return problemAt(offset, "'flake:' references have no '//'", "Write 'flake:nixpkgs' or just 'nixpkgs'.")
  const { head, query } = splitQuery(text, offset)
  if (!Array.isArray(query)) return query as TextProblem
  if (bare && head !== text) {
    return problemAt(offset + head.length, `'${text}' has parameters, which a bare registry name cannot have`, `Write 'flake:${text}'.`)
  }
  const segments: Array<{ text: string; position: number }> = []
  let position = offset
  for (const raw of head.split("/")) {
    if (raw !== "") {
      const decoded = bare ? raw : percentDecode(raw)
      if (decoded === undefined) return problemAt(position, `'${raw}' has a malformed percent-escape`, "Write '%' as '%25'.")
      segments.push({ text: decoded, position })
    }
    position += raw.length + 1
  }
  const id = segments[0]
  if (id === undefined) return problemAt(offset, "a registry reference needs a flake id", "Write e.g. 'nixpkgs' or 'flake:nixpkgs'.")
  if (!FLAKE_ID.test(id.text)) {
    return problemAt(
      id.position,
      `'${id.text}' is not a valid flake id`,
      bare
        ? "A registry name starts with a letter, then letters, digits, '_' or '-'. A relative path must start with './'; a URL needs a scheme such as 'github:' or 'https:'."
        : "A registry name starts with a letter, then letters, digits, '_' or '-' (e.g. 'nixpkgs')."
    )
  }
  const fields: Fields = { type: "indirect", id: id.text }
  const checkRef = (s: { text: string; position: number }): TextProblem | undefined => {
    const why = refProblem(s.text) ?? (bare && !/^[a-zA-Z0-9@][a-zA-Z0-9_.@+-]*$/.test(s.text) ? "has characters a bare registry reference cannot hold" : undefined)
    return why === undefined ? undefined : problemAt(s.position, `'${s.text}' is not a commit hash or a valid branch/tag name: it ${why}`, "Give a branch or tag name, or a full 40-digit commit hash.")
  }
  if (segments.length === 2) {
    const s = segments[1]!
    if (REV_ANY_CASE.test(s.text)) fields.rev = s.text.toLowerCase()
    else {
      const p = checkRef(s)
      if (p) return p
      fields.ref = s.text
    }
  } else if (segments.length === 3) {
    const [, r, v] = segments as [unknown, { text: string; position: number }, { text: string; position: number }]
    if (REV_ANY_CASE.test(r.text)) return problemAt(r.position, `'${r.text}' looks like a commit hash where a branch/tag name is expected`, "Write '<id>/<ref>/<rev>' or '<id>/<rev>'.")
    const p = checkRef(r)
    if (p) return p
    if (!REV_ANY_CASE.test(v.text)) return problemAt(v.position, `'${v.text}' is not a commit hash (40 hex digits)`, "In '<id>/<ref>/<rev>' the last part is a full commit hash; a branch name cannot contain '/' here.")
    fields.ref = r.text
    fields.rev = v.text.toLowerCase()
  } else if (segments.length > 3) {
    return problemAt(segments[3]!.position, `'${text}' has too many '/'-separated parts for a registry reference`, "Write '<id>', '<id>/<ref-or-rev>' or '<id>/<ref>/<rev>'.")
  }
  const taken = takeParams(query as ReadonlyArray<QueryParam>, { type: "indirect", ref: false, urlQuery: false }, fields)
  if (isProblem(taken)) return taken
  return withParams(fields, taken.params)
}

/** `path:<path>[?params]` (decoded) or a bare path (literal). */
const parsePath = (text: string, offset: number, bare: boolean): Fields | TextProblem => {
  let body = text
  let position = offset
  if (!bare && body.startsWith("//")) {
    const slash = body.indexOf("/", 2)
    const authority = slash < 0 ? body.slice(2) : body.slice(2, slash)
    if (authority !== "") return problemAt(offset + 2, `path URL has a host ('${authority}')`, "Write 'path:/abs/path' or 'path:///abs/path'.")
    body = slash < 0 ? "" : body.slice(slash)
    position += 2
  }
  const { head, query } = splitQuery(body, position)
  if (!Array.isArray(query)) return query as TextProblem
  const path = bare ? head : percentDecode(head)
  if (path === undefined) return problemAt(position, `path '${head}' has a malformed percent-escape`, "Write '%' as '%25' in 'path:' references.")
  if (path === "") return problemAt(position, "the path is empty", "Give a directory, e.g. 'path:.' or 'path:/home/me/flake'.")
  if (!bare && WHITESPACE.test(head)) {
    return problemAt(position + head.search(WHITESPACE), "a 'path:' reference contains white space", "Percent-encode spaces as %20 in 'path:' references.")
  }
  const fields: Fields = bare ? { type: "path", path, bare: true } : { type: "path", path }
  const taken = takeParams(query as ReadonlyArray<QueryParam>, { type: "path", ref: false, urlQuery: false }, fields)
  if (isProblem(taken)) return taken
  return withParams(fields, taken.params)
}

/** The type and transport of a URL scheme, or undefined when the scheme is unknown. */
const schemeType = (scheme: string, path: string): { type: UrlBased["type"]; transport: string } | undefined => {
  const plus = scheme.indexOf("+")
  if (plus < 0) {
    if (scheme === "git") return { type: "git", transport: "git" }
    if (scheme === "http" || scheme === "https" || scheme === "file") {
      return { type: hasTarballExtension(path) ? "tarball" : "file", transport: scheme }
    }
    return undefined
  }
  const app = scheme.slice(0, plus)
  const transport = scheme.slice(plus + 1)
  const type = app === "git" ? "git" : app === "hg" ? "mercurial" : app === "tarball" ? "tarball" : app === "file" ? "file" : undefined
  return type !== undefined && TRANSPORTS[type].includes(transport) ? { type, transport } : undefined
}

/** `git+https://...`, `hg+ssh://...`, `tarball+https://...`, `https://...`, ... */
const parseUrlBased = (text: string, scheme: string, offset: number): Fields | TextProblem => {
  const plus = scheme.indexOf("+")
  const transport = plus < 0 ? scheme : scheme.slice(plus + 1)
  const parts = splitUrl(`${transport}:${text.slice(scheme.length + 1)}`, offset + scheme.length - transport.length)
  const st = schemeType(scheme, isProblem(parts) ? "" : parts.path)
  if (st === undefined) return problemAt(offset, `unknown flake reference scheme '${scheme}:'`, SCHEMES_HINT)
  if (isProblem(parts)) return parts
  const fields: Fields = { type: st.type }
  const query = parts.query === undefined ? [] : parseQuery(parts.query, parts.queryPosition)
  if (!Array.isArray(query)) return query as TextProblem
  const taken = takeParams(query as ReadonlyArray<QueryParam>, { type: st.type, ref: st.type === "git" || st.type === "mercurial", urlQuery: true }, fields)
  if (isProblem(taken)) return taken
  fields.url = joinUrl(st.transport, parts.authority, parts.path, formatQuery(taken.urlQuery))
  return withParams(fields, taken.params)
}

/** Reads a flake reference; a problem carries the offset in `text`. */
const parseFields = (text: string): Fields | TextProblem => {
  if (text === "") return problemAt(0, "the flake reference is empty", "Give a flake reference such as 'nixpkgs', 'github:owner/repo', '.' or './sub'.")
  const lone = LONE_SURROGATE.exec(text)
  if (lone !== null) return problemAt(lone.index, "the flake reference is not valid Unicode text (lone surrogate)", "Remove the broken character.")
  if (text.startsWith("-")) {
    return problemAt(0, `'${text}' starts with '-', which a command line would read as an option`, "A flake reference never starts with '-'; for a relative path write './" + text + "'.")
  }
  if (WHITESPACE.test(text[0]!) || WHITESPACE.test(text[text.length - 1]!)) {
    return problemAt(WHITESPACE.test(text[0]!) ? 0 : text.length - 1, "the flake reference starts or ends with white space", "Remove the surrounding spaces or newlines.")
  }
  const control = CONTROL.exec(text)
  if (control !== null) return problemAt(control.index, "the flake reference contains a control character", "Remove newlines, tabs and other control characters.")
  const hash = text.indexOf("#")
  if (hash >= 0) {
    return problemAt(hash, "a flake reference has no '#' part", "'<flakeref>#<attribute path>' is an installable: parse it with Installable.parse.")
  }
  if (text.startsWith("/") || text.startsWith(".")) return parsePath(text, 0, true)
  const space = text.search(WHITESPACE)
  if (space >= 0) return problemAt(space, "the flake reference contains white space", "Percent-encode spaces as %20 (only bare paths such as './my dir' may contain spaces).")
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)
  if (scheme === null) return parseIndirect(text, 0, true)
  const s = scheme[1]!
  if (s !== s.toLowerCase()) return problemAt(0, `the scheme '${s}:' is not lower-case`, `Write '${s.toLowerCase()}:'.`)
  const rest = text.slice(s.length + 1)
  switch (s) {
    case "flake":
      return parseIndirect(rest, s.length + 1, false)
    case "path":
      return parsePath(rest, s.length + 1, false)
    case "github":
    case "gitlab":
    case "sourcehut":
      return parseForge(s, rest, s.length + 1)
    default:
      return parseUrlBased(text, s, 0)
  }
}

/** Reads the URL-like form; `Either` flavour of {@link parse}, for synchronous callers. */
export const parseEither = (text: string): Either.Either<FlakeRef, ParseError> => {
  const r = parseFields(text)
  if (isProblem(r)) {
    return Either.left(new ParseError({ kind: "FlakeRef", input: text, position: r.position, message: `${r.message} in flake reference '${text}'`, hint: r.hint }))
  }
  const fields = normalize(r as unknown as FlakeRefFields)
  const p = problemOf(fields)
  if (p !== undefined) {
    return Either.left(new ParseError({ kind: "FlakeRef", input: text, position: 0, message: `${p.message} in flake reference '${text}'`, hint: p.hint }))
  }
  return Either.right(fields as FlakeRef)
}

/**
 * Reads the URL-like form of a flake reference (`nixpkgs`, `github:o/r/ref`, `git+https://...`,
 * `./sub`, ...). Fails with a ParseError (kind "FlakeRef") giving the offending input, the
 * offset of the problem and a hint.
 */
export const parse = (text: string): Effect.Effect<FlakeRef, ParseError> => parseEither(text)

/* ---------------------------------------------------------------------------------------- */
/* format                                                                                     */
/* ---------------------------------------------------------------------------------------- */

/** The query of the common fields and `params` (the caller adds type-specific ones). */
const commonQuery = (ref: Encoded, withRev: boolean): Record<string, string> => {
  const q: Record<string, string> = { ...(ref.params ?? {}) }
  if (withRev && ref.rev !== undefined) q.rev = ref.rev
  if (ref.dir !== undefined) q.dir = ref.dir
  if (ref.narHash !== undefined) q.narHash = ref.narHash
  if (ref.lastModified !== undefined) q.lastModified = String(ref.lastModified)
  if (ref.revCount !== undefined) q.revCount = String(ref.revCount)
  return q
}

const withQuery = (base: string, q: Record<string, string>): string => {
  const s = formatQuery(q)
  return s === "" ? base : `${base}?${s}`
}

/**
 * The canonical URL-like form: Nix's shape, parameters sorted by name, percent-encoded where
 * needed. `parse(format(ref))` equals `ref`.
 */
export const format = (ref: Encoded): string => {
  switch (ref.type) {
    case "indirect": {
      let path = `flake:${ref.id}`
      if (ref.ref !== undefined) path += `/${encodeSegment(ref.ref)}`
      if (ref.rev !== undefined) path += `/${ref.rev}`
      return withQuery(path, commonQuery(ref, false))
    }
    case "path":
      if (ref.bare === true) return withQuery(ref.path, commonQuery(ref, true))
      {
        const path = encodePath(ref.path)
        // A path starting with `//` would read as an authority: write the empty one (`path:////x`).
        return withQuery(`path:${path.startsWith("//") ? `//${path}` : path}`, commonQuery(ref, true))
      }
    case "github":
    case "gitlab":
    case "sourcehut": {
      const q = commonQuery(ref, false)
      let path = `${ref.type}:${encodeSegment(ref.owner)}/${encodeSegment(ref.repo)}`
      if (ref.ref !== undefined) {
        if (REV_ANY_CASE.test(ref.ref)) q.ref = ref.ref
        else path += `/${encodePath(ref.ref)}`
      } else if (ref.rev !== undefined) path += `/${ref.rev}`
      if (ref.host !== undefined) q.host = ref.host
      return withQuery(path, q)
    }
    case "git":
    case "mercurial":
    case "tarball":
    case "file": {
      const parts = splitUrl(ref.url, 0)
      if (isProblem(parts)) return ref.url // unreachable: a FlakeRef's url is valid
      const own = parts.query === undefined ? [] : parseQuery(parts.query, 0)
      const q: Record<string, string> = { ...(Array.isArray(own) ? toRecord(own) : {}), ...commonQuery(ref, true) }
      if (ref.type === "git" || ref.type === "mercurial") {
        if (ref.ref !== undefined) q.ref = ref.ref
      }
      if (ref.type === "git") {
        for (const k of ["submodules", "shallow", "allRefs"] as const) {
          const v = ref[k]
          if (v !== undefined) q[k] = v ? "1" : "0"
        }
      }
      const plain = parts.scheme === "http" || parts.scheme === "https" || parts.scheme === "file"
      const prefix =
        ref.type === "git"
          ? parts.scheme === "git" ? "" : "git+"
          : ref.type === "mercurial"
            ? "hg+"
            : ref.type === "tarball"
              ? plain && hasTarballExtension(parts.path) ? "" : "tarball+"
              : plain && !hasTarballExtension(parts.path) ? "" : "file+"
      return withQuery(`${prefix}${joinUrl(parts.scheme, parts.authority, parts.path, "")}`, q)
    }
  }
}

/* ---------------------------------------------------------------------------------------- */
/* attribute-set form                                                                         */
/* ---------------------------------------------------------------------------------------- */

const attrTypeOf = (type: FlakeRefType): string => (type === "mercurial" ? "hg" : type)

/**
 * Reads the attribute-set form: `flake.nix` `inputs.x = { type = "github"; owner = ...; }`
 * and the `locked` / `original` nodes of `flake.lock` (`type = "hg"` for Mercurial).
 * Attributes that are not typed fields are kept in `params` (numbers in decimal, booleans as
 * `1`/`0`). A `url` is brought to canonical form; a `?dir=` that old Nix releases left in the
 * `url` of a lock entry is dropped when it equals `dir` (as current Nix does).
 */
export const fromAttrs = (attrs: Attrs): Either.Either<FlakeRef, ValidationError> => {
  const fail = (field: string, message: string, hint: string) => Either.left(new ValidationError({ field, message, hint }))
  const rawType = attrs.type
  if (rawType === undefined) return fail("type", "the flake reference has no 'type' attribute", `Add type = one of ${FlakeRefType.literals.map(attrTypeOf).join(", ")}.`)
  if (typeof rawType !== "string") return fail("type", `the 'type' attribute is a ${typeof rawType}, not a string`, "Write e.g. type = \"github\".")
  if (rawType === "mercurial") return fail("type", "the Mercurial input type is called 'hg' in the attribute-set form", "Write type = \"hg\".")
  const type = (rawType === "hg" ? "mercurial" : rawType) as FlakeRefType
  if (!FlakeRefType.literals.includes(type) || rawType === "mercurial") {
    return fail("type", `unsupported flake reference type '${rawType}'`, `Use one of ${FlakeRefType.literals.map(attrTypeOf).join(", ")}.`)
  }
  const fields: Record<string, unknown> = { type }
  const params: Record<string, string> = {}
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "type") continue
    if (FIELDS[type].includes(key)) {
      const want = BOOLEAN_ATTRS.has(key) ? "boolean" : INT_ATTRS.has(key) ? "number" : "string"
      if (typeof value !== want) return fail(key, `attribute '${key}' is a ${typeof value}, not a ${want}`, `Give '${key}' as a ${want}.`)
      fields[key] = key === "rev" && typeof value === "string" && REV_ANY_CASE.test(value) ? value.toLowerCase() : value
    } else {
      params[key] = typeof value === "boolean" ? (value ? "1" : "0") : String(value)
    }
  }
  for (const required of type === "indirect" ? ["id"] : type === "path" ? ["path"] : FORGES.has(type) ? ["owner", "repo"] : ["url"]) {
    if (fields[required] === undefined) return fail(required, `a ${TYPE_NAME[type]} flake reference needs the attribute '${required}'`, `Add ${required} = "...".`)
  }
  if (URL_BASED.has(type)) {
    const url = fields.url as string
    const parts = splitUrl(url, 0)
    if (!isProblem(parts) && parts.query !== undefined) {
      const q = parseQuery(parts.query, 0)
      if (Array.isArray(q)) {
        const kept = (q as ReadonlyArray<QueryParam>).filter((p) => !(p.key === "dir" && p.value === fields.dir))
        fields.url = joinUrl(parts.scheme, parts.authority, parts.path, formatQuery(toRecord(kept)))
      }
    }
  }
  return make(withParams(fields, params) as unknown as FlakeRefFields)
}

/**
 * The attribute-set form as `flake.lock` writes it: keys sorted, `type = "hg"` for Mercurial,
 * `lastModified` / `revCount` as numbers, flags as booleans. A bare path loses its `bare` mark.
 */
export const toAttrs = (ref: FlakeRef): Attrs => {
  const out: Record<string, AttrValue> = {}
  for (const [k, v] of Object.entries(ref)) {
    if (k === "params" || k === "bare" || v === undefined) continue
    out[k] = k === "type" ? attrTypeOf(v as FlakeRefType) : (v as AttrValue)
  }
  for (const [k, v] of Object.entries(ref.params ?? {})) {
    out[k] = BOOLEAN_ATTRS.has(k) && (v === "1" || v === "0") ? v === "1" : v
  }
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
}

/* ---------------------------------------------------------------------------------------- */
/* schemas                                                                                    */
/* ---------------------------------------------------------------------------------------- */

/** Schema between the URL-like string and a FlakeRef (decode = {@link parse}, encode = {@link format}). */
export const FlakeRefFromString = Schema.transformOrFail(Schema.String, Schema.typeSchema(FlakeRef), {
  strict: true,
  decode: (s, _, ast) =>
    Either.mapLeft(parseEither(s), (e) => new ParseResult.Type(ast, s, `${e.message}. ${e.hint}`)),
  encode: (ref) => ParseResult.succeed(format(ref))
}).annotations({ identifier: "FlakeRefFromString" })

const AttrsSchema = Schema.Record({ key: Schema.String, value: Schema.Union(Schema.String, Schema.Number, Schema.Boolean) })

/** Schema between the attribute-set form and a FlakeRef (decode = {@link fromAttrs}, encode = {@link toAttrs}). */
export const FlakeRefFromAttrs = Schema.transformOrFail(AttrsSchema, Schema.typeSchema(FlakeRef), {
  strict: true,
  decode: (attrs, _, ast) =>
    Either.mapLeft(fromAttrs(attrs), (e) => new ParseResult.Type(ast, attrs, `${e.field}: ${e.message}. ${e.hint}`)),
  encode: (ref) => ParseResult.succeed({ ...toAttrs(ref) })
}).annotations({ identifier: "FlakeRefFromAttrs" })

/** True when the reference pins its content (a `rev` or a `narHash`), as Nix's `isLocked`. */
export const isLocked = (ref: FlakeRef): boolean => ref.rev !== undefined || ref.narHash !== undefined
