/**
 * Reads Nix's stderr after a failure: the error line to show, what kind of failure it is, and a
 * hint telling the user what to do. Patterns are Nix's own messages (2.8 to 2.3x and Lix).
 */

/** The failures the adapter tells apart. */
export type Kind =
  | "experimental-feature-disabled"
  | "attribute-missing"
  | "hash-mismatch"
  | "path-not-valid"
  | "build-failed"
  | "not-a-flake"
  | "flake-input"
  | "evaluation-error"
  | "store-busy"
  | "network"
  | "unknown-flag"
  | "permission-denied"
  | "other"

export interface Diagnosis {
  readonly kind: Kind
  /** The first `error:` line of stderr without the prefix, or the last non-empty line. */
  readonly summary: string
  readonly hint: string
  /** True when the same call may succeed if retried (busy store, network hiccup). */
  readonly transient: boolean
}

interface Rule {
  readonly kind: Kind
  readonly pattern: RegExp
  readonly hint: (m: RegExpExecArray) => string
  readonly transient?: boolean
}

const rules: ReadonlyArray<Rule> = [
  {
    kind: "experimental-feature-disabled",
    pattern: /experimental Nix feature '([^']+)' is disabled/,
    hint: (m) =>
      `Enable the '${m[1]}' feature: add \`experimental-features = nix-command flakes\` to /etc/nix/nix.conf or ~/.config/nix/nix.conf (Nix 2.4 or newer is needed).`
  },
  {
    kind: "attribute-missing",
    pattern: /attribute '([^']+)' missing|does not provide attribute '([^']+)'|attribute '([^']+)' in selection path '([^']+)' not found/,
    hint: () => "Check the attribute path: `nix flake show <flake>` lists what a flake provides."
  },
  {
    kind: "hash-mismatch",
    pattern: /hash mismatch in fixed-output derivation|NAR hash mismatch|hash mismatch importing path/,
    hint: () =>
      "The fetched content differs from the declared hash: if the source really changed, replace the hash with the 'got:' value Nix printed."
  },
  {
    kind: "path-not-valid",
    pattern: /path '([^']+)' is not valid|is not in the Nix store|don't know how to build these paths/,
    hint: () => "That store path is not in the store: build or fetch it first (e.g. `nix build`), or check its spelling."
  },
  {
    kind: "build-failed",
    pattern: /builder for '([^']+)' failed|build of '([^']+)' failed|Cannot build '([^']+)'|\d+ dependencies couldn't be built/,
    hint: () => "The derivation's builder failed: read the log tail (or `nix log <drv>`) for the cause."
  },
  {
    kind: "not-a-flake",
    pattern: /does not contain a 'flake\.nix'|is not a flake|source tree referenced by '([^']+)' does not contain/,
    hint: () => "Point at a directory that holds a flake.nix (for a git repository the file must be tracked: `git add flake.nix`)."
  },
  {
    kind: "flake-input",
    pattern: /cannot find flake '([^']+)' in the flake registr|input '([^']+)' follows a non-existent input|cannot write modified lock file|lock file contains unlocked input|has an unsupported attribute|cannot update unlocked flake input/,
    hint: () => "Check the flake's inputs (names, URLs, `follows`); `nix flake metadata` shows how they resolve."
  },
  {
    kind: "store-busy",
    pattern: /database is locked|waiting for lock on|SQLite database '([^']+)' is busy|could not acquire lock/,
    hint: () => "Another Nix process holds the store lock: retry when it has finished.",
    transient: true
  },
  {
    kind: "network",
    pattern: /unable to download|Could not resolve host|Couldn't resolve host|Connection refused|Failed to connect|timed out after|Network is unreachable/,
    hint: () => "Nix could not reach the network: check connectivity or use local (`path:`, `git+file:`) references.",
    transient: true
  },
  {
    kind: "unknown-flag",
    pattern: /unrecognised flag '([^']+)'|unrecognized option|unknown command|'([^']+)' is not a recognised command/,
    hint: () => "This Nix does not know that flag or command: `cim-nix doctor` shows the installed version and its capabilities."
  },
  {
    kind: "permission-denied",
    pattern: /Permission denied|cannot connect to socket at '([^']+)'|cannot connect to daemon/,
    hint: () =>
      "Nix cannot reach its store: run as a user allowed to use the store, or start the daemon (`systemctl start nix-daemon`)."
  },
  {
    kind: "evaluation-error",
    pattern: /syntax error|undefined variable '([^']+)'|infinite recursion|while evaluating|value is [a-z ]+ while [a-z ]+ was expected|cannot coerce|assertion .* failed|called without required argument/,
    hint: () => "The Nix code failed to evaluate: the message and trace above name the file and position."
  }
]

const ansi = /\u001b\[[0-9;]*[A-Za-z]/g

/** Removes terminal colour codes. */
export const stripAnsi = (text: string): string => text.replace(ansi, "")

/** The last `lines` non-empty lines of `text` (colour codes removed). */
export const tail = (text: string, lines = 25): string =>
  stripAnsi(text)
    .split("\n")
    .filter((l) => l.trim() !== "")
    .slice(-lines)
    .join("\n")

const summaryOf = (text: string): string => {
  const lines = stripAnsi(text).split("\n")
  const error = lines.find((l) => /^\s*error:/.test(l))
  const line = error ?? lines.filter((l) => l.trim() !== "").at(-1) ?? ""
  return line.replace(/^\s*error:\s*/, "").trim()
}

/** Classifies a failure from Nix's stderr. */
export const diagnose = (stderr: string): Diagnosis => {
  // Warnings (e.g. an unreachable binary cache) are not why a command failed.
  const text = stripAnsi(stderr)
    .split("\n")
    .filter((line) => !/^\s*warning:/.test(line))
    .join("\n")
  const summary = summaryOf(text)
  for (const rule of rules) {
    const m = rule.pattern.exec(text)
    if (m !== null) {
      return { kind: rule.kind, summary, hint: rule.hint(m), transient: rule.transient ?? false }
    }
  }
  return {
    kind: "other",
    summary,
    hint: "Read Nix's message in the stderr tail; rerun the command shown with `--show-trace` for details.",
    transient: false
  }
}

/** Where Nix found a syntax error: its message, and the file (or `«string»`, `«stdin»`), line and column. */
export interface SyntaxErrorAt {
  readonly message: string
  readonly origin: string
  readonly line: number
  readonly column: number
}

const syntaxErrorAt = /^\s*error:\s*(syntax error,[^\n]*)\n(?:\s*\n)*\s*at (.+):(\d+):(\d+):?\s*$/m

/** The syntax error Nix reports in `stderr` (`error: syntax error, ...` then `at <origin>:<line>:<column>:`), if any. */
export const syntaxError = (stderr: string): SyntaxErrorAt | undefined => {
  const m = syntaxErrorAt.exec(stripAnsi(stderr))
  return m === null ? undefined : { message: m[1]!.trim(), origin: m[2]!, line: Number(m[3]), column: Number(m[4]) }
}

/** The hint for a missing `nix` executable. */
export const notFoundHint =
  "Install Nix 2.8 or newer: `apt-get install nix-bin` (Debian/Ubuntu), `bash tools/setup.sh` in this repository, or https://nixos.org/download; then make sure `nix` is on PATH (or configure the adapter's `binDir`)."
