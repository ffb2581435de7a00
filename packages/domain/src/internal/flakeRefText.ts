/**
 * Text-level helpers of the flake reference grammar: percent-encoding, query strings, the
 * character classes of RFC 3986 that Nix uses (`url-parts.hh`), and the rules for the pieces
 * of a reference (git ref names, revisions, NAR hashes, flake ids, forge owners and repos).
 * Internal: the public API is `FlakeRef`, `AttributePath` and `Installable`.
 */

/** A problem found at an offset of the text being read. */
export interface TextProblem {
  readonly _tag: "TextProblem"
  readonly position: number
  readonly message: string
  readonly hint: string
}

export const problemAt = (position: number, message: string, hint: string): TextProblem => ({
  _tag: "TextProblem",
  position,
  message,
  hint
})

const UNRESERVED = "A-Za-z0-9\\-._~"

/** Characters kept as they are in a path segment: unreserved, sub-delims, `:` and `@`. */
const SEGMENT_KEEP = new RegExp(`^[${UNRESERVED}!$&'()*+,;=:@]$`)
/** Characters kept in a query key: as a segment minus `&` and `=`, plus `/` and `?`. */
const QUERY_KEEP = new RegExp(`^[${UNRESERVED}!$'()*+,;:@/?]$`)
/** Characters kept in a query value: as a key, plus `=` (base-64 padding of hashes stays readable). */
const QUERY_VALUE_KEEP = new RegExp(`^[${UNRESERVED}!$'()*+,;=:@/?]$`)
/** Characters kept in an installable's fragment (the attribute path after `#`). */
const FRAGMENT_KEEP = new RegExp(`^[${UNRESERVED}!$&'()*+,;=:@/?"]$`)

const encodeWith =
  (keep: RegExp) =>
  (s: string): string => {
    let out = ""
    for (const ch of s) out += keep.test(ch) ? ch : encodeURIComponent(ch)
    return out
  }

/** Percent-encodes one path segment (so `/` becomes `%2F`). */
export const encodeSegment = encodeWith(SEGMENT_KEEP)
/** Percent-encodes a path, keeping its `/` separators. */
export const encodePath = (s: string): string => s.split("/").map(encodeSegment).join("/")
/** Percent-encodes a query key. */
export const encodeQueryKey = encodeWith(QUERY_KEEP)
/** Percent-encodes a query value. */
export const encodeQueryValue = encodeWith(QUERY_VALUE_KEEP)
/** Percent-encodes the fragment of an installable (keeps `"` and `.` readable, encodes `^`, `#`, `%`, spaces). */
export const encodeFragment = encodeWith(FRAGMENT_KEEP)

/** Percent-decodes `s` (UTF-8); undefined when a `%` escape is malformed or the bytes are not UTF-8. */
export const percentDecode = (s: string): string | undefined => {
  if (!s.includes("%")) return s
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined
  try {
    return decodeURIComponent(s)
  } catch {
    return undefined
  }
}

/** A decoded query parameter and where it starts in the input. */
export interface QueryParam {
  readonly key: string
  readonly value: string
  readonly position: number
}

/**
 * Splits and decodes `a=1&b=2` (starting at `offset` in the input). Empty pieces (`&&`, a
 * trailing `&`) are skipped. A piece without `=` (Nix silently ignores those), a repeated key
 * (Nix keeps the first silently) or a malformed `%` escape is a problem.
 */
export const parseQuery = (query: string, offset: number): ReadonlyArray<QueryParam> | TextProblem => {
  const params: Array<QueryParam> = []
  const seen = new Set<string>()
  let position = offset
  for (const piece of query.split("&")) {
    const here = position
    position += piece.length + 1
    if (piece === "") continue
    const eq = piece.indexOf("=")
    if (eq < 0) {
      return problemAt(
        here,
        `parameter '${piece}' has no value`,
        `Write '${piece}=<value>' (for a flag: '${piece}=1'); Nix silently ignores a parameter without '='.`
      )
    }
    const key = percentDecode(piece.slice(0, eq))
    const value = percentDecode(piece.slice(eq + 1))
    if (key === undefined || value === undefined) {
      return problemAt(here, `parameter '${piece}' has a malformed percent-escape`, "Write '%' as '%25'; a '%' must be followed by two hex digits of UTF-8.")
    }
    if (key === "") return problemAt(here, `parameter '${piece}' has an empty name`, "Remove it or give it a name.")
    if (seen.has(key)) {
      return problemAt(here, `parameter '${key}' is given twice`, `Keep one '${key}=...'; Nix would silently use the first one.`)
    }
    seen.add(key)
    params.push({ key, value, position: here })
  }
  return params
}

