/**
 * Entry point of the bundled `cim-nix-server`. Listens on 127.0.0.1 by default
 * (`CIM_NIX_SERVER_HOST` / `CIM_NIX_SERVER_PORT`; port 0 picks a free one; see `ServerConfig`),
 * prints `listening on http://host:port` once ready, and on SIGTERM or SIGINT drains (see
 * `Lifecycle`) before closing the stores.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Duration, Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as Guard from "./Guard.js"
import * as HttpErrors from "./HttpErrors.js"
import * as Jobs from "./Jobs.js"
import * as Lifecycle from "./Lifecycle.js"
import * as NixGate from "./NixGate.js"
import * as Routes from "./Routes.js"
import * as Runtime from "./Runtime.js"
import * as ServerConfig from "./ServerConfig.js"

const program = Effect.gen(function* () {
  const config = yield* ServerConfig.load
  const lifecycle = yield* Lifecycle.make
  const catchUp = yield* Runtime.makeCatchUp
  const nodeServer = createServer()
  const gate = yield* NixGate.make(config.nixConcurrency, config.nixQueue)
  const app = HttpErrors.respond(Routes.make({ lifecycle, catchUp, gate, jobs: Jobs.make(lifecycle) }))
  yield* Layer.buildWithScope(
    HttpServer.serve(app, Guard.make({ token: config.token, maxBodyBytes: config.maxBodyBytes, lifecycle })).pipe(
      Layer.provide(NodeHttpServer.layer(() => nodeServer, { host: config.host, port: config.port })),
      Layer.provide(Runtime.layer(config))
    ),
    yield* Effect.scope
  )
  yield* Effect.addFinalizer(() => Lifecycle.drain(lifecycle, nodeServer, Duration.seconds(config.shutdownSeconds)))
  const address = nodeServer.address()
  if (address !== null && typeof address === "object") {
    console.log(`listening on http://${address.address}:${address.port}`)
  }
  console.log(`token: ${config.tokenSource}`)
  return yield* Effect.never
})

program.pipe(Effect.scoped, NodeRuntime.runMain)
