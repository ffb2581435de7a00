import { describe, expect, it } from "@effect/vitest"
import { Effect, Either, Schema } from "effect"
import * as fc from "fast-check"
import { FlakeRef } from "../src/index.js"
import { refProblem } from "../src/internal/flakeRefText.js"

const REV = "a3a3dda3bacf61e8a39258a0ed9c924eeca8e293"
const NAR = "sha256-vrxy9UCj9yd1bwj2cgQB/684onULvRjrNp/0+0yaqWA="

const parsed = (text: string) => Either.getOrThrowWith(FlakeRef.parseEither(text), (e) => new Error(`${e.message} | ${e.hint}`))
const errorOf = (text: string) => Either.getOrThrowWith(Either.flip(FlakeRef.parseEither(text)), () => new Error(`parsed: ${text}`))

/** [input, exact parse, canonical format] */
const examples: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
  // indirect (registry)
  ["nixpkgs", { type: "indirect", id: "nixpkgs" }, "flake:nixpkgs"],
  ["nixpkgs/nixos-24.05", { type: "indirect", id: "nixpkgs", ref: "nixos-24.05" }, "flake:nixpkgs/nixos-24.05"],
  [`nixpkgs/${REV}`, { type: "indirect", id: "nixpkgs", rev: REV }, `flake:nixpkgs/${REV}`],
  [`nixpkgs/${REV.toUpperCase()}`, { type: "indirect", id: "nixpkgs", rev: REV }, `flake:nixpkgs/${REV}`],
  [`nixpkgs/nixos-unstable/${REV}`, { type: "indirect", id: "nixpkgs", ref: "nixos-unstable", rev: REV }, `flake:nixpkgs/nixos-unstable/${REV}`],
  [`flake:nixpkgs/nixos-24.05/${REV}`, { type: "indirect", id: "nixpkgs", ref: "nixos-24.05", rev: REV }, `flake:nixpkgs/nixos-24.05/${REV}`],
  ["sub/dir", { type: "indirect", id: "sub", ref: "dir" }, "flake:sub/dir"],
  ["flake:nixpkgs?dir=lib", { type: "indirect", id: "nixpkgs", dir: "lib" }, "flake:nixpkgs?dir=lib"],
  ["flake:my_flake-2", { type: "indirect", id: "my_flake-2" }, "flake:my_flake-2"],
  // paths
  [".", { type: "path", path: ".", bare: true }, "."],
  ["./sub", { type: "path", path: "./sub", bare: true }, "./sub"],
  ["../parent", { type: "path", path: "../parent", bare: true }, "../parent"],
  ["/home/alice/src/patchelf", { type: "path", path: "/home/alice/src/patchelf", bare: true }, "/home/alice/src/patchelf"],
  ["./../sub directory/with Ûñî©ôδ€", { type: "path", path: "./../sub directory/with Ûñî©ôδ€", bare: true }, "./../sub directory/with Ûñî©ôδ€"],
  ["/abs/x?dir=sub", { type: "path", path: "/abs/x", bare: true, dir: "sub" }, "/abs/x?dir=sub"],
  ["path:/home/user/sub/dir", { type: "path", path: "/home/user/sub/dir" }, "path:/home/user/sub/dir"],
  ["path:///tmp/x", { type: "path", path: "/tmp/x" }, "path:/tmp/x"],
  ["path:sub/dir", { type: "path", path: "sub/dir" }, "path:sub/dir"],
  ["path:./sub", { type: "path", path: "./sub" }, "path:./sub"],
  ["path:../parent", { type: "path", path: "../parent" }, "path:../parent"],
  ["path:/tmp/a%20b", { type: "path", path: "/tmp/a b" }, "path:/tmp/a%20b"],
  ["path:/tmp/fr//x/", { type: "path", path: "/tmp/fr//x/" }, "path:/tmp/fr//x/"],
  ["path:/%2F", { type: "path", path: "//" }, "path:////"],
  ["path:////x", { type: "path", path: "//x" }, "path:////x"],
  [
    `path:/x?narHash=${NAR.replace("+", "%2B").replaceAll("/", "%2f")}&lastModified=1795646629`,
    { type: "path", path: "/x", narHash: NAR, lastModified: 1795646629 },
    `path:/x?lastModified=1795646629&narHash=${NAR}`
  ],
  [`path:/nix/store/x-source?lastModified=1585388205&rev=${REV}&revCount=12`, { type: "path", path: "/nix/store/x-source", lastModified: 1585388205, rev: REV, revCount: 12 }, `path:/nix/store/x-source?lastModified=1585388205&rev=${REV}&revCount=12`],
  // git
  ["git+https://github.com/NixOS/patchelf", { type: "git", url: "https://github.com/NixOS/patchelf" }, "git+https://github.com/NixOS/patchelf"],
  [
    "git+https://github.com/NixOS/patchelf?ref=master&rev=f34751b88bd07d7f44f5cd3200fb4122bf916c7e",
    { type: "git", url: "https://github.com/NixOS/patchelf", ref: "master", rev: "f34751b88bd07d7f44f5cd3200fb4122bf916c7e" },
    "git+https://github.com/NixOS/patchelf?ref=master&rev=f34751b88bd07d7f44f5cd3200fb4122bf916c7e"
  ],
  ["git+https://github.com/NixOS/patchelf?ref=refs/tags/0.18.0", { type: "git", url: "https://github.com/NixOS/patchelf", ref: "refs/tags/0.18.0" }, "git+https://github.com/NixOS/patchelf?ref=refs/tags/0.18.0"],
  ["git+https://example.org/my/repo?dir=flake1", { type: "git", url: "https://example.org/my/repo", dir: "flake1" }, "git+https://example.org/my/repo?dir=flake1"],
  ["git+https://example.org/my/repo?shallow=1", { type: "git", url: "https://example.org/my/repo", shallow: true }, "git+https://example.org/my/repo?shallow=1"],
  [
    "git+ssh://git@github.com/NixOS/nix?submodules=1&ref=v1.2.3&allRefs=0",
    { type: "git", url: "ssh://git@github.com/NixOS/nix", ref: "v1.2.3", submodules: true, allRefs: false },
    "git+ssh://git@github.com/NixOS/nix?allRefs=0&ref=v1.2.3&submodules=1"
  ],
  [
    "git://github.com/edolstra/dwarffs?ref=unstable&rev=e486d8d40e626a20e06d792db8cc5ac5aba9a5b4",
    { type: "git", url: "git://github.com/edolstra/dwarffs", ref: "unstable", rev: "e486d8d40e626a20e06d792db8cc5ac5aba9a5b4" },
    "git://github.com/edolstra/dwarffs?ref=unstable&rev=e486d8d40e626a20e06d792db8cc5ac5aba9a5b4"
  ],
  ["git+git://host/x", { type: "git", url: "git://host/x" }, "git://host/x"],
  ["git:/home/user/sub/dir", { type: "git", url: "git:/home/user/sub/dir" }, "git:/home/user/sub/dir"],
  ["git+file:///home/my-user/some-repo/some-repo", { type: "git", url: "file:///home/my-user/some-repo/some-repo" }, "git+file:///home/my-user/some-repo/some-repo"],
  ["git+https://host:8443/x.git?token=a%26b&lfs=1", { type: "git", url: "https://host:8443/x.git?token=a%26b", params: { lfs: "1" } }, "git+https://host:8443/x.git?lfs=1&token=a%26b"],
  // mercurial
  ["hg+https://hg.example.org/repo?ref=default", { type: "mercurial", url: "https://hg.example.org/repo", ref: "default" }, "hg+https://hg.example.org/repo?ref=default"],
  [`hg+ssh://hg@host/repo?rev=${REV}`, { type: "mercurial", url: "ssh://hg@host/repo", rev: REV }, `hg+ssh://hg@host/repo?rev=${REV}`],
  ["hg+file:///srv/repo", { type: "mercurial", url: "file:///srv/repo" }, "hg+file:///srv/repo"],
  // tarballs and files
  ["https://github.com/NixOS/patchelf/archive/master.tar.gz", { type: "tarball", url: "https://github.com/NixOS/patchelf/archive/master.tar.gz" }, "https://github.com/NixOS/patchelf/archive/master.tar.gz"],
  ...[".zip", ".tar", ".tgz", ".tar.gz", ".tar.xz", ".tar.bz2", ".tar.zst"].map(
    (ext) => [`http://example.org/src${ext}`, { type: "tarball", url: `http://example.org/src${ext}` }, `http://example.org/src${ext}`] as const
  ),
  [`https://example.org/x.tar.gz?narHash=${NAR}`, { type: "tarball", url: "https://example.org/x.tar.gz", narHash: NAR }, `https://example.org/x.tar.gz?narHash=${NAR}`],
  ["tarball+https://example.org/download?id=3", { type: "tarball", url: "https://example.org/download?id=3" }, "tarball+https://example.org/download?id=3"],
  ["tarball+https://example.org/x.tar.gz", { type: "tarball", url: "https://example.org/x.tar.gz" }, "https://example.org/x.tar.gz"],
  ["file:///tmp/src.tar.gz", { type: "tarball", url: "file:///tmp/src.tar.gz" }, "file:///tmp/src.tar.gz"],
  ["https://example.org/flake.nix", { type: "file", url: "https://example.org/flake.nix" }, "https://example.org/flake.nix"],
  ["file+https://example.org/x.tar.gz", { type: "file", url: "https://example.org/x.tar.gz" }, "file+https://example.org/x.tar.gz"],
  ["file+file:///etc/hosts", { type: "file", url: "file:///etc/hosts" }, "file:///etc/hosts"],
  // forges
  ["github:NixOS/nixpkgs", { type: "github", owner: "NixOS", repo: "nixpkgs" }, "github:NixOS/nixpkgs"],
  ["github:NixOS/nixpkgs/nixos-20.09", { type: "github", owner: "NixOS", repo: "nixpkgs", ref: "nixos-20.09" }, "github:NixOS/nixpkgs/nixos-20.09"],
  ["github:NixOS/nixpkgs/pull/357207/head", { type: "github", owner: "NixOS", repo: "nixpkgs", ref: "pull/357207/head" }, "github:NixOS/nixpkgs/pull/357207/head"],
  [`github:NixOS/nixpkgs/${REV}`, { type: "github", owner: "NixOS", repo: "nixpkgs", rev: REV }, `github:NixOS/nixpkgs/${REV}`],
  ["github:edolstra/nix-warez?dir=blender", { type: "github", owner: "edolstra", repo: "nix-warez", dir: "blender" }, "github:edolstra/nix-warez?dir=blender"],
  ["github:internal/project?host=company-github.example.org", { type: "github", owner: "internal", repo: "project", host: "company-github.example.org" }, "github:internal/project?host=company-github.example.org"],
  ["github:o/r?ref=main", { type: "github", owner: "o", repo: "r", ref: "main" }, "github:o/r/main"],
  [`github:o/r?rev=${REV}&dir=a/b`, { type: "github", owner: "o", repo: "r", rev: REV, dir: "a/b" }, `github:o/r/${REV}?dir=a/b`],
  [`github:o/r?ref=${"ab".repeat(20)}`, { type: "github", owner: "o", repo: "r", ref: "ab".repeat(20) }, `github:o/r?ref=${"ab".repeat(20)}`],
  ["github:o/r/feat%231", { type: "github", owner: "o", repo: "r", ref: "feat#1" }, "github:o/r/feat%231"],
  ["github:o/r?foo=bar", { type: "github", owner: "o", repo: "r", params: { foo: "bar" } }, "github:o/r?foo=bar"],
  ["gitlab:veloren/veloren/master", { type: "gitlab", owner: "veloren", repo: "veloren", ref: "master" }, "gitlab:veloren/veloren/master"],
  ["gitlab:openldap/openldap?host=git.openldap.org", { type: "gitlab", owner: "openldap", repo: "openldap", host: "git.openldap.org" }, "gitlab:openldap/openldap?host=git.openldap.org"],
  ["gitlab:veloren%2Fdev/rfcs", { type: "gitlab", owner: "veloren/dev", repo: "rfcs" }, "gitlab:veloren%2Fdev/rfcs"],
  ["sourcehut:~misterio/nix-colors", { type: "sourcehut", owner: "~misterio", repo: "nix-colors" }, "sourcehut:~misterio/nix-colors"],
  [
    "sourcehut:~misterio/nix-colors/21c1a380a6915d890d408e9f22203436a35bb2de?host=hg.sr.ht",
    { type: "sourcehut", owner: "~misterio", repo: "nix-colors", rev: "21c1a380a6915d890d408e9f22203436a35bb2de", host: "hg.sr.ht" },
    "sourcehut:~misterio/nix-colors/21c1a380a6915d890d408e9f22203436a35bb2de?host=hg.sr.ht"
  ],
  // locked references as flake.lock prints them
  [
    `github:NixOS/nixpkgs/${REV}?narHash=${NAR}&lastModified=1700000000`,
    { type: "github", owner: "NixOS", repo: "nixpkgs", rev: REV, narHash: NAR, lastModified: 1700000000 },
    `github:NixOS/nixpkgs/${REV}?lastModified=1700000000&narHash=${NAR}`
  ]
]

