/**
 * Keeping paths inside the workspace roots. A path with a `..` segment is refused whatever it
 * leads to; any other is resolved against the first root (an absolute path as is), normalized,
 * and accepted only when it lies inside a root both as written and after following symlinks:
 * the real path of its nearest existing ancestor must be inside a root's real path. NUL bytes
 * and dangling symlinks on the way are refused too. All of this happens before the operation
 * touches the file.
 */
import { IoError } from "@cim-nix/domain"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import type { PlatformError } from "@effect/platform/Error"
import { Effect } from "effect"

/** The workspace roots, as given (absolute, normalized) and as real paths. */
export interface Roots {
  readonly given: ReadonlyArray<string>
  readonly real: ReadonlyArray<string>
}

const isInside = (path: Path.Path, root: string, candidate: string): boolean => {
  const relative = path.relative(root, candidate)
  return relative === "" || (relative !== ".." && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
}

const hasParentSegment = (input: string): boolean => input.split("/").includes("..")

const hintFor = (roots: ReadonlyArray<string>) =>
  `paths must stay inside the workspace root${roots.length > 1 ? "s" : ""} ${roots.join(", ")}: use a path relative to ${roots[0]} or an absolute path inside ${roots.length > 1 ? "one of them" : "it"}, without '..' segments`

const hints: Partial<Record<string, string>> = {
  NotFound: "check the path (create missing parent directories with makeDirectory { recursive: true })",
  AlreadyExists: "the file exists: pass { overwrite: true } to replace it",
  PermissionDenied: "check the permissions and owner of the file and its directory",
  Busy: "the file is in use: retry shortly"
}

/** An `IoError` for a failed file-system call on `path`. */
export const ioError = (path: string, operation: string) => (error: PlatformError): IoError => {
  const reason = error._tag === "SystemError" ? error.reason : "BadArgument"
  return new IoError({
    path,
    operation,
    message: `${operation} ${path}: ${error.message}`,
    hint: hints[reason] ?? "see the message for the system's reason",
    transient: reason === "Busy" || reason === "TimedOut" || reason === "WouldBlock"
  })
}

/** Resolves and checks the roots: each must be an existing directory. */
export const makeRoots = (roots: ReadonlyArray<string>): Effect.Effect<Roots, IoError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    if (roots.length === 0) {
      return yield* new IoError({ path: "", operation: "configure", message: "no workspace root was given", hint: "configure at least one root directory" })
    }
    const given: Array<string> = []
    const real: Array<string> = []
    for (const root of roots) {
      if (root.includes("\u0000")) {
        return yield* new IoError({ path: root, operation: "configure", message: "a workspace root contains a NUL byte", hint: "give the root as a plain directory path" })
      }
      const absolute = path.resolve(root)
      const info = yield* fs.stat(absolute).pipe(Effect.mapError(ioError(absolute, "configure")))
      if (info.type !== "Directory") {
        return yield* new IoError({ path: absolute, operation: "configure", message: `the workspace root ${absolute} is not a directory`, hint: "give a directory as the root" })
      }
      given.push(absolute)
      real.push(yield* fs.realPath(absolute).pipe(Effect.mapError(ioError(absolute, "configure"))))
    }
    return { given, real }
  })

/**
 * The absolute path `input` stands for, when it stays inside the roots; otherwise an `IoError`
 * for `operation` with a hint naming the roots.
 */
export const confine = (
  roots: Roots,
  input: string,
  operation: string
): Effect.Effect<string, IoError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const refuse = (message: string, at = input) =>
      new IoError({ path: at, operation, message: `${operation} refused: ${message}`, hint: hintFor(roots.given) })
    if (input.includes("\u0000")) return yield* refuse(`${JSON.stringify(input)} contains a NUL byte`)
    if (hasParentSegment(input)) {
      return yield* refuse(`${JSON.stringify(input)} has a '..' segment (paths may not climb, even back into the workspace)`)
    }
    const candidate = path.resolve(roots.given[0]!, input)
    if (!roots.given.some((root) => isInside(path, root, candidate))) {
      return yield* refuse(`${JSON.stringify(input)} leads outside the workspace (to ${candidate})`, candidate)
    }
    let existing = candidate
    for (;;) {
      const real = yield* Effect.option(fs.realPath(existing))
      if (real._tag === "Some") {
        if (!roots.real.some((root) => isInside(path, root, real.value))) {
          return yield* refuse(`${candidate} leads outside the workspace through a symlink (${existing} is really ${real.value})`, candidate)
        }
        return candidate
      }
      if ((yield* Effect.option(fs.readLink(existing)))._tag === "Some") {
        return yield* refuse(`${existing} is a symlink that cannot be followed (its target is missing, or it loops)`, candidate)
      }
      const parent = path.dirname(existing)
      if (parent === existing) return yield* refuse(`no part of ${candidate} exists`, candidate)
      existing = parent
    }
  })
