/**
 * The API's documentation: `GET /openapi.json`, generated from `Api` by `OpenApi.fromApi`, and
 * `GET /docs`, Swagger UI on that document. Swagger UI's files come from the `swagger-ui-dist`
 * package installed beside the server (no network needed); only the files the page loads are
 * served. Its "Authorize" button takes the bearer token for "Try it out".
 */
import { HttpRouter, HttpServerResponse, OpenApi } from "@effect/platform"
import { Effect, Option } from "effect"
import { readFileSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { Api } from "./Api.js"
import { NotFound } from "./HttpErrors.js"

/** The server's version: its package's (this module runs from `src/` or, bundled, `dist/`, both beside `package.json`). */
const version = (): string => {
  try {
    return (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version
  } catch {
    return "unknown"
  }
}

/** The OpenAPI 3.1 document of the API. */
export const spec = (): OpenApi.OpenAPISpec => {
  const generated = OpenApi.fromApi(Api, { additionalPropertiesStrategy: "allow" })
  return { ...generated, info: { ...generated.info, version: version() } }
}

/** The Swagger UI files the page loads, with their content types. */
const assets: Readonly<Record<string, string>> = {
  "swagger-ui.css": "text/css; charset=utf-8",
  "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
  "favicon-32x32.png": "image/png"
}

const page = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>cim-nix API</title>
    <link rel="stylesheet" href="/docs/swagger-ui.css" />
    <link rel="icon" type="image/png" href="/docs/favicon-32x32.png" />
  </head>
  <body>
    <div id="swagger-ui"></div>
    <script src="/docs/swagger-ui-bundle.js"></script>
    <script>
      window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", validatorUrl: null, deepLinking: true, persistAuthorization: true, tryItOutEnabled: true })
    </script>
  </body>
</html>
`

/** The handlers of the documentation endpoints. */
export const handlers = () => {
  let document: string | undefined
  const files = new Map<string, Uint8Array>()
  const read = (file: string) => Effect.sync(() => readFileSync(join(dirname(createRequire(import.meta.url).resolve("swagger-ui-dist/package.json")), file)))
  return {
    openapi: Effect.sync(() => HttpServerResponse.text(document ??= JSON.stringify(spec()), { contentType: "application/json" })),
    docs: Effect.succeed(HttpServerResponse.html(page)),
    docsAsset: Effect.gen(function* () {
      const { file = "" } = yield* HttpRouter.params
      const contentType = Option.fromNullable(Object.hasOwn(assets, file) ? assets[file] : undefined)
      if (Option.isNone(contentType)) return yield* new NotFound({ message: `no file ${file} in the documentation`, hint: "open /docs" })
      const bytes = files.get(file) ?? (yield* read(file))
      files.set(file, bytes)
      return HttpServerResponse.uint8Array(bytes, { contentType: contentType.value, headers: { "cache-control": "public, max-age=86400" } })
    })
  }
}
