/**
 * Writing a generated `.nix` file through the `Workspace` port: refused when the file exists
 * unless forced, its directory made when missing, and undone (the file removed, or its old
 * content put back) when the events of the command cannot be recorded.
 */
import { Effect, Option, Schema } from "effect"
import type { Aggregate, EventEnvelope, Json, ValidationError } from "@cim-nix/domain"
import { IoError } from "@cim-nix/domain"
import * as Workspace from "../ports/Workspace.js"
import * as CommandHandler from "./CommandHandler.js"

/** The fields of a request that writes one file: where, and whether an existing file may be replaced. */
export const requestFields = {
  file: Schema.String,
  force: Schema.optionalWith(Schema.Boolean, { default: () => false })
}

/** What `write` did: the absolute path written and how to take it back. */
export interface Written {
  readonly path: string
  readonly undo: Effect.Effect<void>
}

/** Writes `content` to `file` atomically; an existing file is an `IoError` unless `force`. */
export const write = (file: string, content: string, force: boolean) =>
  Effect.gen(function* () {
    const workspace = yield* Workspace.Workspace
    const path = yield* workspace.resolve(file)
    const before = (yield* workspace.exists(path)) ? Option.some(yield* workspace.readFile(path)) : Option.none<string>()
    if (Option.isSome(before) && !force) {
      return yield* new IoError({
        path,
        operation: "write",
        message: `${path} already exists`,
        hint: "Pass --force to replace it, or choose another file."
      })
    }
    const directory = path.slice(0, path.lastIndexOf("/"))
    if (directory !== "" && !(yield* workspace.exists(directory))) yield* workspace.makeDirectory(directory, { recursive: true })
    yield* workspace.writeFile(path, `${content}\n`, { overwrite: force })
    const undo = Option.match(before, {
      onNone: () => workspace.remove(path),
      onSome: (text) => workspace.writeFile(path, text, { overwrite: true })
    }).pipe(Effect.ignore)
    return { path, undo } satisfies Written
  })

/** A command whose one event describes a file: the event is recorded and the file written from it. */
export interface FileCommand<S, C, Ev extends Aggregate.TaggedEvent> {
  readonly aggregate: Aggregate.Aggregate<S, C, Ev>
  readonly aggregateId: string
  readonly command: C
  readonly causality: EventEnvelope.Causality
  readonly file: string
  readonly force: boolean
  /** The file's content, from the event `decide` returned. */
  readonly render: (event: Ev) => Effect.Effect<string, ValidationError>
}

/** Runs the command through `CommandHandler.execute`, writing the file as its side effect. */
export const record = <S, C, Ev extends Aggregate.TaggedEvent>(command: FileCommand<S, C, Ev>) =>
  Effect.gen(function* () {
    let file = command.file
    const outcome = yield* CommandHandler.execute({
      aggregate: command.aggregate,
      aggregateId: command.aggregateId,
      command: command.command,
      causality: command.causality,
      perform: ([event]) =>
        Effect.gen(function* () {
          const written = yield* write(command.file, yield* command.render(event!), command.force)
          file = written.path
          return written
        })
    })
    return { file, state: outcome.state, events: outcome.events }
  })

/** A command-line value: JSON (`8080`, `true`, `"text"`, `["a"]`), or the text itself when it is not JSON. */
export const parseValue = (text: string): Json.Json => {
  try {
    return JSON.parse(text) as Json.Json
  } catch {
    return text
  }
}
