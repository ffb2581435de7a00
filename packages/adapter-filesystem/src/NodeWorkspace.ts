/**
 * The `Workspace` port on Node's file system (through `@effect/platform`): every path is
 * confined to the configured roots before any I/O (see `internal/confinement.ts`), writes go
 * to a temporary file in the target's directory that is flushed to disk and then renamed over
 * the target (or hard-linked to it when it must not exist yet, so an existing file is never
 * replaced by accident), and flake.nix edits go through `FlakeNixEditor`.
 */
import { execFile } from "node:child_process"
import { randomUUID } from "node:crypto"
import { Workspace } from "@cim-nix/application"
import { IoError } from "@cim-nix/domain"
import * as FileSystem from "@effect/platform/FileSystem"
import * as Path from "@effect/platform/Path"
import * as NodeFileSystem from "@effect/platform-node/NodeFileSystem"
import * as NodePath from "@effect/platform-node/NodePath"
import { Effect, Layer } from "effect"
import * as FlakeNixEditor from "./FlakeNixEditor.js"
import { confine, ioError, makeRoots } from "./internal/confinement.js"

/** Configuration: the directories every path must stay in; relative paths resolve against the first. */
export interface Options {
  readonly roots: ReadonlyArray<string>
}

/** The service over the `FileSystem` and `Path` in context. Fails when a root is missing or not a directory. */
export const make = (options: Options): Effect.Effect<Workspace.WorkspaceService, IoError, FileSystem.FileSystem | Path.Path> =>
  Effect.gen(function*() {
    const fs = yield* FileSystem.FileSystem
    const path = yield* Path.Path
    const roots = yield* makeRoots(options.roots)
    const editing = yield* Effect.makeSemaphore(1)
    const within = (input: string, operation: string) =>
      confine(roots, input, operation).pipe(
        Effect.provideService(FileSystem.FileSystem, fs),
        Effect.provideService(Path.Path, path)
      )

    /** Writes `content` to a fresh temporary file beside `target`, then renames (or links) it into place. */
    const writeAtomically = (target: string, content: string, overwrite: boolean) =>
      Effect.gen(function*() {
        const exists = yield* fs.exists(target).pipe(Effect.mapError(ioError(target, "write")))
        if (exists && !overwrite) {
          return yield* new IoError({ path: target, operation: "write", message: `write ${target}: the file already exists`, hint: "pass { overwrite: true } to replace it" })
        }
        const mode = exists ? (yield* fs.stat(target).pipe(Effect.mapError(ioError(target, "write")))).mode & 0o7777 : undefined
        const directory = path.dirname(target)
        const temporary = path.join(directory, `.${path.basename(target)}.${randomUUID()}.tmp`)
        const fail = ioError(target, "write")
        const write = Effect.scoped(
          Effect.gen(function*() {
            const file = yield* fs.open(temporary, { flag: "wx" })
            // (writeAll fails on an empty buffer: "write returned 0 bytes written")
            if (content.length > 0) yield* file.writeAll(new TextEncoder().encode(content))
            if (mode !== undefined) yield* fs.chmod(temporary, mode)
            yield* file.sync
          })
        )
        const publish = overwrite
          ? fs.rename(temporary, target)
          : fs.link(temporary, target)
        const syncDirectory = Effect.scoped(Effect.flatMap(fs.open(directory, { flag: "r" }), (dir) => dir.sync)).pipe(Effect.ignore)
        yield* Effect.uninterruptibleMask((restore) =>
          restore(write).pipe(
            Effect.zipRight(publish),
            Effect.mapError(fail),
            Effect.ensuring(fs.remove(temporary).pipe(Effect.ignore)),
            Effect.zipRight(syncDirectory)
          )
        )
      })

    const service: Workspace.WorkspaceService = {
      roots: roots.given,
      resolve: (input) => within(input, "resolve"),
      exists: (input) =>
        Effect.flatMap(within(input, "exists"), (target) => fs.exists(target).pipe(Effect.mapError(ioError(target, "exists")))),
      readFile: (input) =>
        Effect.flatMap(within(input, "read"), (target) => fs.readFileString(target).pipe(Effect.mapError(ioError(target, "read")))),
      writeFile: (input, content, options) =>
        Effect.flatMap(within(input, "write"), (target) => writeAtomically(target, content, options?.overwrite === true)),
      makeDirectory: (input, options) =>
        Effect.flatMap(within(input, "makeDirectory"), (target) =>
          fs.makeDirectory(target, { recursive: options?.recursive === true }).pipe(Effect.mapError(ioError(target, "makeDirectory")))),
      list: (input) =>
        Effect.flatMap(within(input, "list"), (target) =>
          fs.readDirectory(target).pipe(
            Effect.map((names) => [...names].sort()),
            Effect.mapError(ioError(target, "list"))
          )),
      remove: (input, options) =>
        Effect.flatMap(within(input, "remove"), (target) =>
          roots.given.includes(target)
            ? new IoError({ path: target, operation: "remove", message: `remove refused: ${target} is a workspace root`, hint: "remove the files inside it instead" })
            : fs.remove(target, { recursive: options?.recursive === true }).pipe(Effect.mapError(ioError(target, "remove")))),
      editFlake: (input, edits) =>
        Effect.gen(function*() {
          const target = yield* within(input, "edit")
          const before = yield* fs.readFileString(target).pipe(Effect.mapError(ioError(target, "edit")))
          const after = yield* FlakeNixEditor.applyAll(before, "_tag" in edits ? [edits] : edits, target)
          if (after !== before) yield* writeAtomically(target, after, true)
          return { path: target, before, after }
        }).pipe(editing.withPermits(1)),
      gitAdd: (input, files) =>
        Effect.gen(function*() {
          const directory = yield* within(input, "git")
          // Joined as text, not with path.join, which would normalize a `..` away before the check.
          yield* Effect.forEach(files, (file) => within(`${directory}/${file}`, "git"))
          return yield* gitAdd(directory, files)
        })
    }
    return service
  })

