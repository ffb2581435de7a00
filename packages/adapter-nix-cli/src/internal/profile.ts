/**
 * Profiles given by path, through `nix-env --profile` (present in every Nix version and working
 * on profiles made by `nix profile` too): list generations, set the profile to a store path (a
 * new generation), switch, roll back, delete generations.
 */
import type { Nix } from "@cim-nix/application"
import type { ParseError } from "@cim-nix/domain"
import { CommandError, StorePath } from "@cim-nix/domain"
import { Effect } from "effect"
import * as Fs from "node:fs"
import * as Path from "node:path"
import { type Arg, operand, type Runner } from "./runner.js"

type Info = Effect.Effect<Nix.NixInfo, CommandError>

const line = /^\s*(\d+)\s+(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)\s*(\(current\))?\s*$/

/** Parses `nix-env --list-generations` printed with TZ=UTC. */
export const parseGenerations = (stdout: string): ReadonlyArray<Omit<Nix.Generation, "storePath">> =>
  stdout.split("\n").flatMap((text) => {
    const m = line.exec(text)
    return m === null ? [] : [{ number: Number(m[1]), createdAt: Date.parse(`${m[2]}T${m[3]}Z`), current: m[4] !== undefined }]
  })

const nixEnv = (runner: Runner, profile: string, args: ReadonlyArray<Arg>, options: Nix.CallOptions) =>
  runner.exec({ program: "nix-env", args: ["--profile", Path.resolve(profile), ...args], env: { TZ: "UTC" }, timeout: options.timeout })

/** The generations of a profile, oldest first, with what each points to. */
export const list =
  (runner: Runner, info: Info) =>
  (profile: string, options: Nix.CallOptions = {}): Effect.Effect<ReadonlyArray<Nix.Generation>, CommandError | ParseError> =>
    Effect.gen(function* () {
      const nix = yield* info
      const done = yield* nixEnv(runner, profile, ["--list-generations"], options)
      const absolute = Path.resolve(profile)
      return yield* Effect.forEach(parseGenerations(done.stdout), (generation) =>
        Effect.gen(function* () {
          const link = `${absolute}-${generation.number}-link`
          const target = yield* Effect.try({
            try: () => Path.resolve(Path.dirname(link), Fs.readlinkSync(link)),
            catch: (e) =>
              new CommandError({
                command: done.command,
                message: `cannot read generation link ${link}: ${String(e)}`,
                hint: "The profile's generation links were changed outside Nix; list them with `nix-env --profile <p> --list-generations`."
              })
          })
          return { ...generation, storePath: yield* StorePath.parse(target, { allowLeadingDot: nix.capabilities.storeNameLeadingDot }) }
        })
      )
    })

const current = (runner: Runner, info: Info, profile: string, options: Nix.CallOptions) =>
  Effect.flatMap(list(runner, info)(profile, options), (generations) => {
    const found = generations.find((g) => g.current)
    return found === undefined
      ? Effect.fail(
          new CommandError({
            command: ["nix-env", "--profile", Path.resolve(profile), "--list-generations"],
            message: `profile ${profile} has no current generation`,
            hint: "Set the profile to a store path first."
          })
        )
      : Effect.succeed(found)
  })

/** `nix-env --profile P --set PATH`: a new generation, returned. */
export const set =
  (runner: Runner, info: Info) =>
  (profile: string, path: StorePath.StorePath, options: Nix.CallOptions = {}) =>
    nixEnv(runner, profile, ["--set", operand("store path", StorePath.format(path))], options).pipe(Effect.zipRight(current(runner, info, profile, options)))

/** `nix-env --profile P --switch-generation N`. */
export const switchTo =
  (runner: Runner, info: Info) =>
  (profile: string, generation: number, options: Nix.CallOptions = {}) =>
    nixEnv(runner, profile, ["--switch-generation", operand("generation", String(generation))], options).pipe(
      Effect.zipRight(current(runner, info, profile, options))
    )

/** `nix-env --profile P --rollback`. */
export const rollback =
  (runner: Runner, info: Info) =>
  (profile: string, options: Nix.CallOptions = {}) =>
    nixEnv(runner, profile, ["--rollback"], options).pipe(Effect.zipRight(current(runner, info, profile, options)))

const selectionArgs = (selection: Nix.GenerationSelection): ReadonlyArray<Arg> => {
  switch (selection._tag) {
    case "Old":
      return ["old"]
    case "OlderThan":
      return [`${Math.max(0, Math.floor(selection.days))}d`]
    case "Numbers":
      return selection.numbers.map((n) => operand("generation", String(Math.floor(n))))
  }
}

/** `nix-env --profile P --delete-generations (old | Nd | N...)`; returns the generations left. */
export const remove =
  (runner: Runner, info: Info) =>
  (profile: string, selection: Nix.GenerationSelection, options: Nix.CallOptions = {}) =>
    nixEnv(runner, profile, ["--delete-generations", ...selectionArgs(selection)], options).pipe(
      Effect.zipRight(list(runner, info)(profile, options))
    )
