import { execFileSync } from "node:child_process"
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Workspace } from "@cim-nix/application"
import { IoError } from "@cim-nix/domain"
import { describe, expect, it } from "@effect/vitest"
import { FileSystem } from "@effect/platform"
import { SystemError } from "@effect/platform/Error"
import { NodeFileSystem, NodePath } from "@effect/platform-node"
import { Effect, Exit, Fiber, Layer } from "effect"
import { NodeWorkspace } from "../src/index.js"

const platform = Layer.merge(NodeFileSystem.layer, NodePath.layer)

interface Sandbox {
  /** The workspace root. */
  readonly root: string
  /** A directory beside the root, outside the workspace. */
  readonly outside: string
  readonly ws: Workspace.WorkspaceService
}

/** A fresh root and a directory outside it, removed afterwards; `fs` replaces the real file system when given. */
const sandbox = <A, E>(
  body: (s: Sandbox) => Effect.Effect<A, E>,
  wrap: (fs: FileSystem.FileSystem) => FileSystem.FileSystem = (fs) => fs
) =>
  Effect.acquireUseRelease(
    Effect.sync(() => mkdtempSync(join(realpathSync(tmpdir()), "cim-nix-ws-"))),
    (base) =>
      Effect.gen(function*() {
        const root = join(base, "root")
        const outside = join(base, "outside")
        mkdirSync(root)
        mkdirSync(outside)
        const fs = yield* FileSystem.FileSystem
        const ws = yield* NodeWorkspace.make({ roots: [root] }).pipe(Effect.provideService(FileSystem.FileSystem, wrap(fs)))
        return yield* body({ root, outside, ws })
      }).pipe(Effect.provide(platform)),
    (base) => Effect.sync(() => rmSync(base, { recursive: true, force: true }))
  )

const leftovers = (dir: string) => readdirSync(dir).filter((name) => name.endsWith(".tmp"))

/** The paths the workspace gave to the file system since the last reset (every call that takes a path). */
const touched: Array<string> = []
const recording = (fs: FileSystem.FileSystem): FileSystem.FileSystem =>
  Object.fromEntries(
    Object.entries(fs).map(([name, f]) => [
      name,
      typeof f === "function"
        ? (...args: Array<unknown>) => {
          if (typeof args[0] === "string") touched.push(args[0])
          return (f as (...a: Array<unknown>) => unknown)(...args)
        }
        : f
    ])
  ) as unknown as FileSystem.FileSystem

