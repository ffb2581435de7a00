/**
 * The HTTP API of cim-nix. For now the liveness probe; the command and query endpoints grow
 * here as the handlers land (issue 8).
 */
import { HttpRouter, HttpServerResponse } from "@effect/platform"

/** `GET /healthz`: the process is up (no authentication, no Nix call). */
export const router = HttpRouter.empty.pipe(
  HttpRouter.get("/healthz", HttpServerResponse.unsafeJson({ status: "ok" }))
)
