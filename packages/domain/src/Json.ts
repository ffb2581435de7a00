/**
 * JSON values: what `nix eval --json` prints and what the domain stores for option defaults,
 * examples, module `config` and overlay attribute changes. Numbers are finite.
 */
import { Schema } from "effect"

/** A JSON value. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | JsonObject

/** A JSON object (a Nix attribute set). */
export interface JsonObject {
  readonly [key: string]: Json
}

/** Schema of a JSON value. */
export const Json: Schema.Schema<Json> = Schema.Union(
  Schema.Null,
  Schema.Boolean,
  Schema.JsonNumber,
  Schema.String,
  Schema.Array(Schema.suspend(() => Json)),
  Schema.Record({ key: Schema.String, value: Schema.suspend(() => Json) })
).annotations({ identifier: "Json" }) // recursive: JSON Schema (OpenAPI) refers to it by this name

/** Schema of a JSON object. */
export const JsonObject: Schema.Schema<JsonObject> = Schema.Record({ key: Schema.String, value: Json })

/** True for a JSON object (not null, not a list). */
export const isObject = (value: Json): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value)