describe("NodeWorkspace confinement", () => {
  const operations = (ws: Workspace.WorkspaceService, path: string): Record<string, Effect.Effect<unknown, { readonly _tag: string }>> => ({
    resolve: ws.resolve(path),
    exists: ws.exists(path),
    read: ws.readFile(path),
    write: ws.writeFile(path, "pwned", { overwrite: true }),
    makeDirectory: ws.makeDirectory(path, { recursive: true }),
    list: ws.list(path),
    remove: ws.remove(path, { recursive: true }),
    edit: ws.editFlake(path, { _tag: "SetDescription", description: "pwned" })
  })

  /** Every operation on `path` fails with an IoError naming the operation, with a hint naming the root. */
  const refusedEverywhere = (s: Sandbox, path: string, reason: RegExp) =>
    Effect.gen(function*() {
      for (const [operation, effect] of Object.entries(operations(s.ws, path))) {
        const error = yield* Effect.flip(effect)
        if (!(error instanceof IoError)) throw error
        expect(error.operation).toBe(operation)
        expect(error.message).toMatch(reason)
        expect(error.hint).toContain(s.root)
      }
    })

  it.effect("refuses `..` segments, absolute paths elsewhere and NUL bytes, and writes nothing", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        writeFileSync(join(s.outside, "secret"), "keep")
        yield* refusedEverywhere(s, "../outside/secret", /has a '\.\.' segment/)
        yield* refusedEverywhere(s, "a/../../outside/secret", /has a '\.\.' segment/)
        yield* refusedEverywhere(s, "..", /has a '\.\.' segment/)
        yield* refusedEverywhere(s, join(s.outside, "secret"), /leads outside the workspace/)
        yield* refusedEverywhere(s, "/etc/passwd", /leads outside the workspace/)
        yield* refusedEverywhere(s, "ok\u0000/../../outside/secret", /NUL byte/)
        expect(readdirSync(s.outside)).toEqual(["secret"])
        expect(readFileSync(join(s.outside, "secret"), "utf8")).toBe("keep")
        expect(readdirSync(s.root)).toEqual([])
      })))

  it.effect("refuses symlinks inside the root that lead outside, and dangling ones", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        writeFileSync(join(s.outside, "secret"), "keep")
        symlinkSync(s.outside, join(s.root, "door"))
        symlinkSync(join(s.outside, "secret"), join(s.root, "secret-link"))
        symlinkSync(join(s.outside, "nothing"), join(s.root, "dangling"))
        yield* refusedEverywhere(s, "door/secret", /through a symlink/)
        yield* refusedEverywhere(s, "door/new/file", /through a symlink/)
        yield* refusedEverywhere(s, join(s.root, "door", "secret"), /through a symlink/)
        yield* refusedEverywhere(s, "secret-link", /through a symlink/)
        yield* refusedEverywhere(s, "dangling", /symlink that cannot be followed/)
        yield* refusedEverywhere(s, "dangling/x", /symlink that cannot be followed/)
        expect(readdirSync(s.outside)).toEqual(["secret"])
        expect(readFileSync(join(s.outside, "secret"), "utf8")).toBe("keep")
      })))

  it.effect("refuses `..` even when it stays inside the root, before any I/O", () =>
    sandbox(
      (s) =>
        Effect.gen(function*() {
          mkdirSync(join(s.root, "a"))
          writeFileSync(join(s.root, "b"), "inside")
          touched.length = 0
          for (const path of ["a/../b", "./a/..", `${s.root}/a/../b`, "a/..", "a/../a/../b"]) {
            yield* refusedEverywhere(s, path, /has a '\.\.' segment/)
            const error = yield* Effect.flip(s.ws.resolve(path))
            expect(error.hint).toContain("without '..' segments")
          }
          expect(touched).toEqual([])
          expect((yield* Effect.flip(s.ws.gitAdd("a", ["../b"]))).message).toMatch(/has a '\.\.' segment/)
          // Names made of dots are not `..` segments (and the recording sees the calls that happen).
          expect(yield* s.ws.resolve("a/..b/...")).toBe(join(s.root, "a", "..b", "..."))
          expect(touched).toContain(join(s.root, "a", "..b", "..."))
          expect(readFileSync(join(s.root, "b"), "utf8")).toBe("inside")
        }),
      recording
    ))

  it.effect("accepts symlinks that stay inside, and absolute paths inside", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        mkdirSync(join(s.root, "a"))
        symlinkSync(join(s.root, "a"), join(s.root, "alias"))
        expect(yield* s.ws.resolve("a/./b")).toBe(join(s.root, "a", "b"))
        expect(yield* s.ws.resolve("")).toBe(s.root)
        yield* s.ws.writeFile("alias/f", "via link")
        expect(readFileSync(join(s.root, "a", "f"), "utf8")).toBe("via link")
        expect(yield* s.ws.readFile(join(s.root, "a", "f"))).toBe("via link")
        expect(s.ws.roots).toEqual([s.root])
      })))

  it.effect("resolves relative paths against the first root and accepts every root", () =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(realpathSync(tmpdir()), "cim-nix-ws-"))),
      (base) =>
        Effect.gen(function*() {
          mkdirSync(join(base, "one"))
          mkdirSync(join(base, "two"))
          const ws = yield* NodeWorkspace.make({ roots: [join(base, "one"), join(base, "two")] })
          expect(yield* ws.resolve("x")).toBe(join(base, "one", "x"))
          expect(yield* ws.resolve(join(base, "two", "y"))).toBe(join(base, "two", "y"))
          expect((yield* Effect.flip(ws.resolve("../two/y"))).message).toMatch(/has a '\.\.' segment/)
          const error = yield* Effect.flip(ws.resolve(base))
          expect(error.hint).toContain(join(base, "one"))
          expect(error.hint).toContain(join(base, "two"))
        }).pipe(Effect.provide(platform)),
      (base) => Effect.sync(() => rmSync(base, { recursive: true, force: true }))
    ))

  it.effect("refuses a missing root or a root that is a file", () =>
    Effect.gen(function*() {
      const missing = yield* Effect.flip(Layer.build(NodeWorkspace.layerWith({ roots: ["/nonexistent/cim-nix"] })).pipe(Effect.scoped))
      expect(missing._tag).toBe("IoError")
      expect(missing.operation).toBe("configure")
      const file = yield* Effect.flip(Layer.build(NodeWorkspace.layerWith({ roots: ["/etc/hostname"] })).pipe(Effect.scoped))
      expect(file.message).toMatch(/not a directory/)
    }))
})

