/**
 * FlakeGraph: the input graph of a flake from its `flake.lock`: one node per locked input (its
 * original and locked reference, rev, narHash, lastModified and the age of the lock), one edge
 * per input of a node (to the node it is locked to, or, for a `follows`, to the node the path
 * resolves to, with the path). Rendered as JSON (the value), Graphviz DOT or Mermaid.
 */
import { Clock, Effect, Option } from "effect"
import { FlakeLock, FlakeRef, IoError } from "@cim-nix/domain"
import * as Workspace from "../ports/Workspace.js"

/** The query: the flake's absolute directory. */
export interface FlakeGraphQuery {
  readonly path: string
}

/** One node of `flake.lock` (the root has no references). */
export interface GraphNode {
  readonly id: string
  readonly root: boolean
  readonly original?: string
  readonly locked?: string
  readonly rev?: string
  readonly narHash?: string
  readonly lastModified?: number
  /** Seconds between `lastModified` and now. */
  readonly ageSeconds?: number
  /** False for `flake = false` inputs. */
  readonly flake: boolean
}

/** An input of a node; `follows` is set when the input follows a path from the root. */
export interface GraphEdge {
  readonly from: string
  readonly input: string
  /** The node the input resolves to (absent when a follows path does not resolve). */
  readonly to?: string
  readonly follows?: ReadonlyArray<string>
}

/** The graph. */
export interface FlakeGraph {
  readonly path: string
  readonly lockVersion: number
  readonly nodes: ReadonlyArray<GraphNode>
  readonly edges: ReadonlyArray<GraphEdge>
}

/** Builds the graph of a parsed lock file, ages counted up to `nowSeconds`. */
export const fromLock = (path: string, lock: FlakeLock.FlakeLock, nowSeconds: number): FlakeGraph => {
  const ids = Object.keys(lock.nodes).sort((a, b) => (a === lock.root ? -1 : b === lock.root ? 1 : a < b ? -1 : a > b ? 1 : 0))
  const nodes = ids.map((id): GraphNode => {
    const node = lock.nodes[id]!
    const locked = node.locked
    return {
      id,
      root: id === lock.root,
      ...(node.original === undefined ? {} : { original: FlakeRef.format(node.original) }),
      ...(locked === undefined ? {} : { locked: FlakeRef.format(locked) }),
      ...(locked?.rev === undefined ? {} : { rev: locked.rev }),
      ...(locked?.narHash === undefined ? {} : { narHash: locked.narHash }),
      ...(locked?.lastModified === undefined ? {} : { lastModified: locked.lastModified, ageSeconds: Math.max(0, nowSeconds - locked.lastModified) }),
      flake: node.flake ?? true
    }
  })
  const edges = ids.flatMap((from) =>
    Object.entries(lock.nodes[from]!.inputs ?? {})
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([input, target]): GraphEdge => {
        if (typeof target === "string") return { from, input, to: target }
        const to = FlakeLock.resolve(lock, target)
        return { from, input, ...(Option.isSome(to) ? { to: to.value } : {}), follows: target }
      })
  )
  return { path, lockVersion: lock.version, nodes, edges }
}

/** Reads `<path>/flake.lock` and builds its graph. */
export const handle = (query: FlakeGraphQuery) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const file = `${query.path === "/" ? "" : query.path}/flake.lock`
    if (!(yield* workspace.exists(file))) {
      return yield* new IoError({
        path: file,
        operation: "read",
        message: `there is no flake.lock in ${query.path}`,
        hint: `Lock the flake first: cim-nix flake update ${query.path}`
      })
    }
    const lock = yield* Effect.flatMap(workspace.readFile(file), FlakeLock.parse)
    return fromLock(query.path, lock, Math.floor((yield* Clock.currentTimeMillis) / 1000))
  })

const age = (seconds: number): string =>
  seconds < 3600 ? `${Math.floor(seconds / 60)}m` : seconds < 86400 ? `${Math.floor(seconds / 3600)}h` : `${Math.floor(seconds / 86400)}d`

/** A short label of a node: its id, its short rev or locked reference, and the age of the lock. */
const label = (node: GraphNode): string =>
  node.root
    ? `${node.id} (this flake)`
    : [node.id, node.rev === undefined ? node.original : node.rev.slice(0, 7), node.ageSeconds === undefined ? undefined : `locked ${age(node.ageSeconds)} ago`]
        .filter((part) => part !== undefined)
        .join("\\n")

const dotString = (text: string) => `"${text.replace(/\\(?!n)/g, "\\\\").replace(/"/g, '\\"')}"`

/** Graphviz DOT: solid edges for locked inputs, dashed ones labelled `follows a/b`. */
export const toDot = (graph: FlakeGraph): string =>
  [
    "digraph flake {",
    "  rankdir=LR;",
    ...graph.nodes.map((n) => `  ${dotString(n.id)} [label=${dotString(label(n))}${n.root ? ", shape=box" : ""}];`),
    ...graph.edges.flatMap((e) =>
      e.to === undefined
        ? []
        : [`  ${dotString(e.from)} -> ${dotString(e.to)} [label=${dotString(e.follows === undefined ? e.input : `${e.input} follows ${e.follows.join("/")}`)}${e.follows === undefined ? "" : ", style=dashed"}];`]
    ),
    "}"
  ].join("\n")

const mermaidId = (id: string) => `n_${id.replace(/[^A-Za-z0-9_]/g, (c) => `_${c.charCodeAt(0).toString(16)}_`)}`
const mermaidText = (text: string) => `"${text.replace(/\\n/g, "<br/>").replace(/"/g, "#quot;")}"`

/** Mermaid flowchart: `-->` for locked inputs, `-.->` for follows. */
export const toMermaid = (graph: FlakeGraph): string =>
  [
    "flowchart LR",
    ...graph.nodes.map((n) => `  ${mermaidId(n.id)}${n.root ? "[" : "("}${mermaidText(label(n))}${n.root ? "]" : ")"}`),
    ...graph.edges.flatMap((e) =>
      e.to === undefined
        ? []
        : [`  ${mermaidId(e.from)} ${e.follows === undefined ? "-->" : "-.->"}|${mermaidText(e.follows === undefined ? e.input : `${e.input} follows ${e.follows.join("/")}`)}| ${mermaidId(e.to)}`]
    )
  ].join("\n")
