/**
 * Entry point of the bundled `cim-nix-server`. Listens on 127.0.0.1 by default
 * (`CIM_NIX_HOST` / `CIM_NIX_PORT` to change; port 0 picks a free one) and prints
 * `listening on http://host:port` once ready.
 */
import { HttpServer } from "@effect/platform"
import { NodeHttpServer, NodeRuntime } from "@effect/platform-node"
import { Config, Effect, Layer } from "effect"
import { createServer } from "node:http"
import * as Routes from "./Routes.js"

const ServerLive = Layer.unwrapEffect(
  Effect.gen(function* () {
    const host = yield* Config.string("CIM_NIX_HOST").pipe(Config.withDefault("127.0.0.1"))
    const port = yield* Config.integer("CIM_NIX_PORT").pipe(
      Config.validate({ message: "CIM_NIX_PORT must be 0..65535 (0: any free port)", validation: (p) => p >= 0 && p <= 65535 }),
      Config.withDefault(8787)
    )
    return NodeHttpServer.layer(createServer, { host, port })
  })
)

const announce = Effect.flatMap(HttpServer.HttpServer, (server) =>
  Effect.sync(() => {
    const address = server.address
    if (address._tag === "TcpAddress") console.log(`listening on http://${address.hostname}:${address.port}`)
  })
)

HttpServer.serve(Routes.router).pipe(
  Layer.provide(Layer.effectDiscard(announce)),
  Layer.provide(ServerLive),
  Layer.launch,
  NodeRuntime.runMain
)
