import { describe, expect, it } from "@effect/vitest"
import { Effect } from "effect"
import { FlakeLock } from "@cim-nix/domain"
import { FlakeGraph } from "../../src/index.js"

const narHash = `sha256-${"A".repeat(43)}=`
const rev = "0123456789abcdef0123456789abcdef01234567"

const lock = Effect.runSync(
  FlakeLock.decode({
    version: 7,
    root: "root",
    nodes: {
      root: { inputs: { nixpkgs: "nixpkgs", "home-manager": "home-manager" } },
      nixpkgs: {
        locked: { type: "github", owner: "NixOS", repo: "nixpkgs", rev, narHash, lastModified: 1_700_000_000 },
        original: { type: "github", owner: "NixOS", repo: "nixpkgs" }
      },
      "home-manager": {
        inputs: { nixpkgs: ["nixpkgs"], missing: ["nope"] },
        locked: { type: "path", path: "/src/hm", narHash },
        original: { type: "path", path: "/src/hm" },
        flake: false
      }
    }
  })
)

describe("FlakeGraph", () => {
  const graph = FlakeGraph.fromLock("/work/f", lock, 1_700_086_400)

  it("has the root first, every locked node with its refs and the age of its lock, and edges with follows", () => {
    expect(graph.nodes).toEqual([
      { id: "root", root: true, flake: true },
      { id: "home-manager", root: false, original: "path:/src/hm", locked: `path:/src/hm?narHash=${narHash}`, narHash, flake: false },
      {
        id: "nixpkgs",
        root: false,
        original: "github:NixOS/nixpkgs",
        locked: expect.stringContaining(`github:NixOS/nixpkgs/${rev}`),
        rev,
        narHash,
        lastModified: 1_700_000_000,
        ageSeconds: 86_400,
        flake: true
      }
    ])
    expect(graph.edges).toEqual([
      { from: "root", input: "home-manager", to: "home-manager" },
      { from: "root", input: "nixpkgs", to: "nixpkgs" },
      { from: "home-manager", input: "missing", follows: ["nope"] },
      { from: "home-manager", input: "nixpkgs", to: "nixpkgs", follows: ["nixpkgs"] }
    ])
  })

  it("renders DOT and Mermaid with the short rev and age, follows dashed", () => {
    expect(FlakeGraph.toDot(graph)).toBe(`digraph flake {
  rankdir=LR;
  "root" [label="root (this flake)", shape=box];
  "home-manager" [label="home-manager\\npath:/src/hm"];
  "nixpkgs" [label="nixpkgs\\n0123456\\nlocked 1d ago"];
  "root" -> "home-manager" [label="home-manager"];
  "root" -> "nixpkgs" [label="nixpkgs"];
  "home-manager" -> "nixpkgs" [label="nixpkgs follows nixpkgs", style=dashed];
}`)
    expect(FlakeGraph.toMermaid(graph)).toBe(`flowchart LR
  n_root["root (this flake)"]
  n_home_2d_manager("home-manager<br/>path:/src/hm")
  n_nixpkgs("nixpkgs<br/>0123456<br/>locked 1d ago")
  n_root -->|"home-manager"| n_home_2d_manager
  n_root -->|"nixpkgs"| n_nixpkgs
  n_home_2d_manager -.->|"nixpkgs follows nixpkgs"| n_nixpkgs`)
  })
})
