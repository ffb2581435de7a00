/**
 * Nix's structured log (`--log-format internal-json`): each stderr line `@nix {json}` is an
 * activity start/stop, a result (build log line, phase, progress, expected counts) or a
 * message. Parsed into the port's `BuildEvent`s, and turned back into the plain text Nix would
 * have printed, for error tails.
 */
import type { Nix } from "@cim-nix/application"
import { Option, Schema } from "effect"
import { stripAnsi } from "./diagnosis.js"

/** Activity type numbers (Nix `ActivityType`, stable since 2.0). */
const activityTypes: Readonly<Record<number, Nix.ActivityType>> = {
  0: "unknown",
  100: "copy-path",
  101: "file-transfer",
  102: "realise",
  103: "copy-paths",
  104: "builds",
  105: "build",
  106: "optimise-store",
  107: "verify-paths",
  108: "substitute",
  109: "query-path-info",
  110: "post-build-hook",
  111: "build-waiting"
}

/** Result type numbers (Nix `ResultType`). */
const result = { buildLogLine: 101, setPhase: 104, progress: 105, setExpected: 106, postBuildLogLine: 107 } as const

const activityType = (n: number): Nix.ActivityType => activityTypes[n] ?? "unknown"

const Field = Schema.Union(Schema.String, Schema.Number)

const LogRecord = Schema.Union(
  Schema.Struct({
    action: Schema.Literal("start"),
    id: Schema.Number,
    parent: Schema.optionalWith(Schema.Number, { default: () => 0 }),
    type: Schema.Number,
    text: Schema.optionalWith(Schema.String, { default: () => "" }),
    level: Schema.optionalWith(Schema.Number, { default: () => 3 }),
    fields: Schema.optionalWith(Schema.Array(Field), { default: () => [] })
  }),
  Schema.Struct({ action: Schema.Literal("stop"), id: Schema.Number }),
  Schema.Struct({
    action: Schema.Literal("result"),
    id: Schema.Number,
    type: Schema.Number,
    fields: Schema.optionalWith(Schema.Array(Field), { default: () => [] })
  }),
  Schema.Struct({ action: Schema.Literal("msg"), level: Schema.Number, msg: Schema.String })
)
type LogRecord = typeof LogRecord.Type

const decodeRecord = Schema.decodeUnknownOption(LogRecord)

const prefix = "@nix "

/** A structured record, or none for a plain line (Nix prints some before its logger is set up). */
const parseRecord = (line: string): Option.Option<LogRecord> => {
  if (!line.startsWith(prefix)) return Option.none()
  try {
    return decodeRecord(JSON.parse(line.slice(prefix.length)))
  } catch {
    return Option.none()
  }
}

const num = (fields: ReadonlyArray<string | number>, i: number): number => {
  const v = fields[i]
  return typeof v === "number" ? v : 0
}

const str = (fields: ReadonlyArray<string | number>, i: number): string => {
  const v = fields[i]
  return typeof v === "string" ? v : ""
}

const plainLevel = (line: string): number => (/^\s*error:/.test(line) ? 0 : /^\s*warning:/.test(line) ? 1 : 3)

/** The event of one stderr line (none for records that carry nothing for a progress display). */
export const parseLine = (line: string, at: number): Option.Option<Nix.BuildEvent> => {
  const record = parseRecord(line)
  if (Option.isNone(record)) {
    return line.trim() === "" ? Option.none() : Option.some({ _tag: "Message", level: plainLevel(line), text: stripAnsi(line) })
  }
  const r = record.value
  switch (r.action) {
    case "start":
      return Option.some({
        _tag: "ActivityStarted",
        id: r.id,
        parent: r.parent,
        activity: activityType(r.type),
        text: stripAnsi(r.text),
        drvPath: r.type === 105 && str(r.fields, 0) !== "" ? Option.some(str(r.fields, 0)) : Option.none(),
        at
      })
    case "stop":
      return Option.some({ _tag: "ActivityStopped", id: r.id, at })
    case "msg":
      return Option.some({ _tag: "Message", level: r.level, text: stripAnsi(r.msg) })
    case "result":
      switch (r.type) {
        case result.buildLogLine:
        case result.postBuildLogLine:
          return Option.some({ _tag: "BuildLogLine", id: r.id, line: stripAnsi(str(r.fields, 0)) })
        case result.setPhase:
          return Option.some({ _tag: "Phase", id: r.id, phase: str(r.fields, 0) })
        case result.progress:
          return Option.some({
            _tag: "Progress",
            id: r.id,
            done: num(r.fields, 0),
            expected: num(r.fields, 1),
            running: num(r.fields, 2),
            failed: num(r.fields, 3)
          })
        case result.setExpected:
          return Option.some({ _tag: "Expected", id: r.id, activity: activityType(num(r.fields, 0)), expected: num(r.fields, 1) })
        default:
          return Option.none()
      }
  }
}

/** `/nix/store/<32 chars>-hello-1.0.drv` -> `hello-1.0`, as Nix prefixes build log lines. */
const drvName = (drvPath: string): string => drvPath.slice(drvPath.lastIndexOf("/") + 34).replace(/\.drv$/, "")

/**
 * The text Nix prints to a terminal for a structured stderr: messages, build log lines
 * (`<drv name>> line`) and what is being built, without the progress records.
 */
export const toPlainText = (stderr: string): string => {
  const names = new Map<number, string>()
  const out: Array<string> = []
  for (const line of stderr.split("\n")) {
    const record = parseRecord(line)
    if (Option.isNone(record)) {
      if (line.trim() !== "") out.push(line)
      continue
    }
    const r = record.value
    if (r.action === "msg") out.push(r.msg)
    else if (r.action === "start" && r.level <= 3 && r.text !== "") {
      out.push(r.text)
      if (r.type === 105) names.set(r.id, drvName(str(r.fields, 0)))
    } else if (r.action === "result" && (r.type === result.buildLogLine || r.type === result.postBuildLogLine)) {
      out.push(`${names.get(r.id) ?? "build"}> ${str(r.fields, 0)}`)
    }
  }
  return stripAnsi(out.join("\n"))
}