describe("NodeWorkspace files", () => {
  it.effect("writes new files, refuses to replace one unless asked, and keeps its mode when it does", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        yield* s.ws.writeFile("flake.nix", "one")
        const exists = yield* Effect.flip(s.ws.writeFile("flake.nix", "two"))
        expect(exists.message).toMatch(/already exists/)
        expect(exists.hint).toMatch(/overwrite: true/)
        expect(readFileSync(join(s.root, "flake.nix"), "utf8")).toBe("one")
        chmodSync(join(s.root, "flake.nix"), 0o640)
        yield* s.ws.writeFile("flake.nix", "two", { overwrite: true })
        expect(readFileSync(join(s.root, "flake.nix"), "utf8")).toBe("two")
        expect(statSync(join(s.root, "flake.nix")).mode & 0o777).toBe(0o640)
        expect(yield* s.ws.readFile("flake.nix")).toBe("two")
        expect(yield* s.ws.list("")).toEqual(["flake.nix"])
        const missingDir = yield* Effect.flip(s.ws.writeFile("no/such/dir/f", "x"))
        expect(missingDir.message).toMatch(/no\/such\/dir/)
      })))

  it.effect("a failed write leaves the old file intact and no temporary file behind", () =>
    Effect.gen(function*() {
      const busy = (method: string) => new SystemError({ reason: "Busy", module: "FileSystem", method })
      const failingRename = (fs: FileSystem.FileSystem): FileSystem.FileSystem => ({ ...fs, rename: () => Effect.fail(busy("rename")) })
      yield* sandbox((s) =>
        Effect.gen(function*() {
          writeFileSync(join(s.root, "f"), "old")
          const error = yield* Effect.flip(s.ws.writeFile("f", "new", { overwrite: true }))
          expect(error._tag).toBe("IoError")
          expect(error.transient).toBe(true)
          expect(readFileSync(join(s.root, "f"), "utf8")).toBe("old")
          expect(leftovers(s.root)).toEqual([])
        }), failingRename)
      const failingWrite = (fs: FileSystem.FileSystem): FileSystem.FileSystem => ({
        ...fs,
        open: (path, options) => Effect.map(fs.open(path, options), (file) => ({ ...file, writeAll: () => Effect.fail(busy("write")) }))
      })
      yield* sandbox((s) =>
        Effect.gen(function*() {
          writeFileSync(join(s.root, "f"), "old")
          yield* Effect.flip(s.ws.writeFile("f", "new", { overwrite: true }))
          yield* Effect.flip(s.ws.writeFile("g", "new"))
          expect(readFileSync(join(s.root, "f"), "utf8")).toBe("old")
          expect(readdirSync(s.root)).toEqual(["f"])
        }), failingWrite)
    }))

  it.live("an interrupted write leaves either the old or the whole new file, and no temporary file", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        const big = "x".repeat(8 * 1024 * 1024)
        let interruptedMidWrite = 0
        let completed = 0
        for (const delay of [0, 1, 2, 5, 10, 20, 50, 2000]) {
          writeFileSync(join(s.root, "f"), "old")
          const fiber = yield* Effect.fork(s.ws.writeFile("f", big, { overwrite: true }))
          yield* Effect.sleep(delay)
          const writing = leftovers(s.root).length > 0
          const exit = yield* Fiber.interrupt(fiber)
          const content = readFileSync(join(s.root, "f"), "utf8")
          expect(content === "old" || content === big).toBe(true)
          if (Exit.isSuccess(exit)) {
            expect(content).toBe(big)
            completed++
          } else if (writing && content === "old") {
            interruptedMidWrite++
          }
          // An interruption that lands once the rename has begun waits for it (the rename is
          // uninterruptible), so the fiber ends interrupted with the new file in place: never half.
          expect(leftovers(s.root)).toEqual([])
        }
        // Both outcomes were seen: a write cut off after its temporary file existed, and a finished one.
        expect(interruptedMidWrite).toBeGreaterThan(0)
        expect(completed).toBeGreaterThan(0)
      })))

  it.effect("makes directories, lists them sorted, removes files and trees but never a root", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        yield* s.ws.makeDirectory("a/b/c", { recursive: true })
        yield* s.ws.writeFile("a/z", "")
        yield* s.ws.writeFile("a/m", "")
        expect(yield* s.ws.list("a")).toEqual(["b", "m", "z"])
        expect(yield* s.ws.exists("a/b/c")).toBe(true)
        yield* s.ws.remove("a/m")
        expect(yield* s.ws.exists("a/m")).toBe(false)
        expect((yield* Effect.flip(s.ws.remove("a"))).operation).toBe("remove")
        yield* s.ws.remove("a", { recursive: true })
        expect(yield* s.ws.list("")).toEqual([])
        const root = yield* Effect.flip(s.ws.remove(s.root, { recursive: true }))
        expect(root.message).toMatch(/is a workspace root/)
        const dot = yield* Effect.flip(s.ws.remove(".", { recursive: true }))
        expect(dot.message).toMatch(/is a workspace root/)
        expect(statSync(s.root).isDirectory()).toBe(true)
      })))
})