/** Runs `git <args>` in `cwd` (no shell), failing with an IoError that carries git's message. */
const git = (cwd: string, args: ReadonlyArray<string>) =>
  Effect.async<string, IoError>((resume, signal) => {
    execFile("git", args, { cwd, signal, timeout: 60_000 }, (error, stdout, stderr) =>
      resume(
        error === null
          ? Effect.succeed(stdout)
          : Effect.fail(
              new IoError({
                path: cwd,
                operation: "git",
                message: `git ${args.join(" ")} failed in ${cwd}: ${(stderr || error.message).trim()}`,
                hint: "Install git (apt-get install git), or leave out --git."
              })
            )
      ))
  })

/** `git init` unless `directory` is inside a work tree, then `git add -- files`. */
const gitAdd = (directory: string, files: ReadonlyArray<string>) =>
  Effect.gen(function*() {
    const inside = yield* Effect.orElseSucceed(Effect.as(git(directory, ["rev-parse", "--is-inside-work-tree"]), true), () => false)
    if (!inside) yield* git(directory, ["init", "--quiet"])
    if (files.length > 0) yield* git(directory, ["add", "--", ...files])
    return { initialised: !inside }
  })

const nodePlatform = Layer.merge(NodeFileSystem.layer, NodePath.layer)

/** The `Workspace` confined to `options.roots`, on Node's file system. */
export const layerWith = (options: Options): Layer.Layer<Workspace.Workspace, IoError> =>
  Layer.effect(Workspace.Workspace, make(options)).pipe(Layer.provide(nodePlatform))

/** The `Workspace` confined to the current working directory. */
export const layer: Layer.Layer<Workspace.Workspace, IoError> = Layer.suspend(() => layerWith({ roots: [process.cwd()] }))
