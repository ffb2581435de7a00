/**
 * The adapter's readers of Nix's text output: error diagnosis, the structured build log, GC
 * reports, generation lists and search results (recorded with Nix 2.8, see fixtures/README.md).
 */
import { StorePath } from "@cim-nix/domain"
import { assert, describe, it } from "@effect/vitest"
import { Effect, FastCheck as fc, Option } from "effect"
import * as BuildLog from "../src/internal/buildLog.js"
import { diagnose, tail } from "../src/internal/diagnosis.js"
import { parseGenerations } from "../src/internal/profile.js"
import { parseSearch } from "../src/internal/search.js"
import { parseGcOutput } from "../src/internal/store.js"
import * as Syntax from "../src/internal/syntax.js"
import { CommandError } from "@cim-nix/domain"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { fixture } from "./support/fakeRunner.js"

describe("diagnosis", () => {
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["error: experimental Nix feature 'flakes' is disabled; use '--extra-experimental-features flakes' to override", "experimental-feature-disabled", "experimental-features = nix-command flakes"],
    ["error: attribute 'b' missing\n\n       at «string»:1:1:", "attribute-missing", "attribute path"],
    ["error: flake 'path:/x' does not provide attribute 'packages.x86_64-linux.nope', 'legacyPackages.x86_64-linux.nope' or 'nope'", "attribute-missing", "nix flake show"],
    ["error: hash mismatch in fixed-output derivation '/nix/store/x.drv':\n         specified: sha256-AAA\n            got:    sha256-BBB", "hash-mismatch", "'got:'"],
    ["error: path '/nix/store/00000000000000000000000000000000-x' is not valid", "path-not-valid", "not in the store"],
    ["error: builder for '/nix/store/x-y.drv' failed with exit code 3", "build-failed", "log"],
    ["error: source tree referenced by 'path:/tmp' does not contain a '/flake.nix' file", "not-a-flake", "flake.nix"],
    ["error: unrecognised flag '--print-out-paths'", "unknown-flag", "cim-nix doctor"],
    ["error: syntax error, unexpected ';'", "evaluation-error", "evaluate"],
    ["error: SQLite database '/nix/var/nix/db/db.sqlite' is busy", "store-busy", "retry"]
  ]
  for (const [stderr, kind, hint] of cases) {
    it(`${kind}: ${stderr.slice(0, 50)}`, () => {
      const d = diagnose(stderr)
      assert.strictEqual(d.kind, kind)
      assert.include(d.hint, hint)
      assert.strictEqual(d.summary, stderr.split("\n")[0]!.replace(/^error: /, ""))
      assert.strictEqual(d.transient, kind === "store-busy")
    })
  }

  it("ignores warnings (an unreachable binary cache is not why a build failed)", () => {
    const d = diagnose(
      "warning: error: unable to download 'https://cache.nixos.org/nix-cache-info': Couldn't resolve host name (6); retrying in 330 ms\n\u001b[31;1merror:\u001b[0m attribute 'x' missing"
    )
    assert.strictEqual(d.kind, "attribute-missing")
    assert.strictEqual(d.summary, "attribute 'x' missing")
  })

  it.prop("tail keeps at most the last n non-empty lines, in order", [fc.array(fc.stringMatching(/^[a-z ]{0,8}$/)), fc.integer({ min: 1, max: 10 })], ([lines, n]) => {
    const t = tail(lines.join("\n"), n)
    const kept = lines.filter((l) => l.trim() !== "")
    assert.deepStrictEqual(t === "" ? [] : t.split("\n"), kept.slice(-n))
  })
})

describe("syntax errors", () => {
  const failed = (stderrTail: string | undefined) =>
    new CommandError({ command: ["nix", "eval"], exitCode: 1, stderrTail, message: "nix failed (exit code 1)", hint: "evaluate" })
  // Recorded with Nix 2.8: `nix eval --expr` of the expression below.
  const expression = "let\n  a = 1;\nin { b = a +; }"
  const recorded = "error: syntax error, unexpected ';'\n\n       at «string»:3:13:\n\n            2|   a = 1;\n            3| in { b = a +; }\n             |             ^"

  it("a syntax error in an expression is a ParseError of the expression at Nix's line and column", () => {
    const error = Syntax.classify(expression)(failed(recorded))
    assert.strictEqual(error._tag, "ParseError")
    if (error._tag !== "ParseError") return
    assert.strictEqual(error.kind, "NixSyntax")
    assert.strictEqual(error.input, expression)
    assert.strictEqual(expression[error.position], ";")
    assert.strictEqual(error.message, "syntax error, unexpected ';' at «string»:3:13")
    assert.include(error.hint, "line 3, column 13")
  })

  it("in a file: the file's text, with colour codes, warnings and stdin's name too", () => {
    const file = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-syntax-")), "broken.nix")
    Fs.writeFileSync(file, "{\n  a = 1 +;\n}\n")
    const stderr = `warning: Git tree '/x' is dirty\n\u001b[31;1merror:\u001b[0m syntax error, unexpected ';'\n\n       at \u001b[35;1m${file}\u001b[0m:2:10:\n`
    const error = Syntax.classify()(failed(stderr))
    assert.strictEqual(error._tag, "ParseError")
    if (error._tag !== "ParseError") return
    assert.strictEqual(error.input, "{\n  a = 1 +;\n}\n")
    assert.strictEqual(error.input[error.position], ";")
    assert.include(error.hint, file)
    const stdin = Syntax.classify("1 +")(failed("error: syntax error, unexpected end of file\n\n       at «stdin»:1:4:"))
    assert.deepStrictEqual(stdin._tag === "ParseError" ? [stdin.input, stdin.position] : [], ["1 +", 3])
    const gone = Syntax.classify()(failed("error: syntax error, unexpected ';'\n\n       at /nonexistent/cim-nix.nix:2:10:"))
    assert.deepStrictEqual(gone._tag === "ParseError" ? [gone.input, gone.position] : [], ["/nonexistent/cim-nix.nix", 0])
  })

  it("other failures stay CommandErrors", () => {
    for (const stderr of [undefined, "error: undefined variable 'b'\n\n       at «string»:1:1:", "error: attribute 'x' missing"]) {
      const error = failed(stderr)
      assert.strictEqual(Syntax.classify("b")(error), error)
    }
  })
})

