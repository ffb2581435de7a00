/**
 * Flakes: a directory holding `flake.nix`, its description, its inputs (each a flake reference,
 * or a `follows` of another input, with `inputs.<name>.inputs.<sub>.follows` overrides and
 * `flake = false`), the lock state of each input, and the outcome of the last `nix flake check`.
 * One stream per flake, keyed by its absolute path.
 *
 * Nix itself accepts an input named `self` (the flake's own `self` then hides it) and locks a
 * follows cycle, only to overflow its stack when evaluating: both are refused here.
 */
import { Effect, Option, Schema } from "effect"
import * as Aggregate from "./Aggregate.js"
import * as AttributePath from "./AttributePath.js"
import { FlakeError, ParseError, ValidationError } from "./Errors.js"
import * as FlakeRef from "./FlakeRef.js"
import { rules } from "./internal/names.js"

/** The envelope's `aggregateType` of flake streams. */
export const aggregateType = "Flake"
/** The stream of the flake in this directory. */
export const aggregateId = (path: string): string => path

// ---------------------------------------------------------------------------------------------
// Values

/** What is wrong with `path` as a flake directory, or undefined when it is absolute and normalised. */
export const pathProblem = (path: string): string | undefined => {
  if (path === "") return "is empty"
  if (path.includes("\0")) return "contains a NUL character"
  if (!path.startsWith("/")) return "is not absolute"
  if (path === "/") return undefined
  if (path.endsWith("/")) return "ends with /"
  for (const segment of path.slice(1).split("/")) {
    if (segment === "") return "has an empty segment (//)"
    if (segment === "." || segment === "..") return `has a ${segment} segment`
  }
  return undefined
}

/** An absolute, normalised directory path (no `.`, `..` or empty segments, no trailing `/`, no NUL). */
export const FlakePath = Schema.String.pipe(
  Schema.filter((path) => {
    const p = pathProblem(path)
    return p === undefined || `${JSON.stringify(path)} is not a flake path: it ${p}`
  }),
  Schema.brand("FlakePath")
)
export type FlakePath = typeof FlakePath.Type

/** Validates a flake path; `field` names it in the error. */
export const validatePath = (path: string, field = "path"): Effect.Effect<FlakePath, ValidationError> => {
  const p = pathProblem(path)
  return p === undefined
    ? Effect.succeed(FlakePath.make(path))
    : Effect.fail(
        new ValidationError({
          field,
          message: `${JSON.stringify(path)} is not a valid flake path: it ${p}`,
          hint: "Give the absolute, normalised directory of the flake (no ., .. or empty segments, no trailing /), e.g. /home/me/my-flake."
        })
      )
}

const inputPathElement = /^[a-zA-Z][a-zA-Z0-9_-]*$/
const rev = /^[0-9a-f]{40}$/
const narHash = /^sha256-[A-Za-z0-9+/]{43}=$/

/** An input as `flake.nix` declares it. Exactly one of `ref` and `follows` is present. */
export const FlakeInput = Schema.Struct({
  /** `inputs.<name>.url`. */
  ref: Schema.optional(FlakeRef.FlakeRef),
  /** `inputs.<name>.follows = "a/b"`: this input is the input at that path (`/`-separated input names). */
  follows: Schema.optional(Schema.String),
  /** `inputs.<name>.inputs.<sub>.follows = "<path>"`: the input's own input `<sub>` is the input at `<path>`. */
  overrides: Schema.Record({ key: Schema.String, value: Schema.String }),
  /** `inputs.<name>.flake`: false for a source tree without `flake.nix`. */
  flake: Schema.Boolean
})
export type FlakeInput = typeof FlakeInput.Type

/** The lock of one input (`flake.lock` `locked`): the revision, NAR hash and time it is pinned to. */
export const Locked = Schema.Struct({
  /** Commit (git, mercurial), 40 hex digits; absent for paths and tarballs. */
  rev: Schema.optional(Schema.String.pipe(Schema.pattern(rev))),
  /** SRI SHA-256 of the NAR of the source tree. */
  narHash: Schema.String.pipe(Schema.pattern(narHash)),
  /** Seconds since the epoch of the last commit or modification. */
  lastModified: Schema.optional(Schema.NonNegativeInt)
})
export type Locked = typeof Locked.Type