describe("NodeWorkspace.editFlake", () => {
  const flake = `{\n  description = "demo"; # keep\n  inputs.a.url = "github:o/a";\n  outputs = { self, a }: { };\n}\n`

  it.effect("applies edits in order, writes the result atomically and returns both texts", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        writeFileSync(join(s.root, "flake.nix"), flake)
        chmodSync(join(s.root, "flake.nix"), 0o600)
        const result = yield* s.ws.editFlake("flake.nix", [
          { _tag: "AddInput", name: "b", url: "github:o/b" },
          { _tag: "SetFollows", input: "b", nested: "a", follows: "a" }
        ])
        expect(result.path).toBe(join(s.root, "flake.nix"))
        expect(result.before).toBe(flake)
        expect(result.after).toBe(
          `{\n  description = "demo"; # keep\n  inputs.a.url = "github:o/a";\n  inputs.b.url = "github:o/b";\n  inputs.b.inputs.a.follows = "a";\n  outputs = { self, a, b }: { };\n}\n`
        )
        expect(readFileSync(join(s.root, "flake.nix"), "utf8")).toBe(result.after)
        expect(statSync(join(s.root, "flake.nix")).mode & 0o777).toBe(0o600)
        expect(leftovers(s.root)).toEqual([])
      })))

  it.effect("does not rewrite a file that needs no change", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        writeFileSync(join(s.root, "flake.nix"), flake)
        const inode = statSync(join(s.root, "flake.nix")).ino
        const result = yield* s.ws.editFlake("flake.nix", { _tag: "SetDescription", description: "demo" })
        expect(result.after).toBe(result.before)
        expect(statSync(join(s.root, "flake.nix")).ino).toBe(inode)
      })))

  it.effect("leaves the file untouched when an edit is refused, even after earlier edits succeeded", () =>
    sandbox((s) =>
      Effect.gen(function*() {
        writeFileSync(join(s.root, "flake.nix"), flake)
        const error = yield* Effect.flip(s.ws.editFlake("flake.nix", [
          { _tag: "AddInput", name: "b", url: "github:o/b" },
          { _tag: "RemoveInput", name: "nope" }
        ]))
        expect(error._tag).toBe("FlakeError")
        expect(error.message).toContain(join(s.root, "flake.nix"))
        expect(readFileSync(join(s.root, "flake.nix"), "utf8")).toBe(flake)
        const missing = yield* Effect.flip(s.ws.editFlake("nope/flake.nix", { _tag: "SetDescription", description: "x" }))
        expect(missing._tag).toBe("IoError")
      })))

  it.effect("is available through the Workspace tag from NodeWorkspace.layerWith", () =>
    Effect.acquireUseRelease(
      Effect.sync(() => mkdtempSync(join(realpathSync(tmpdir()), "cim-nix-ws-"))),
      (root) =>
        Effect.gen(function*() {
          writeFileSync(join(root, "flake.nix"), flake)
          const ws = yield* Workspace.Workspace
          const result = yield* ws.editFlake("flake.nix", { _tag: "RemoveInput", name: "a" })
          expect(result.after).toBe(`{\n  description = "demo"; # keep\n  outputs = { self }: { };\n}\n`)
        }).pipe(Effect.provide(NodeWorkspace.layerWith({ roots: [root] }))),
      (root) => Effect.sync(() => rmSync(root, { recursive: true, force: true }))
    ))
})

describe("NodeWorkspace.gitAdd", () => {
  const git = (cwd: string, ...args: Array<string>) => execFileSync("git", args, { cwd }).toString()

  it.effect("initialises a repository once and stages the files; refuses files outside the roots", () =>
    sandbox(({ root, outside, ws }) =>
      Effect.gen(function*() {
        const dir = join(root, "flake")
        mkdirSync(dir)
        writeFileSync(join(dir, "flake.nix"), "{ }\n")
        writeFileSync(join(dir, "flake.lock"), "{ }\n")
        expect(yield* ws.gitAdd(dir, ["flake.nix"])).toEqual({ initialised: true })
        expect(yield* ws.gitAdd(dir, ["flake.lock"])).toEqual({ initialised: false })
        expect(git(dir, "ls-files").split("\n").filter(Boolean)).toEqual(["flake.lock", "flake.nix"])
        const escaped = yield* Effect.flip(ws.gitAdd(dir, [`../../${outside.split("/").pop()}/x`]))
        expect(escaped._tag).toBe("IoError")
        const missing = yield* Effect.flip(ws.gitAdd(dir, ["nope.nix"]))
        expect(missing.message).toMatch(/git add -- nope\.nix failed/)
      })
    ))
})