describe("structured build log", () => {
  it("parses a recorded failed build and renders it as Nix prints it", () => {
    const stderr = fixture("nix-2.8.0", "build-failed-log.jsonl")
    const events = stderr.split("\n").flatMap((line) => Option.toArray(BuildLog.parseLine(line, 7)))
    const started = events.find((e) => e._tag === "ActivityStarted" && e.activity === "build")
    assert.deepStrictEqual(started && started._tag === "ActivityStarted" ? Option.getOrThrow(started.drvPath) : undefined, "/nix/store/d5z5wqrn17x5apcn8sxz3dlpahgjapn9-broken-0.1.drv")
    assert.deepStrictEqual(
      events.flatMap((e) => (e._tag === "BuildLogLine" ? [e.line] : [])),
      ["compiling", "oops: missing file"]
    )
    const message = events.find((e) => e._tag === "Message")
    assert.deepStrictEqual(message, { _tag: "Message", level: 0, text: "error: builder for '/nix/store/d5z5wqrn17x5apcn8sxz3dlpahgjapn9-broken-0.1.drv' failed with exit code 2" })
    const text = BuildLog.toPlainText(stderr)
    assert.include(text, "building '/nix/store/d5z5wqrn17x5apcn8sxz3dlpahgjapn9-broken-0.1.drv'")
    assert.include(text, "broken-0.1> compiling\nbroken-0.1> oops: missing file")
    assert.strictEqual(diagnose(text).kind, "build-failed")
  })

  it("reads progress and expected counts", () => {
    assert.deepStrictEqual(BuildLog.parseLine('@nix {"action":"result","fields":[1,2,1,0],"id":5,"type":105}', 0), Option.some({ _tag: "Progress", id: 5, done: 1, expected: 2, running: 1, failed: 0 }))
    assert.deepStrictEqual(BuildLog.parseLine('@nix {"action":"result","fields":[105,3],"id":5,"type":106}', 0), Option.some({ _tag: "Expected", id: 5, activity: "build", expected: 3 }))
    assert.deepStrictEqual(BuildLog.parseLine('@nix {"action":"start","id":9,"level":0,"parent":0,"text":"","type":104}', 3), Option.some({ _tag: "ActivityStarted", id: 9, parent: 0, activity: "builds", text: "", drvPath: Option.none(), at: 3 }))
  })

  it.prop("never throws on any line, and plain lines become messages", [fc.string()], ([line]) => {
    const event = BuildLog.parseLine(line, 0)
    if (!line.startsWith("@nix ") && line.trim() !== "") assert.strictEqual(Option.getOrThrow(event)._tag, "Message")
  })
})

describe("garbage collection output", () => {
  it("reads the deleted paths and the freed bytes Nix 2.8 printed", () => {
    const { deleted, freedBytes } = parseGcOutput(`${fixture("nix-2.8.0", "gc.stderr")}\n${fixture("nix-2.8.0", "gc.stdout")}`, {})
    assert.deepStrictEqual(deleted.map(StorePath.format), [
      "/nix/store/dacr3sp5jismgv2g2plzd44ccx6ckyan-top-2.1",
      "/nix/store/mqnj02vvb8zdsnliwssxa74kkysaraal-dep-1.0"
    ])
    assert.strictEqual(freedBytes, 0)
  })

  it("reads each unit", () => {
    const bytes = (line: string) => parseGcOutput(line, {}).freedBytes
    assert.strictEqual(bytes("2 store paths deleted, 3.04 MiB freed"), Math.round(3.04 * 1024 ** 2))
    assert.strictEqual(bytes("1 store path deleted, 4.1 KiB freed"), Math.round(4.1 * 1024))
    assert.strictEqual(bytes("10 store paths deleted, 1.50 GiB freed"), Math.round(1.5 * 1024 ** 3))
    assert.strictEqual(bytes("0 store paths deleted, 0.0 B freed"), 0)
  })
})

describe("profiles and search", () => {
  it("reads generations listed with TZ=UTC", () => {
    assert.deepStrictEqual(parseGenerations(fixture("nix-2.8.0", "list-generations.txt")), [
      { number: 1, createdAt: Date.UTC(2026, 10, 25, 23, 13, 20), current: false },
      { number: 2, createdAt: Date.UTC(2026, 10, 25, 23, 13, 20), current: true }
    ])
  })

  it.effect("reads search results into attribute paths", () =>
    Effect.gen(function* () {
      const hits = yield* parseSearch(fixture("nix-2.8.0", "search.json"))
      assert.deepStrictEqual(
        hits.map((h) => [[...h.attrPath], h.pname, h.version]),
        [
          [["packages", "x86_64-linux", "dep"], "dep", "1.0"],
          [["packages", "x86_64-linux", "top"], "top", "2.1"]
        ]
      )
    }))
})