/** Sorts keys by UTF-16 code units, like Nix's `std::map` on ASCII keys: the canonical parameter order. */
export const sortedEntries = (query: Readonly<Record<string, string>>): ReadonlyArray<readonly [string, string]> =>
  Object.entries(query).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** `a=1&b=2` with keys sorted and components percent-encoded. */
export const formatQuery = (query: Readonly<Record<string, string>>): string =>
  sortedEntries(query)
    .map(([k, v]) => `${encodeQueryKey(k)}=${encodeQueryValue(v)}`)
    .join("&")

/** True for a problem (as opposed to a parsed value). */
export const isProblem = (x: unknown): x is TextProblem =>
  typeof x === "object" && x !== null && (x as { _tag?: unknown })._tag === "TextProblem"

/** C0/C1 control characters and DEL. */
export const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
/** A lone UTF-16 surrogate (only whole code points are text). */
export const LONE_SURROGATE = /\p{Cs}/u
/** Any white space (Unicode). */
export const WHITESPACE = /\s/

/** Flake ids: `[a-zA-Z][a-zA-Z0-9_-]*` (`flakeIdRegexS`). */
export const FLAKE_ID = /^[a-zA-Z][a-zA-Z0-9_-]*$/
/** A Git (or Mercurial) commit hash as Nix prints it: 40 lower-case hex digits. */
export const REV = /^[0-9a-f]{40}$/
/** What Nix reads as a commit hash in a path (`revRegexS`): 40 hex digits of either case. */
export const REV_ANY_CASE = /^[0-9a-fA-F]{40}$/
/** Hosts of `?host=` (Nix's `hostRegexS` `[a-zA-Z0-9.-]*`), not empty and not starting with `-` or `.`. */
export const FORGE_HOST = /^[a-zA-Z0-9][a-zA-Z0-9.-]*$/
/** A forge repository name: GitHub's, GitLab's and SourceHut's shared alphabet. */
export const FORGE_REPO = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/
/** A forge owner: a user or organisation, `~user` on SourceHut, `group/subgroup` on GitLab. */
export const FORGE_OWNER = /^~?[A-Za-z0-9_][A-Za-z0-9_.+-]*$/
/** The NAR hash of a locked reference, in SRI form. */
const SRI = /^(md5|sha1|sha256|sha512)-([A-Za-z0-9+/]+={0,2})$/
const SRI_LENGTH: Readonly<Record<string, number>> = { md5: 24, sha1: 28, sha256: 44, sha512: 88 }

/** True when `hash` is an SRI hash (`sha256-<44 base64 chars>`), the form flake.lock uses. */
export const isSriHash = (hash: string): boolean => {
  const m = SRI.exec(hash)
  return m !== null && m[2]!.length === SRI_LENGTH[m[1]!]
}

/**
 * Why `ref` is not a valid Git branch or tag name (the rules of `git check-ref-format`, which
 * Nix applies through libgit2 / `badGitRefRegex`), or undefined when it is valid. Names that
 * start with `-` are refused too (git does for branches; on a command line they read as flags).
 */