/** An output of `nix flake check` that failed, and why. */
export const FailedOutput = Schema.Struct({ output: Schema.String, message: Schema.String })
export type FailedOutput = typeof FailedOutput.Type

/** The outcome of `nix flake check`: output attribute paths (e.g. `checks.x86_64-linux.fmt`). */
export const CheckResult = Schema.Struct({
  passed: Schema.Array(Schema.String),
  failed: Schema.Array(FailedOutput)
})
export type CheckResult = typeof CheckResult.Type

/** A flake as its events describe it. */
export const Flake = Schema.Struct({
  path: FlakePath,
  description: Schema.String,
  inputs: Schema.Record({ key: Schema.String, value: FlakeInput }),
  /** The outputs the last check saw, sorted. */
  outputs: Schema.Array(Schema.String),
  locks: Schema.Record({ key: Schema.String, value: Locked }),
  lastCheck: Schema.optional(CheckResult)
})
export type Flake = typeof Flake.Type

// ---------------------------------------------------------------------------------------------
// Declarations (what a hand-written flake.nix says)

/** `inputs.<name>` of a `flake.nix`, as `nix eval --json` shows it. */
const InputDeclaration = Schema.Struct(
  {
    url: Schema.optional(Schema.String),
    follows: Schema.optional(Schema.String),
    flake: Schema.optional(Schema.Boolean),
    inputs: Schema.optional(Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Unknown }) }))
  },
  // The attribute-set form of a flake reference: type, owner, repo, ref, rev, ...
  Schema.Record({ key: Schema.String, value: Schema.Unknown })
)

/**
 * What a `flake.nix` declares, as `nix eval --json` shows its `description`, its `inputs` and
 * `implicit`: the arguments of `outputs` other than `self` that `inputs` does not declare (Nix
 * takes each as the indirect reference of the same name).
 */
const Declaration = Schema.Struct({
  description: Schema.String,
  inputs: Schema.Record({ key: Schema.String, value: InputDeclaration }),
  implicit: Schema.Array(Schema.String)
})
type Declaration = typeof Declaration.Type

const declarationError = (input: string, message: string, hint: string) =>
  new ParseError({ kind: "FlakeDeclaration", input, position: 0, message, hint })

