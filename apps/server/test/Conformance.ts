/**
 * Real responses against the API description: a response of an endpoint of `Api` must have a
 * status the endpoint declares, and a JSON body must decode with the schema declared for it.
 */
import { HttpApi } from "@effect/platform"
import type { SchemaAST } from "effect"
import { Either, Option, ParseResult, Schema } from "effect"
import { Api } from "../src/Api.js"
import * as ApiRouter from "../src/ApiRouter.js"

/** Per endpoint name, the declared statuses and the schema of each (none: an empty body). */
const declared = new Map<string, Map<number, Option.Option<SchemaAST.AST>>>()
HttpApi.reflect(Api, {
  onGroup: () => {},
  onEndpoint: ({ endpoint, errors, successes }) => {
    declared.set(endpoint.name, new Map([...successes, ...errors].map(([status, { ast }]) => [status, ast])))
  }
})

/** What is wrong with `response` to `method url`, or `undefined` (also for a request to no endpoint). */
export const check = async (method: string, url: string, response: Response): Promise<string | undefined> => {
  const endpoint = ApiRouter.endpointOf(method, url)
  if (endpoint === undefined) return undefined
  const schema = declared.get(endpoint.name)?.get(response.status)
  if (schema === undefined) return `${method} ${url}: ${response.status} is not declared for ${endpoint.name}`
  if (Option.isNone(schema) || !(response.headers.get("content-type") ?? "").startsWith("application/json")) return undefined
  const decoded = Schema.decodeUnknownEither(Schema.make(schema.value))(await response.clone().json())
  return Either.isLeft(decoded)
    ? `${method} ${url}: the ${response.status} body does not decode as declared for ${endpoint.name}: ${ParseResult.TreeFormatter.formatErrorSync(decoded.left)}`
    : undefined
}