export const refProblem = (ref: string): string | undefined => {
  if (ref === "") return "is empty"
  if (ref === "@") return "is '@'"
  if (ref.startsWith("-")) return "starts with '-'"
  if (ref.startsWith("/") || ref.endsWith("/")) return "starts or ends with '/'"
  if (ref.startsWith(".") || ref.endsWith(".")) return "starts or ends with '.'"
  if (ref.includes("//")) return "contains '//'"
  if (ref.includes("/.")) return "has a component starting with '.'"
  if (ref.includes("..")) return "contains '..'"
  if (ref.includes("@{")) return "contains '@{'"
  if (ref.endsWith(".lock") || ref.includes(".lock/")) return "has a component ending in '.lock'"
  if (CONTROL.test(ref) || /\s/.test(ref)) return "contains white space or a control character"
  const bad = /[:?^~[\\*]/.exec(ref)
  if (bad !== null) return `contains '${bad[0]}'`
  return undefined
}

/** The archive extensions that make a plain `http(s)`/`file` URL a tarball (Nix `hasTarballExtension`). */
export const TARBALL_EXTENSIONS = [".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"] as const

/** True when the URL path (without query) ends in an archive extension. */
export const hasTarballExtension = (path: string): boolean => TARBALL_EXTENSIONS.some((ext) => path.endsWith(ext))

/** The parts of a URL that Nix parses with `parseURL`. */
export interface UrlParts {
  /** Lower-case scheme, e.g. `https`. */
  readonly scheme: string
  /** The authority after `//` (`user@host:port`), or undefined when the URL has no `//`. */
  readonly authority: string | undefined
  /** The path as written (still percent-encoded). */
  readonly path: string
  /** The query (after `?`), undecoded, or undefined. */
  readonly query: string | undefined
  /** Offset of the query in the input (for error positions). */
  readonly queryPosition: number
}

const AUTHORITY = new RegExp(
  `^(?:(?:[${UNRESERVED}!$&'()*+,;=:]|%[0-9A-Fa-f]{2})*@)?` + // userinfo
    `(?:\\[[0-9A-Fa-f:.]+\\]|(?:[${UNRESERVED}!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)` + // host
    `(?::[0-9]+)?$` // port
)
const URL_PATH = new RegExp(`^(?:[${UNRESERVED}!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$`)

const badPathIndex = (s: string): number => {
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!
    if (ch === "%" ? !/^%[0-9A-Fa-f]{2}/.test(s.slice(i)) : !/[A-Za-z0-9\-._~!$&'()*+,;=:@/]/.test(ch)) return i
  }
  return -1
}

/**
 * Splits `scheme:[//authority]path[?query]` (no fragment) found at `offset` in the input.
 * Checks the characters of the authority and the path against RFC 3986.
 */
export const splitUrl = (text: string, offset: number): UrlParts | TextProblem => {
  const colon = text.indexOf(":")
  const scheme = text.slice(0, colon)
  let rest = text.slice(colon + 1)
  let position = offset + colon + 1
  const q = rest.indexOf("?")
  const query = q < 0 ? undefined : rest.slice(q + 1)
  const queryPosition = q < 0 ? -1 : position + q + 1
  rest = q < 0 ? rest : rest.slice(0, q)
  let authority: string | undefined
  if (rest.startsWith("//")) {
    const slash = rest.indexOf("/", 2)
    authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash)
    if (!AUTHORITY.test(authority)) {
      return problemAt(
        position + 2,
        `'${authority}' is not a valid host (user@host:port) in '${text}'`,
        "For scp-like Git addresses write 'git+ssh://git@host/owner/repo' (a '/' after the host, not ':')."
      )
    }
    const host = authority.replace(/^[^@]*@/, "")
    if (host.startsWith("-")) {
      return problemAt(
        position + 2,
        `host '${host}' starts with '-'`,
        "A host starting with '-' would be read as an option by ssh or git: check the URL."
      )
    }
    position += 2 + authority.length
    rest = slash < 0 ? "" : rest.slice(slash)
  }
  if (!URL_PATH.test(rest)) {
    return problemAt(
      position + Math.max(badPathIndex(rest), 0),
      `'${text}' has a character that must be percent-encoded in its path`,
      "Percent-encode spaces and other special characters in URLs (a space is %20, '%' is %25)."
    )
  }
  return { scheme, authority, path: rest, query, queryPosition }
}

/** Joins URL parts back, with the query already canonical (or empty). */
export const joinUrl = (scheme: string, authority: string | undefined, path: string, query: string): string =>
  `${scheme}:${authority === undefined ? "" : `//${authority}`}${path}${query === "" ? "" : `?${query}`}`