/** The input specs of a declared input (validated later, as for any command). */
const specOf = (name: string, declared: Declaration["inputs"][string]) =>
  Effect.gen(function* () {
    const { url, follows, flake, inputs: subInputs, ...attrs } = declared
    let ref = url
    const notScalar = Object.entries(attrs).find(([, v]) => typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean")
    if (notScalar !== undefined) {
      return yield* declarationError(name, `input ${name}: ${notScalar[0]} is not a flake reference attribute`, "An input is url, follows, flake, inputs, or the attributes of a flake reference (type, owner, repo, ...).")
    }
    if (Object.keys(attrs).length > 0) {
      if (url !== undefined) {
        return yield* declarationError(name, `input ${name} has both a url and the attributes ${Object.keys(attrs).join(", ")}`, "Give the input's reference one way: url, or type and its attributes.")
      }
      ref = yield* Effect.mapError(FlakeRef.fromAttrs(attrs as FlakeRef.Attrs), (e) => declarationError(name, `input ${name}: ${e.message}`, e.hint))
        .pipe(Effect.map(FlakeRef.format))
    }
    const overrides: Record<string, string> = {}
    for (const [sub, override] of Object.entries(subInputs ?? {})) {
      const keys = Object.keys(override)
      if (keys.length !== 1 || typeof override.follows !== "string") {
        return yield* declarationError(
          name,
          `input ${name} sets ${keys.map((k) => `inputs.${sub}.${k}`).join(", ") || `inputs.${sub} to nothing`}: only follows overrides of an input's inputs are recorded`,
          `Write it as inputs.${name}.inputs.${sub}.follows = "<input>", or remove it before adopting the flake.`
        )
      }
      overrides[sub] = override.follows
    }
    return InputSpec.make({
      name,
      ...(ref === undefined ? {} : { ref }),
      ...(follows === undefined ? {} : { follows }),
      overrides,
      flake: flake ?? true
    })
  })

/** The AdoptFlake command for the flake in `path` whose `flake.nix` declares `json` (a Declaration). */
export const fromDeclaration = (path: string, json: unknown): Effect.Effect<AdoptFlake, ParseError> =>
  Effect.gen(function* () {
    const declaration = yield* Schema.decodeUnknown(Declaration)(json).pipe(
      Effect.mapError((e) => declarationError(path, `${path}/flake.nix declares what cim-nix cannot read: ${e.message}`, "Declare description as a string and each input as an attribute set (url, follows, flake, inputs)."))
    )
    const inputs = yield* Effect.forEach(Object.entries(declaration.inputs), ([name, declared]) => specOf(name, declared))
    return AdoptFlake.make({
      path,
      description: declaration.description,
      inputs: [...inputs, ...declaration.implicit.map((name) => InputSpec.make({ name, ref: name }))]
    })
  })

// ---------------------------------------------------------------------------------------------
// Commands

/** An input as a command gives it: the flake reference as text (`github:NixOS/nixpkgs`). */
export const InputSpec = Schema.Struct({
  name: Schema.String,
  ref: Schema.optional(Schema.String),
  follows: Schema.optional(Schema.String),
  overrides: Schema.optionalWith(Schema.Record({ key: Schema.String, value: Schema.String }), { default: () => ({}) }),
  flake: Schema.optionalWith(Schema.Boolean, { default: () => true })
})
export type InputSpec = typeof InputSpec.Type

/** Creates a flake. */
export const CreateFlake = Schema.TaggedStruct("CreateFlake", {
  path: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  inputs: Schema.optionalWith(Schema.Array(InputSpec), { default: () => [] })
})
export type CreateFlake = typeof CreateFlake.Type

/** Locks as a command gives them, per input name (checked by the aggregate). */
const Locks = Schema.Record({
  key: Schema.String,
  value: Schema.Struct({ rev: Schema.optional(Schema.String), narHash: Schema.String, lastModified: Schema.optional(Schema.Number) })
})

/**
 * Records a flake cim-nix did not create (a hand-written `flake.nix`) as it stands: its
 * description and the inputs it declares (FlakeAdopted), and what its `flake.lock` pins
 * (FlakeUpdated, in the same append).
 */
export const AdoptFlake = Schema.TaggedStruct("AdoptFlake", {
  path: Schema.String,
  description: Schema.optionalWith(Schema.String, { default: () => "" }),
  inputs: Schema.optionalWith(Schema.Array(InputSpec), { default: () => [] }),
  /** What `flake.lock` pins, per input (recorded after the adoption, as UpdateFlake records it). */
  locks: Schema.optionalWith(Locks, { default: () => ({}) })
})
export type AdoptFlake = typeof AdoptFlake.Type

/** Records the locks `nix flake update` (or `lock`) wrote for some or all inputs. */
export const UpdateFlake = Schema.TaggedStruct("UpdateFlake", { path: Schema.String, locks: Locks })
export type UpdateFlake = typeof UpdateFlake.Type

/** Adds an input. */
export const AddFlakeInput = Schema.TaggedStruct("AddFlakeInput", { path: Schema.String, input: InputSpec })
export type AddFlakeInput = typeof AddFlakeInput.Type

/** Removes an input. */
export const RemoveFlakeInput = Schema.TaggedStruct("RemoveFlakeInput", { path: Schema.String, name: Schema.String })
export type RemoveFlakeInput = typeof RemoveFlakeInput.Type

/** Records the outcome of `nix flake check`. */
export const CheckFlake = Schema.TaggedStruct("CheckFlake", { path: Schema.String, ...CheckResult.fields })
export type CheckFlake = typeof CheckFlake.Type

/** The commands of a flake. */
export const Command = Schema.Union(CreateFlake, AdoptFlake, UpdateFlake, AddFlakeInput, RemoveFlakeInput, CheckFlake)
export type Command = typeof Command.Type

// ---------------------------------------------------------------------------------------------
// Events

/** A flake was created. */
export const FlakeCreated = Schema.TaggedStruct("FlakeCreated", {
  path: FlakePath,
  description: Schema.String,
  inputs: Schema.Record({ key: Schema.String, value: FlakeInput })
})
export type FlakeCreated = typeof FlakeCreated.Type

/** A flake cim-nix did not create was recorded as its `flake.nix` declares it. */
export const FlakeAdopted = Schema.TaggedStruct("FlakeAdopted", {
  path: FlakePath,
  description: Schema.String,
  inputs: Schema.Record({ key: Schema.String, value: FlakeInput })
})
export type FlakeAdopted = typeof FlakeAdopted.Type

/** How the lock of one input changed (`before` is null when it was not locked). */
export const LockChange = Schema.Struct({ input: Schema.String, before: Schema.NullOr(Locked), after: Locked })
export type LockChange = typeof LockChange.Type

/** Inputs were (re)locked: one change per input, sorted by name, unchanged ones included. */
export const FlakeUpdated = Schema.TaggedStruct("FlakeUpdated", { path: FlakePath, changes: Schema.Array(LockChange) })
export type FlakeUpdated = typeof FlakeUpdated.Type

/** An input was added. */
export const FlakeInputAdded = Schema.TaggedStruct("FlakeInputAdded", { path: FlakePath, name: Schema.String, input: FlakeInput })
export type FlakeInputAdded = typeof FlakeInputAdded.Type

/** An input (and its lock) was removed. */
export const FlakeInputRemoved = Schema.TaggedStruct("FlakeInputRemoved", { path: FlakePath, name: Schema.String })
export type FlakeInputRemoved = typeof FlakeInputRemoved.Type

/** `nix flake check` ran. */
export const FlakeChecked = Schema.TaggedStruct("FlakeChecked", { path: FlakePath, ...CheckResult.fields })
export type FlakeChecked = typeof FlakeChecked.Type

/** The events of a flake. */
export const Event = Schema.Union(FlakeCreated, FlakeAdopted, FlakeUpdated, FlakeInputAdded, FlakeInputRemoved, FlakeChecked)
export type Event = typeof Event.Type

/** The state of a flake stream: none until created. */
export type State = Option.Option<Flake>

// ---------------------------------------------------------------------------------------------
// Invariants

const invalid = (field: string, message: string, hint: string) => new ValidationError({ field, message, hint })

const checkInputPath = (field: string, target: string) =>
  target.split("/").every((element) => inputPathElement.test(element))
    ? Effect.void
    : Effect.fail(
        invalid(
          field,
          `${JSON.stringify(target)} is not an input path`,
          "Write input names separated by /, e.g. nixpkgs or home-manager/nixpkgs; each name starts with a letter, then letters, digits, _ or -."
        )
      )

/** Validates an input of a command; `field` names the input in errors about its name. */
const validateInput = (field: string, spec: InputSpec) =>
  Effect.gen(function* () {
    const { name } = spec
    if (!AttributePath.isIdentifier(name)) {
      return yield* invalid(`${field}.name`, `${JSON.stringify(name)} is not a valid input name`, `An input name is ${rules.identifier}.`)
    }
    if (name === "self") {
      return yield* invalid(
        `${field}.name`,
        "an input cannot be named self: outputs receives the flake itself as self, so the input would never be seen",
        "Choose another name for the input."
      )
    }
    if ((spec.ref === undefined) === (spec.follows === undefined)) {
      return yield* invalid(
        `inputs.${name}`,
        `input ${name} has ${spec.ref === undefined ? "neither a ref nor follows" : "both a ref and follows"}`,
        "Give an input either a flake reference (url) or the input it follows, not both."
      )
    }
    if (spec.follows !== undefined) yield* checkInputPath(`inputs.${name}.follows`, spec.follows)
    for (const [sub, target] of Object.entries(spec.overrides)) {
      if (!inputPathElement.test(sub)) {
        return yield* invalid(
          `inputs.${name}.inputs`,
          `${JSON.stringify(sub)} is not an input name that follows can override`,
          "Name an input of the input: a letter, then letters, digits, _ or -."
        )
      }
      yield* checkInputPath(`inputs.${name}.inputs.${sub}.follows`, target)
    }
    const ref = spec.ref === undefined
      ? undefined
      : yield* FlakeRef.parse(spec.ref).pipe(Effect.mapError((e) => new ParseError({ ...e, message: `input ${name}: ${e.message}` })))
    const input: FlakeInput = { ...(ref === undefined ? {} : { ref }), ...(spec.follows === undefined ? {} : { follows: spec.follows }), overrides: spec.overrides, flake: spec.flake }
    return [name, input] as const
  })

interface Follows {
  /** The input path that follows, e.g. `a` or `a/nixpkgs`. */
  readonly key: string
  readonly field: string
  readonly target: string
}

const declaredFollows = (inputs: { readonly [name: string]: FlakeInput }): ReadonlyArray<Follows> =>
  Object.entries(inputs).flatMap(([name, input]) => [
    ...(input.follows === undefined ? [] : [{ key: name, field: `inputs.${name}.follows`, target: input.follows }]),
    ...Object.entries(input.overrides).map(([sub, target]) => ({ key: `${name}/${sub}`, field: `inputs.${name}.inputs.${sub}.follows`, target }))
  ])

type Resolution = { readonly node: ReadonlyArray<string> } | { readonly cycle: ReadonlyArray<Follows> }

/** The first follows cycle, as the chain of follows that loops, or undefined. */
const followsCycle = (inputs: { readonly [name: string]: FlakeInput }): ReadonlyArray<Follows> | undefined => {
  const declared = new Map(declaredFollows(inputs).map((f) => [f.key, f]))
  // Resolves an input path to the node it denotes, as Nix does: element by element, jumping
  // to the target of every declared follows on the way.
  const resolve = (path: ReadonlyArray<string>, chain: ReadonlyArray<Follows>): Resolution => {
    let node: ReadonlyArray<string> = []
    for (const element of path) {
      const follows = declared.get([...node, element].join("/"))
      if (follows === undefined) {
        node = [...node, element]
        continue
      }
      const seen = chain.findIndex((f) => f.key === follows.key)
      if (seen >= 0) return { cycle: chain.slice(seen) }
      const r = resolve(follows.target.split("/"), [...chain, follows])
      if ("cycle" in r) return r
      node = r.node
    }
    return { node }
  }
  for (const key of declared.keys()) {
    const r = resolve(key.split("/"), [])
    if ("cycle" in r) return r.cycle
  }
  return undefined
}

const showCycle = (cycle: ReadonlyArray<Follows>): string => {
  const steps = [cycle[0]!.key, ...cycle.map((f) => f.target)]
  return (steps[steps.length - 1] === steps[0] ? steps : [...steps, steps[0]!]).join(" -> ")
}

/** Checks that every follows target names an input and that follows never loop. */
const checkFollows = (inputs: { readonly [name: string]: FlakeInput }) =>
  Effect.gen(function* () {
    for (const follows of declaredFollows(inputs)) {
      const first = follows.target.split("/")[0]!
      if (!Object.hasOwn(inputs, first)) {
        const others = Object.keys(inputs).filter((name) => name !== follows.key.split("/")[0])
        return yield* invalid(
          follows.field,
          `follows target ${JSON.stringify(follows.target)} does not exist: the flake has no input ${first}`,
          others.length === 0 ? `Add input ${first} first.` : `Follow one of the flake's other inputs (${others.join(", ")}), or add input ${first} first.`
        )
      }
    }
    const cycle = followsCycle(inputs)
    if (cycle !== undefined) {
      return yield* invalid(
        "inputs",
        `the follows of the inputs form a cycle: ${showCycle(cycle)}`,
        "Break the cycle: give one of these inputs a flake reference (url) instead of follows."
      )
    }
  })

const checkLock = (name: string, lock: UpdateFlake["locks"][string]) =>
  Effect.gen(function* () {
    if (lock.rev !== undefined && !rev.test(lock.rev)) {
      return yield* invalid(`locks.${name}.rev`, `${JSON.stringify(lock.rev)} is not a revision`, "A locked revision is a commit hash of 40 lower-case hex digits.")
    }
    if (!narHash.test(lock.narHash)) {
      return yield* invalid(`locks.${name}.narHash`, `${JSON.stringify(lock.narHash)} is not a NAR hash`, "A NAR hash is written as in flake.lock: sha256- followed by 44 base64 characters.")
    }
    if (lock.lastModified !== undefined && !(Number.isSafeInteger(lock.lastModified) && lock.lastModified >= 0)) {
      return yield* invalid(`locks.${name}.lastModified`, `${lock.lastModified} is not a time`, "lastModified is a whole number of seconds since the epoch, as in flake.lock.")
    }
    const locked: Locked = {
      ...(lock.rev === undefined ? {} : { rev: lock.rev }),
      narHash: lock.narHash,
      ...(lock.lastModified === undefined ? {} : { lastModified: lock.lastModified })
    }
    return locked
  })

/** Checks the reported outputs and writes each attribute path canonically. */
const checkResult = (command: CheckFlake) =>
  Effect.gen(function* () {
    const seen = new Set<string>()
    const canonical = (field: string, output: string) =>
      Effect.gen(function* () {
        const printed = AttributePath.print(yield* AttributePath.parse(output))
        if (seen.has(printed)) {
          return yield* invalid(field, `output ${printed} is reported twice`, "Report each output once, as passed or as failed.")
        }
        seen.add(printed)
        return printed
      })
    const passed = yield* Effect.forEach(command.passed, (output) => canonical("passed", output))
    const failed = yield* Effect.forEach(command.failed, (f) => Effect.map(canonical("failed", f.output), (output) => ({ output, message: f.message })))
    return { passed, failed }
  })

const noFlake = (path: string) =>
  new FlakeError({
    path,
    message: `there is no flake at ${path} in the event log`,
    hint: "Create the flake first (flake create), adopt the flake.nix that is there (flake adopt), or check the path."
  })

/** The path and inputs of a flake being created or adopted, validated. */
const declare = (command: CreateFlake | AdoptFlake) =>
  Effect.gen(function* () {
    const path = yield* validatePath(command.path)
    const inputs = new Map<string, FlakeInput>()
    for (const [i, spec] of command.inputs.entries()) {
      const [name, input] = yield* validateInput(`inputs[${i}]`, spec)
      if (inputs.has(name)) return yield* invalid(`inputs.${name}`, `input ${name} is declared twice`, "Declare each input once.")
      inputs.set(name, input)
    }
    const declared = Object.fromEntries(inputs)
    yield* checkFollows(declared)
    return { path, description: command.description, inputs: declared }
  })

// ---------------------------------------------------------------------------------------------
// Decide and evolve

const decide = (command: Command, state: State): Effect.Effect<ReadonlyArray<Event>, ValidationError | ParseError | FlakeError> =>
  Effect.gen(function* () {
    if (command._tag === "CreateFlake" || command._tag === "AdoptFlake") {
      if (Option.isSome(state)) {
        return yield* new FlakeError({
          path: command.path,
          message: `a flake already exists at ${command.path}`,
          hint: command._tag === "CreateFlake"
            ? "Change the existing flake (add, remove or update inputs), or create the new one in another directory."
            : "It is recorded already: change it with the other flake commands."
        })
      }
      const declared = yield* declare(command)
      if (command._tag === "CreateFlake") return [FlakeCreated.make(declared)]
      const adopted = FlakeAdopted.make(declared)
      if (Object.keys(command.locks).length === 0) return [adopted]
      return [adopted, yield* lockUpdate(evolve(state, adopted), command.locks)]
    }
    if (Option.isNone(state)) return yield* noFlake(command.path)
    const flake = state.value
    switch (command._tag) {
      case "AddFlakeInput": {
        const [name, input] = yield* validateInput("input", command.input)
        if (Object.hasOwn(flake.inputs, name)) {
          return yield* invalid(`inputs.${name}`, `the flake already has an input ${name}`, "Remove the input first, or choose another name.")
        }
        yield* checkFollows({ ...flake.inputs, [name]: input })
        return [FlakeInputAdded.make({ path: flake.path, name, input })]
      }
      case "RemoveFlakeInput": {
        const { name } = command
        if (!Object.hasOwn(flake.inputs, name)) {
          return yield* invalid(`inputs.${name}`, `the flake has no input ${name}`, `Name one of its inputs: ${Object.keys(flake.inputs).join(", ") || "(it has none)"}.`)
        }
        const referrers = declaredFollows(flake.inputs).filter((f) => f.target.split("/")[0] === name && f.key.split("/")[0] !== name)
        if (referrers.length > 0) {
          return yield* invalid(
            `inputs.${name}`,
            `cannot remove input ${name}: ${referrers.map((f) => `${f.field} = "${f.target}"`).join(", ")} ${referrers.length === 1 ? "refers" : "refer"} to it`,
            "Change or remove those follows first."
          )
        }
        return [FlakeInputRemoved.make({ path: flake.path, name })]
      }
      case "UpdateFlake":
        return [yield* lockUpdate(state, command.locks)]
      case "CheckFlake": {
        const result = yield* checkResult(command)
        return [FlakeChecked.make({ path: flake.path, ...result })]
      }
    }
  })

/** FlakeUpdated for `locks` of the flake's inputs: each must be declared, with a reference of its own. */
const lockUpdate = (state: State, locks: UpdateFlake["locks"]) =>
  Effect.gen(function* () {
    const flake = Option.getOrThrow(state)
    const changes: Array<LockChange> = []
    for (const name of Object.keys(locks).sort()) {
      if (!Object.hasOwn(flake.inputs, name)) {
        return yield* invalid(`locks.${name}`, `the flake has no input ${name} to lock`, "Lock only inputs the flake declares.")
      }
      const input = flake.inputs[name]!
      if (input.follows !== undefined) {
        return yield* invalid(`locks.${name}`, `input ${name} follows ${input.follows}: it has no lock of its own`, `Lock ${input.follows} instead.`)
      }
      const after = yield* checkLock(name, locks[name]!)
      changes.push({ input: name, before: flake.locks[name] ?? null, after })
    }
    return FlakeUpdated.make({ path: flake.path, changes })
  })

const omit = <V>(record: { readonly [key: string]: V }, key: string): { readonly [key: string]: V } =>
  Object.fromEntries(Object.entries(record).filter(([k]) => k !== key))

const evolve = (state: State, event: Event): State => {
  if (event._tag === "FlakeCreated" || event._tag === "FlakeAdopted") {
    return Option.some({ path: event.path, description: event.description, inputs: event.inputs, outputs: [], locks: {} })
  }
  return Option.map(state, (flake): Flake => {
    switch (event._tag) {
      case "FlakeInputAdded":
        return { ...flake, inputs: { ...flake.inputs, [event.name]: event.input } }
      case "FlakeInputRemoved":
        return { ...flake, inputs: omit(flake.inputs, event.name), locks: omit(flake.locks, event.name) }
      case "FlakeUpdated":
        return { ...flake, locks: { ...flake.locks, ...Object.fromEntries(event.changes.map((c) => [c.input, c.after])) } }
      case "FlakeChecked":
        return {
          ...flake,
          outputs: [...event.passed, ...event.failed.map((f) => f.output)].sort(),
          lastCheck: { passed: event.passed, failed: event.failed }
        }
    }
  })
}

/** The flake aggregate. */
export const aggregate = Aggregate.make({
  aggregateType,
  initial: Option.none<Flake>(),
  decide,
  evolve,
  events: Event,
  schemaVersions: { FlakeCreated: 1, FlakeAdopted: 1, FlakeUpdated: 1, FlakeInputAdded: 1, FlakeInputRemoved: 1, FlakeChecked: 1 }
})
