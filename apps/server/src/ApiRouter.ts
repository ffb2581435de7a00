/**
 * The router of the API: every endpoint of `Api` served at its method and path by the handler
 * of the same name. Nothing is served that `Api` (and so `/openapi.json`) does not describe, and
 * an endpoint without a handler (or a handler without an endpoint) does not compile. Endpoints
 * without a security middleware (`Api.Authorization`) are the open ones (`isOpen`).
 */
import { HttpApi, HttpApiMiddleware, type HttpMethod, HttpRouter } from "@effect/platform"
import { Api, type EndpointName } from "./Api.js"

/** What serves one endpoint. */
export type Handler<R> = HttpRouter.Route.Handler<unknown, R>

/** A handler for every endpoint of the API, by endpoint name. */
export type Handlers<R> = { readonly [Name in EndpointName]: Handler<R> }

/** An endpoint as the router needs it. */
export interface Endpoint {
  readonly name: EndpointName
  readonly method: HttpMethod.HttpMethod
  readonly path: HttpRouter.PathInput
  /** Served without the bearer token. */
  readonly open: boolean
}

/** Every endpoint of the API, in the order it declares them. */
export const endpoints: ReadonlyArray<Endpoint> = (() => {
  const found: Array<Endpoint> = []
  HttpApi.reflect(Api, {
    onGroup: () => {},
    onEndpoint: ({ endpoint, middleware }) => {
      if (found.some((e) => e.name === endpoint.name)) throw new Error(`two endpoints of the API are named ${endpoint.name}`)
      found.push({ name: endpoint.name as EndpointName, method: endpoint.method, path: endpoint.path, open: ![...middleware].some(HttpApiMiddleware.isSecurity) })
    }
  })
  return found
})()

/**
 * The router serving every endpoint with its handler; a `GET` endpoint also answers `HEAD`
 * (Node's server sends the head of the `GET` response without its body).
 */
export const make = <R>(handlers: Handlers<R>): HttpRouter.HttpRouter<unknown, HttpRouter.HttpRouter.ExcludeProvided<R>> =>
  HttpRouter.fromIterable(endpoints.flatMap((endpoint) =>
    (endpoint.method === "GET" ? ["GET", "HEAD"] as const : [endpoint.method]).map((method) =>
      HttpRouter.makeRoute(method, endpoint.path, handlers[endpoint.name]))))

/** A path pattern (`/builds/jobs/:id`) as a regular expression. */
const pattern = (path: string) => new RegExp(`^${path.replace(/[.]/g, "\\.").replace(/:\w+/g, "[^/]+")}$`)

const patterns = endpoints.map((endpoint) => ({ endpoint, path: pattern(endpoint.path) }))

/** The endpoint a request (`method`, and `url`: its path and query) goes to, if any (`HEAD` goes to a `GET` endpoint). */
export const endpointOf = (method: string, url: string): Endpoint | undefined => {
  const path = url.split("?", 1)[0]!
  const served = method === "HEAD" ? "GET" : method
  return patterns.find((p) => p.endpoint.method === served && p.path.test(path))?.endpoint
}

/** Whether a request goes to an endpoint that needs no token. */
export const isOpen = (method: string, url: string): boolean => endpointOf(method, url)?.open === true