/** [input, position, message, hint pattern] */
const errors: ReadonlyArray<readonly [string, number, string, RegExp]> = [
  ["", 0, "the flake reference is empty in flake reference ''", /such as 'nixpkgs'/],
  ["-nixpkgs", 0, "'-nixpkgs' starts with '-', which a command line would read as an option in flake reference '-nixpkgs'", /never starts with '-'/],
  ["--help", 0, "'--help' starts with '-', which a command line would read as an option in flake reference '--help'", /never starts with '-'/],
  [" nixpkgs", 0, "the flake reference starts or ends with white space in flake reference ' nixpkgs'", /Remove/],
  ["nixpkgs\n", 7, "the flake reference starts or ends with white space in flake reference 'nixpkgs\n'", /Remove/],
  ["github:o/r\tx", 10, "the flake reference contains a control character in flake reference 'github:o/r\tx'", /control/],
  ["github:o/r?dir=a b", 16, "the flake reference contains white space in flake reference 'github:o/r?dir=a b'", /%20/],
  ["foo:bar", 0, "unknown flake reference scheme 'foo:' in flake reference 'foo:bar'", /Supported/],
  ["svn+https://x/y", 0, "unknown flake reference scheme 'svn+https:' in flake reference 'svn+https://x/y'", /Supported/],
  ["hg+git://x/y", 0, "unknown flake reference scheme 'hg+git:' in flake reference 'hg+git://x/y'", /Supported/],
  ["GitHub:o/r", 0, "the scheme 'GitHub:' is not lower-case in flake reference 'GitHub:o/r'", /'github:'/],
  ["github:o", 7, "a GitHub reference needs an owner and a repository in flake reference 'github:o'", /github:owner\/repo/],
  ["github://o/r", 7, "'github:' references have no '//' in flake reference 'github://o/r'", /github:owner\/repo/],
  ["github:-o/r", 7, "'-o' is not a valid GitHub owner in flake reference 'github:-o/r'", /not starting with '-'/],
  ["github:o/-r", 9, "'-r' is not a valid GitHub repository name in flake reference 'github:o/-r'", /not starting with '-'/],
  ["github:o/r%20x", 9, "'r x' is not a valid GitHub repository name in flake reference 'github:o/r%20x'", /repository name/],
  ["github:o/r/a..b", 11, "'a..b' is not a commit hash or a valid branch/tag name: it contains '..' in flake reference 'github:o/r/a..b'", /branch or tag/],
  ["github:o/r/-b", 11, "'-b' is not a commit hash or a valid branch/tag name: it starts with '-' in flake reference 'github:o/r/-b'", /branch or tag/],
  ["github:o/r?rev=abc", 11, "rev 'abc' is not a commit hash (40 hex digits) in flake reference 'github:o/r?rev=abc'", /40-digit/],
  [`github:o/r?rev=${REV}0`, 11, `rev '${REV}0' is not a commit hash (40 hex digits) in flake reference 'github:o/r?rev=${REV}0'`, /40-digit/],
  [`github:o/r?rev=${REV.slice(1)}g`, 11, `rev '${REV.slice(1)}g' is not a commit hash (40 hex digits) in flake reference 'github:o/r?rev=${REV.slice(1)}g'`, /40-digit/],
  [`github:o/r/main?rev=${REV}`, 7, "a GitHub reference cannot have both a branch/tag name ('main') and a commit hash in flake reference 'github:o/r/main?rev=" + REV + "'", /drop the branch/],
  [`github:o/r/${REV}?rev=${REV}`, 52, `the commit hash is given twice (in the path and in '?rev=') in flake reference 'github:o/r/${REV}?rev=${REV}'`, /Keep one/],
  ["github:o/r/main?ref=dev", 16, "the branch/tag name is given twice (in the path and in '?ref=') in flake reference 'github:o/r/main?ref=dev'", /Keep one/],
  ["github:o/r?host=-evil", 11, "'-evil' is not a valid host in flake reference 'github:o/r?host=-evil'", /host name/],
  ["github:o/r?dir", 11, "parameter 'dir' has no value in flake reference 'github:o/r?dir'", /dir=<value>/],
  ["github:o/r?dir=a&dir=b", 17, "parameter 'dir' is given twice in flake reference 'github:o/r?dir=a&dir=b'", /first/],
  ["github:o/r?dir=%zz", 11, "parameter 'dir=%zz' has a malformed percent-escape in flake reference 'github:o/r?dir=%zz'", /%25/],
  ["github:o/r?narHash=abc", 11, "narHash 'abc' is not an SRI hash in flake reference 'github:o/r?narHash=abc'", /sha256-/],
  ["github:o/r?lastModified=-1", 11, "lastModified '-1' is not a whole number in flake reference 'github:o/r?lastModified=-1'", /integer/],
  ["github:o/r?dir=/abs", 0, "dir '/abs' is not a relative sub-directory in flake reference 'github:o/r?dir=/abs'", /relative/],
  ["github:o/r#packages", 10, "a flake reference has no '#' part in flake reference 'github:o/r#packages'", /Installable.parse/],
  ["git+https://x/y?submodules=true", 16, "submodules must be 0 or 1, not 'true' in flake reference 'git+https://x/y?submodules=true'", /even 'true'/],
  ["git+https://x/y?ref=a~1", 16, "ref 'a~1' is not a valid branch or tag name: it contains '~' in flake reference 'git+https://x/y?ref=a~1'", /branch or tag/],
  ["git+ssh://-oProxyCommand=x/y", 10, "host '-oProxyCommand=x' starts with '-' in flake reference 'git+ssh://-oProxyCommand=x/y'", /option by ssh/],
  ["git+ssh://git@github.com:NixOS/nix", 10, "'git@github.com:NixOS' is not a valid host (user@host:port) in 'ssh://git@github.com:NixOS/nix' in flake reference 'git+ssh://git@github.com:NixOS/nix'", /git\+ssh:\/\/git@host\/owner\/repo/],
  ["git+https:x/y", 0, "URL 'https:x/y' has no host in flake reference 'git+https:x/y'", /https:\/\/host\/path/],
  ["git+ssh://git@", 0, "URL 'ssh://git@' has no host in flake reference 'git+ssh://git@'", /ssh:\/\/host\/path/],
  ["git:relative/x", 0, "URL 'git:relative/x' has no absolute path in flake reference 'git:relative/x'", /git:\/abs\/path/],
  ["git+file://host/x", 0, "file URL 'file://host/x' has a host ('host') in flake reference 'git+file://host/x'", /file:\/\/\//],
  ["https://example.org/a b.tar.gz", 21, "the flake reference contains white space in flake reference 'https://example.org/a b.tar.gz'", /%20/],
  ["https://example.org/a{b}", 21, "'https://example.org/a{b}' has a character that must be percent-encoded in its path in flake reference 'https://example.org/a{b}'", /Percent-encode/],
  ["nixpkgs/a/b", 10, "'b' is not a commit hash (40 hex digits) in flake reference 'nixpkgs/a/b'", /cannot contain '\/'/],
  [`nixpkgs/${REV}/${REV}`, 8, `'${REV}' looks like a commit hash where a branch/tag name is expected in flake reference 'nixpkgs/${REV}/${REV}'`, /<id>\/<ref>\/<rev>/],
  ["nixpkgs/a/b/c", 12, "'nixpkgs/a/b/c' has too many '/'-separated parts for a registry reference in flake reference 'nixpkgs/a/b/c'", /<id>/],
  ["nixpkgs?dir=lib", 7, "'nixpkgs?dir=lib' has parameters, which a bare registry name cannot have in flake reference 'nixpkgs?dir=lib'", /flake:nixpkgs\?dir=lib/],
  ["flake:nixpkgs?ref=main", 14, "a registry reference takes its ref in the path in flake reference 'flake:nixpkgs?ref=main'", /ignores/],
  ["foo.bar", 0, "'foo.bar' is not a valid flake id in flake reference 'foo.bar'", /must start with '\.\/'/],
  ["1nixpkgs", 0, "'1nixpkgs' is not a valid flake id in flake reference '1nixpkgs'", /starts with a letter/],
  ["path://host/x", 7, "path URL has a host ('host') in flake reference 'path://host/x'", /path:\/abs\/path/],
  ["path:", 5, "the path is empty in flake reference 'path:'", /Give a directory/],
  ["path:/a%2", 5, "path '/a%2' has a malformed percent-escape in flake reference 'path:/a%2'", /%25/]
]

describe("FlakeRef", () => {
  describe("parses real-world references exactly and formats them canonically", () => {
    for (const [input, expected, canonical] of examples) {
      it(input, () => {
        const ref = parsed(input)
        expect(ref).toStrictEqual(expected)
        expect(FlakeRef.format(ref)).toBe(canonical)
        expect(parsed(canonical)).toStrictEqual(expected)
      })
    }
  })

  describe("rejects bad references with the exact message, its position and a hint", () => {
    for (const [input, position, message, hint] of errors) {
      it(JSON.stringify(input), () => {
        const e = errorOf(input)
        expect(e._tag).toBe("ParseError")
        expect(e.kind).toBe("FlakeRef")
        expect(e.input).toBe(input)
        expect(e.message).toBe(message)
        expect(e.position).toBe(position)
        expect(e.hint).toMatch(hint)
      })
    }
  })

  it.effect("parse is an Effect failing with ParseError", () =>
    Effect.gen(function* () {
      const ref = yield* FlakeRef.parse("github:NixOS/nixpkgs")
      expect(ref.type === "github" && ref.owner).toBe("NixOS")
      const e = yield* Effect.flip(FlakeRef.parse("github:"))
      expect(e._tag).toBe("ParseError")
    }))

  it("tells a 40-hex rev from a ref as Nix does", () => {
    expect(parsed(`github:o/r/${REV}`)).toMatchObject({ rev: REV })
    expect(parsed(`github:o/r/${REV.slice(0, 39)}`)).toMatchObject({ ref: REV.slice(0, 39) })
    expect(parsed(`github:o/r/${REV}a`)).toMatchObject({ ref: `${REV}a` })
    expect(parsed(`github:o/r/${REV}/x`)).toMatchObject({ ref: `${REV}/x` })
    expect(parsed(`nixpkgs/${REV}`)).toMatchObject({ rev: REV })
    expect(parsed(`nixpkgs/v${REV.slice(1)}`)).toMatchObject({ ref: `v${REV.slice(1)}` })
  })

  describe("make", () => {
    it("normalises and validates fields, naming the field in the error", () => {
      const ok = FlakeRef.make({ type: "github", owner: "o", repo: "r", rev: REV.toUpperCase(), params: {}, ref: undefined })
      expect(ok).toStrictEqual(Either.right({ type: "github", owner: "o", repo: "r", rev: REV }))
      const bad = (fields: FlakeRef.FlakeRefFields) => Either.getOrThrow(Either.flip(FlakeRef.make(fields)))
      expect(bad({ type: "github", owner: "o", repo: "r", rev: "abc" })).toMatchObject({ _tag: "ValidationError", field: "rev", message: "rev 'abc' is not a commit hash (40 lower-case hex digits)" })
      expect(bad({ type: "github", owner: "o", repo: "r", ref: "main", rev: REV })).toMatchObject({ field: "rev", message: `a GitHub reference cannot have both a ref ('main') and a rev ('${REV}')` })
      expect(bad({ type: "gitlab", owner: "", repo: "r" })).toMatchObject({ field: "owner", message: "'' is not a valid GitLab owner" })
      expect(bad({ type: "github", owner: "a/b", repo: "r" })).toMatchObject({ field: "owner" })
      expect(bad({ type: "github", owner: "o", repo: ".." })).toMatchObject({ field: "repo" })
      expect(bad({ type: "indirect", id: "nixpkgs", ref: "release/24.05" })).toMatchObject({ field: "ref", message: "ref 'release/24.05' of registry flake 'nixpkgs' cannot be written as a URL" })
      expect(bad({ type: "path", path: "sub", bare: true })).toMatchObject({ field: "path", message: "bare path 'sub' does not start with '/' or '.'" })
      expect(bad({ type: "git", url: "https://x/y?ref=main" })).toMatchObject({ field: "url", message: "URL 'https://x/y?ref=main' carries the flake attribute 'ref' in its query" })
      expect(bad({ type: "git", url: "https://x/y?b=1&a=2" })).toMatchObject({ field: "url", hint: "Write 'https://x/y?a=2&b=1' (query parameters sorted and percent-encoded)." })
      expect(bad({ type: "git", url: "svn://x/y" })).toMatchObject({ field: "url", message: "a Git URL cannot use the scheme 'svn'" })
      expect(bad({ type: "git", url: "https://x/y", params: { token: "a" } })).toMatchObject({ field: "params.token", message: "parameter 'token' of a Git reference belongs in its url" })
      expect(bad({ type: "github", owner: "o", repo: "r", params: { ref: "x" } })).toMatchObject({ field: "params.ref" })
      expect(bad({ type: "github", owner: "o", repo: "r", lastModified: 1.5 })).toMatchObject({ field: "lastModified" })
      expect(bad({ type: "github", owner: "o", repo: "r", dir: "a\nb" })).toMatchObject({ field: "dir", message: 'dir "a\\nb" contains a control character' })
    })

    it("backs the FlakeRef schema, which rejects invalid values", () => {
      const decode = Schema.decodeUnknownEither(FlakeRef.FlakeRef)
      expect(Either.isRight(decode({ type: "github", owner: "o", repo: "r" }))).toBe(true)
      expect(Either.isLeft(decode({ type: "github", owner: "o", repo: "r", rev: "x" }))).toBe(true)
      expect(Either.isLeft(decode({ type: "svn", url: "x" }))).toBe(true)
    })
  })

  describe("attribute-set form", () => {
    it("reads flake.nix inputs and flake.lock nodes", () => {
      const read = (attrs: FlakeRef.Attrs) => Either.getOrThrowWith(FlakeRef.fromAttrs(attrs), (e) => new Error(`${e.field}: ${e.message}`))
      expect(read({ type: "github", owner: "NixOS", repo: "nixpkgs", ref: "nixos-24.05" })).toStrictEqual({ type: "github", owner: "NixOS", repo: "nixpkgs", ref: "nixos-24.05" })
      const locked = { lastModified: 1700000000, narHash: NAR, owner: "NixOS", repo: "nixpkgs", rev: REV, type: "github" }
      expect(FlakeRef.format(read(locked))).toBe(`github:NixOS/nixpkgs/${REV}?lastModified=1700000000&narHash=${NAR}`)
      expect(read({ type: "hg", url: "https://hg.example.org/r", ref: "default" })).toStrictEqual({ type: "mercurial", url: "https://hg.example.org/r", ref: "default" })
      expect(read({ type: "indirect", id: "nixpkgs" })).toStrictEqual({ type: "indirect", id: "nixpkgs" })
      expect(read({ type: "git", url: "https://x/y", submodules: true, revCount: 10, name: "src", lfs: true })).toStrictEqual({
        type: "git",
        url: "https://x/y",
        submodules: true,
        revCount: 10,
        params: { name: "src", lfs: "1" }
      })
      // Nix before 2.20 left ?dir= in the url of a lock entry: dropped when it equals dir.
      expect(read({ type: "git", url: "https://foo/bar?dir=subdir", dir: "subdir" })).toStrictEqual({ type: "git", url: "https://foo/bar", dir: "subdir" })
      expect(read({ type: "tarball", url: "https://x/y.tar.gz?b=2&a=1" })).toStrictEqual({ type: "tarball", url: "https://x/y.tar.gz?a=1&b=2" })
      expect(read({ type: "path", path: "/x", lastModified: 5 })).toStrictEqual({ type: "path", path: "/x", lastModified: 5 })
    })

    it("rejects bad attribute sets with the field and a hint", () => {
      const bad = (attrs: FlakeRef.Attrs) => Either.getOrThrow(Either.flip(FlakeRef.fromAttrs(attrs)))
      expect(bad({ owner: "o" })).toMatchObject({ field: "type", message: "the flake reference has no 'type' attribute" })
      expect(bad({ type: "svn", url: "x" })).toMatchObject({ field: "type", message: "unsupported flake reference type 'svn'" })
      expect(bad({ type: "mercurial", url: "https://x/y" })).toMatchObject({ field: "type", hint: 'Write type = "hg".' })
      expect(bad({ type: "github", owner: "o" })).toMatchObject({ field: "repo", message: "a GitHub flake reference needs the attribute 'repo'" })
      expect(bad({ type: "github", owner: "o", repo: "r", lastModified: "5" })).toMatchObject({ field: "lastModified", message: "attribute 'lastModified' is a string, not a number" })
      expect(bad({ type: "git", url: "https://x/y", shallow: "1" })).toMatchObject({ field: "shallow" })
      expect(bad({ type: "git", url: "https://x/y?ref=main" })).toMatchObject({ field: "url" })
    })

    it("writes the attribute-set form as flake.lock does", () => {
      expect(FlakeRef.toAttrs(parsed(`git+https://x/y?ref=main&rev=${REV}&shallow=1&lfs=1&revCount=3`))).toStrictEqual({
        lfs: true,
        ref: "main",
        rev: REV,
        revCount: 3,
        shallow: true,
        type: "git",
        url: "https://x/y"
      })
      expect(Object.keys(FlakeRef.toAttrs(parsed("github:o/r/main?dir=d")))).toEqual(["dir", "owner", "ref", "repo", "type"])
      expect(FlakeRef.toAttrs(parsed("hg+https://x/y"))).toStrictEqual({ type: "hg", url: "https://x/y" })
      expect(FlakeRef.toAttrs(parsed("./sub"))).toStrictEqual({ type: "path", path: "./sub" })
    })
  })

  describe("schemas", () => {
    it("FlakeRefFromString decodes with parse and encodes with format", () => {
      const decode = Schema.decodeUnknownEither(FlakeRef.FlakeRefFromString)
      const ref = Either.getOrThrow(decode("github:o/r?ref=main"))
      expect(Schema.encodeSync(FlakeRef.FlakeRefFromString)(ref)).toBe("github:o/r/main")
      const e = Either.getOrThrow(Either.flip(decode("github:o")))
      expect(e.message).toContain("a GitHub reference needs an owner and a repository")
    })

    it("FlakeRefFromAttrs decodes with fromAttrs and encodes with toAttrs", () => {
      const ref = Schema.decodeUnknownSync(FlakeRef.FlakeRefFromAttrs)({ type: "hg", url: "https://x/y" })
      expect(ref.type).toBe("mercurial")
      expect(Schema.encodeSync(FlakeRef.FlakeRefFromAttrs)(ref)).toStrictEqual({ type: "hg", url: "https://x/y" })
    })
  })

  it("isLocked: a rev or a narHash", () => {
    expect(FlakeRef.isLocked(parsed("github:o/r"))).toBe(false)
    expect(FlakeRef.isLocked(parsed(`github:o/r/${REV}`))).toBe(true)
    expect(FlakeRef.isLocked(parsed(`https://x/y.tar.gz?narHash=${NAR}`))).toBe(true)
  })

  describe("properties", () => {
    it("parse(format(v)) equals v, and toAttrs/fromAttrs round-trips", () => {
      fc.assert(
        fc.property(flakeRefArb, (v) => {
          const text = FlakeRef.format(v)
          expect(parsed(text)).toStrictEqual(v)
          const back = Either.getOrThrowWith(FlakeRef.fromAttrs(FlakeRef.toAttrs(v)), (e) => new Error(`${e.field}: ${e.message}`))
          const { bare: _bare, ...withoutBare } = v as FlakeRef.PathRef
          expect(back).toStrictEqual(v.type === "path" ? withoutBare : v)
        }),
        { numRuns: 2000 }
      )
    })

    it("format(parse(x)) is stable for any text that parses", () => {
      fc.assert(
        fc.property(flakeTextArb, (text) => {
          const r = FlakeRef.parseEither(text)
          if (Either.isLeft(r)) {
            expect(r.left.position).toBeGreaterThanOrEqual(0)
            expect(r.left.position).toBeLessThanOrEqual(text.length)
            return
          }
          const once = FlakeRef.format(r.right)
          const again = parsed(once)
          expect(again).toStrictEqual(r.right)
          expect(FlakeRef.format(again)).toBe(once)
        }),
        { numRuns: 3000 }
      )
    })

    it("never throws on arbitrary input", () => {
      fc.assert(
        fc.property(fc.string({ unit: "binary", maxLength: 40 }), (text) => {
          FlakeRef.parseEither(text)
        }),
        { numRuns: 2000 }
      )
    })
  })
})

/* ---------------------------------------------------------------------------------------- */
/* arbitraries                                                                                */
/* ---------------------------------------------------------------------------------------- */

const chars = (alphabet: string, minLength: number, maxLength: number) =>
  fc.string({ unit: fc.constantFrom(...alphabet), minLength, maxLength })
const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
/** Printable text with characters that need percent-encoding (no control characters). */
const wildText = (minLength: number, maxLength: number) =>
  fc.string({
    unit: fc.oneof(fc.constantFrom(..."ab/ .%?#&=+:@~!$'()*,;\"^[]{}|\\`<>"), fc.constantFrom("é", "δ", "€", "😀", "中")),
    minLength,
    maxLength
  })

const revArb = chars("0123456789abcdef", 40, 40)
const refArb = fc
  .array(fc.oneof(chars(`${alnum}_+-`, 1, 8), chars(`${alnum}#%"{<é`, 1, 4)), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join("/"))
  .filter((r) => refProblem(r) === undefined)
const narHashArb = chars(`${alnum}+/`, 43, 43).map((s) => `sha256-${s}=`)
const dirArb = wildText(1, 12).filter((d) => !d.startsWith("/"))
const intArb = fc.nat({ max: 2 ** 40 })
const reserved = new Set(["ref", "rev", "dir", "narHash", "lastModified", "revCount", "host", "submodules", "shallow", "allRefs", "url", "path", "owner", "repo", "id", "type", "bare"])
const paramsArb = fc
  .dictionary(
    chars(`${alnum}_.-`, 1, 8).filter((k) => /^[A-Za-z]/.test(k) && !reserved.has(k)),
    wildText(0, 8),
    { maxKeys: 3 }
  )

const commonArb = fc.record(
  { rev: revArb, dir: dirArb, narHash: narHashArb, lastModified: intArb, revCount: intArb, params: paramsArb },
  { requiredKeys: [] }
)
const hostArb = fc
  .tuple(chars("abcdefghijklmnopqrstuvwxyz0123456789", 1, 8), fc.constantFrom("", ".org", ".example.com", ":8443"))
  .map(([h, tld]) => `${h}${tld}`)
const urlPathArb = fc
  .array(fc.oneof(chars(`${alnum}-._~!$&'()*+,;=:@`, 0, 6), fc.constantFrom("%20", "%2F", "%C3%A9")), { maxLength: 4 })
  .map((segs) => segs.map((s) => `/${s}`).join(""))
const urlQueryArb = (reservedKeys: ReadonlySet<string>) =>
  fc.dictionary(chars(`${alnum}_`, 1, 6).filter((k) => !reservedKeys.has(k)), wildText(0, 6), { maxKeys: 2 })
const gitAttrParams = new Set(["lfs", "exportIgnore", "verifyCommit", "keytype", "publicKey", "publicKeys", "name"])
const curlAttrParams = new Set(["name", "unpack"])
const encodeQuery = (q: Record<string, string>) =>
  Object.entries(q)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${[...v].map((c) => (/[A-Za-z0-9\-._~!$'()*+,;=:@/?]/.test(c) ? c : encodeURIComponent(c))).join("")}`)
    .join("&")
const urlArb = (schemes: ReadonlyArray<string>, attrParams: ReadonlySet<string>, pathSuffix: fc.Arbitrary<string> = fc.constant("")) =>
  fc
    .tuple(fc.constantFrom(...schemes), hostArb, fc.option(fc.constantFrom("git@", "user:pw@"), { nil: "" }), urlPathArb, pathSuffix, urlQueryArb(new Set([...reserved, ...attrParams])))
    .map(([scheme, host, user, path, suffix, query]) => {
      const q = encodeQuery(query)
      const base =
        scheme === "file" ? `file://${path}${suffix || "/x"}` : scheme === "git" && host.length % 2 === 0 ? `git:/${host}${path}${suffix}` : `${scheme}://${user}${host}${path}${suffix}`
      return q === "" ? base : `${base}?${q}`
    })
const attrParamsArb = (keys: ReadonlySet<string>) =>
  fc.dictionary(fc.constantFrom(...keys), fc.constantFrom("0", "1", "x y", "é"), { maxKeys: 2 })

const forgeArb = fc
  .record({
    type: fc.constantFrom("github" as const, "gitlab" as const, "sourcehut" as const),
    owner: fc.tuple(fc.constantFrom("", "~"), chars(`${alnum}_`, 1, 1), chars(`${alnum}_.+-`, 0, 8)).map(([t, a, b]) => `${t}${a}${b}`),
    repo: fc.tuple(chars(`${alnum}_`, 1, 1), chars(`${alnum}_.+-`, 0, 8)).map(([a, b]) => `${a}${b}`),
    refOrRev: fc.option(fc.oneof(refArb.map((ref) => ({ ref })), revArb.map((rev) => ({ rev })), revArb.map((ref) => ({ ref }))), { nil: undefined }),
    host: fc.option(hostArb.filter((h) => !h.includes(":")), { nil: undefined }),
    common: commonArb
  })
  .map(({ type, owner, repo, refOrRev, host, common }) => {
    const { rev: _rev, ...rest } = common
    return { type, owner: type === "gitlab" ? owner.replace("~", "") : owner, repo, ...refOrRev, ...(host === undefined ? {} : { host }), ...rest }
  })

const indirectArb = fc
  .record({
    id: fc.tuple(chars("abcdefghijklmnopqrstuvwxyzABC", 1, 1), chars(`${alnum}_-`, 0, 8)).map(([a, b]) => `${a}${b}`),
    ref: fc.option(refArb.filter((r) => !r.includes("/")), { nil: undefined }),
    common: commonArb
  })
  .map(({ id, ref, common }) => ({ type: "indirect" as const, id, ...(ref === undefined ? {} : { ref }), ...common }))

const pathArb = fc.oneof(
  fc.record({ path: wildText(1, 16), common: commonArb }).map(({ path, common }) => ({ type: "path" as const, path, ...common })),
  fc
    .record({
      start: fc.constantFrom("/", "./", "../", ".", "/nix/store/"),
      rest: wildText(0, 12).map((s) => s.replace(/[?#]/g, "_").trimEnd()),
      common: commonArb
    })
    .map(({ start, rest, common }) => ({ type: "path" as const, path: `${start}${rest}`, bare: true as const, ...common }))
)

const gitArb = fc
  .record({
    url: urlArb(["https", "http", "ssh", "file", "git"], gitAttrParams),
    ref: fc.option(refArb, { nil: undefined }),
    flags: fc.record({ submodules: fc.boolean(), shallow: fc.boolean(), allRefs: fc.boolean() }, { requiredKeys: [] }),
    common: commonArb,
    attrParams: attrParamsArb(gitAttrParams)
  })
  .map(({ url, ref, flags, common, attrParams }) => ({ type: "git" as const, url, ...(ref === undefined ? {} : { ref }), ...flags, ...common, params: attrParams }))

const mercurialArb = fc
  .record({ url: urlArb(["https", "http", "ssh", "file"], new Set(["name"])), ref: fc.option(refArb, { nil: undefined }), common: commonArb, attrParams: attrParamsArb(new Set(["name"])) })
  .map(({ url, ref, common, attrParams }) => ({ type: "mercurial" as const, url, ...(ref === undefined ? {} : { ref }), ...common, params: attrParams }))

const curlArb = fc
  .record({
    type: fc.constantFrom("tarball" as const, "file" as const),
    url: urlArb(["https", "http", "file"], curlAttrParams, fc.constantFrom("", ".tar.gz", ".zip", ".nix", ".tar.zst")),
    common: commonArb,
    attrParams: attrParamsArb(curlAttrParams)
  })
  .map(({ type, url, common, attrParams }) => ({ type, url, ...common, params: attrParams }))

const flakeRefArb: fc.Arbitrary<FlakeRef.FlakeRef> = fc
  .oneof(forgeArb, indirectArb, pathArb, gitArb, mercurialArb, curlArb)
  .map((fields) => FlakeRef.make(fields as FlakeRef.FlakeRefFields))
  .filter(Either.isRight)
  .map((r) => r.right)

/** Texts assembled from the pieces of the grammar: most parse, many do not. */
const flakeTextArb = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom("github:", "gitlab:", "sourcehut:", "flake:", "path:", "git+https://", "git+ssh://git@", "git+file://", "git:", "hg+https://", "tarball+https://", "file+https://", "https://", "file://", "nixpkgs", ".", "./", "/") },
      { weight: 3, arbitrary: fc.constantFrom("o", "r", "NixOS", "~u", "host.org", "main", "x.tar.gz", REV, REV.toUpperCase(), "a b", "é", "%2F", "%20", "%", "-") },
      { weight: 2, arbitrary: fc.constantFrom("/", "?", "&", "=", "#", "^") },
      { weight: 2, arbitrary: fc.constantFrom("ref=", "rev=", "dir=", "host=", "narHash=", `narHash=${NAR}`, "lastModified=7", "submodules=1", "shallow=0", "lfs=1", "x=y", "name=n") }
    ),
    { maxLength: 8 }
  )
  .map((parts) => parts.join(""))
