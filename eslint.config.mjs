// Lint for the whole workspace. The layer rules of ARCHITECTURE.md live here:
// - domain imports `effect` and nothing else (no node:*, no @effect/platform*),
// - application imports domain (and effect), never an adapter or an app,
// - an adapter imports application and domain, never another adapter or an app,
// - apps compose everything.
// tools/test/layer-rules.test.mjs proves that a forbidden import is reported.
import nx from "@nx/eslint-plugin"
import tseslint from "typescript-eslint"

const nodeBuiltins = ["node:*", "fs", "fs/*", "path", "os", "child_process", "crypto", "url", "util", "events", "stream", "net", "http", "https", "process", "worker_threads"]

const ignores = { ignores: ["**/dist/**", "**/out-tsc/**", "**/node_modules/**", "**/*.tsbuildinfo", "**/.nx/**"] }

const base = {
  files: ["**/*.ts", "**/*.mts", "**/*.mjs"],
  languageOptions: { parser: tseslint.parser, ecmaVersion: "latest", sourceType: "module" },
  plugins: { "@nx": nx, "@typescript-eslint": tseslint.plugin },
  rules: {
    "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }]
  }
}

/** Which workspace packages a layer's sources may import (tests and configs are not layered). */
const boundaries = {
  files: ["src/**/*.ts"],
  rules: {
    "@nx/enforce-module-boundaries": [
      "error",
      {
        enforceBuildableLibDependency: false,
        allow: [],
        // The CLI loads the application's index on first use (start-up time) and imports a few of
        // its small modules (Ids, EventStoreUrl, FlakeTemplate) by path on purpose.
        checkDynamicDependenciesExceptions: ["@cim-nix/application", "@cim-nix/application/*"],
        depConstraints: [
          { sourceTag: "layer:domain", onlyDependOnLibsWithTags: [], allowedExternalImports: ["effect", "effect/*"] },
          { sourceTag: "layer:application", onlyDependOnLibsWithTags: ["layer:domain"] },
          { sourceTag: "layer:adapter", onlyDependOnLibsWithTags: ["layer:application", "layer:domain"] },
          { sourceTag: "layer:app", onlyDependOnLibsWithTags: ["layer:application", "layer:domain", "layer:adapter"] },
          { sourceTag: "layer:tools", onlyDependOnLibsWithTags: ["*"] }
        ]
      }
    ]
  }
}

const forbid = (files, patterns) => ({ files, rules: { "no-restricted-imports": ["error", { patterns }] } })

const otherPackages = ["@cim-nix/adapter-*", "@cim-nix/cli", "@cim-nix/server"]

/** Dynamic `import()` and `require()` of anything but `effect` (neither rule above sees them). */
const onlyEffectAtRunTime = (files, message) => ({
  files,
  rules: {
    "no-restricted-syntax": [
      "error",
      { selector: "ImportExpression:not([source.type='Literal'][source.value=/^effect(\\u002F|$)/])", message },
      { selector: "CallExpression[callee.name='require']", message }
    ]
  }
})

/** Import rules per layer, on top of the module-boundary rule (which cannot see Node builtins). */
const layerRules = {
  domain: [
    forbid(["src/**/*.ts"], [
      { group: nodeBuiltins, message: "packages/domain is pure: it imports only `effect` (no Node builtins, no I/O)." },
      { group: ["@effect/*", "@cim-nix/*"], message: "packages/domain imports only `effect`." }
    ]),
    onlyEffectAtRunTime(["src/**/*.ts"], "packages/domain imports only `effect`, dynamically too (no import() or require() of anything else).")
  ],
  application: [
    forbid(["src/**/*.ts"], [
      { group: ["node:*", "@effect/platform*"], message: "packages/application holds ports and handlers: I/O belongs in an adapter." },
      { group: otherPackages, message: "packages/application must not import an adapter or an app." }
    ])
  ],
  adapter: [
    forbid(["src/**/*.ts"], [
      { group: otherPackages, message: "an adapter imports application and domain only, never another adapter or an app." }
    ])
  ],
  app: [],
  tools: []
}

/** The flat config of one project: the shared base plus the import rules of its layer. */
export const configFor = (layer) => [ignores, base, boundaries, ...layerRules[layer]]

export default configFor("tools")
