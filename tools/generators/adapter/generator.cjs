/**
 * `nx g @cim-nix/tools:adapter <name> --port <port>`: scaffolds packages/adapter-<name>, an
 * adapter of one port of @cim-nix/application laid out like the others (package.json with the
 * `layer:adapter` tag, the source/dist exports and publish fields, tsconfigs with their project
 * references, vitest and eslint configs), a `layer` stub that compiles and dies when built, a
 * test that runs the port's contract suite against it, and a README. Then `pnpm install` links
 * the new package's workspace dependencies (skip it with --skipInstall).
 *
 * Plain CommonJS on purpose: Nx loads it without a build step or a TypeScript transpiler.
 */
"use strict"
const { execFileSync } = require("node:child_process")
const { readFileSync, readdirSync } = require("node:fs")
const { join } = require("node:path")

const application = "packages/application"
const filesDir = join(__dirname, "files")
const kebabCase = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/

/** `event-store` -> `EventStore`. */
const pascal = (kebab) => kebab.split("-").map((word) => word[0].toUpperCase() + word.slice(1)).join("")

/** `EventStore` -> `event-store`. */
const kebab = (pascalName) => pascalName.replace(/(?<=[a-z0-9])([A-Z])/g, "-$1").toLowerCase()

/** Replaces each `<%= key %>` of `text` by `vars[key]`; an unknown key is a bug in a template. */
const render = (text, vars) =>
  text.replace(/<%= (\w+) %>/g, (_, key) => {
    if (!(key in vars)) throw new Error(`adapter generator: the template variable "${key}" is not defined`)
    return vars[key]
  })

/** The ports that have a contract suite (`src/testing/<Port>Contract.ts`), in kebab case. */
const portsWithContracts = (tree) =>
  tree.children(`${application}/src/testing`)
    .filter((file) => /^[A-Z]\w*Contract\.ts$/.test(file))
    .map((file) => kebab(file.slice(0, -"Contract.ts".length)))

const json = (value) => `${JSON.stringify(value, null, 2)}\n`

// "./*" lets declaration files name types of any module (TS2742 otherwise).
const entry = (withSource, name) => ({
  ...(withSource ? { "@cim-nix/source": `./src/${name}.ts` } : {}),
  types: `./dist/${name}.d.ts`,
  import: `./dist/${name}.js`,
  default: `./dist/${name}.js`
})

const exportsOf = (withSource) => ({
  ".": entry(withSource, "index"),
  "./package.json": "./package.json",
  "./*": entry(withSource, "*")
})

const libReferences = [{ path: "../domain/tsconfig.lib.json" }, { path: "../application/tsconfig.lib.json" }]

/** The JSON files of the package: package.json and the three tsconfigs. */
const jsonFiles = (vars, base) => ({
  "package.json": {
    name: vars.packageName,
    version: base.version,
    description: vars.description,
    license: base.license,
    repository: { ...base.repository, directory: vars.directory },
    type: "module",
    exports: exportsOf(true),
    types: "./dist/index.d.ts",
    main: "./dist/index.js",
    files: ["dist", "src", "!**/*.tsbuildinfo"],
    sideEffects: false,
    publishConfig: { access: "public", exports: exportsOf(false) },
    nx: { tags: ["layer:adapter"] },
    dependencies: {
      "@cim-nix/application": "workspace:*",
      "@cim-nix/domain": "workspace:*",
      effect: base.dependencies.effect
    }
  },
  "tsconfig.json": {
    extends: "../../tsconfig.base.json",
    files: [],
    include: [],
    references: [{ path: "./tsconfig.lib.json" }, { path: "./tsconfig.spec.json" }]
  },
  "tsconfig.lib.json": {
    extends: "../../tsconfig.base.json",
    compilerOptions: { rootDir: "src", outDir: "dist", tsBuildInfoFile: "dist/tsconfig.lib.tsbuildinfo", types: ["node"] },
    include: ["src/**/*.ts"],
    references: libReferences
  },
  "tsconfig.spec.json": {
    extends: "../../tsconfig.base.json",
    compilerOptions: {
      outDir: "out-tsc/vitest",
      tsBuildInfoFile: "out-tsc/vitest/tsconfig.spec.tsbuildinfo",
      types: ["node"],
      noEmit: false
    },
    include: ["vitest.config.ts", "test/**/*.ts"],
    references: [{ path: "./tsconfig.lib.json" }, ...libReferences]
  }
})

/** The plain files every package has, the same in each. */
const fixedFiles = {
  "vitest.config.ts": `import { projectConfig } from "../../tools/vitest/preset.mjs"\n\nexport default projectConfig(import.meta.dirname)\n`,
  "eslint.config.mjs": `import { configFor } from "../../eslint.config.mjs"\n\nexport default configFor("adapter")\n`
}

/** Checks the options against the workspace and derives every name the files use. */
const variables = (tree, options) => {
  const name = String(options.name ?? "")
  const portKebab = String(options.port ?? "")
  if (!kebabCase.test(name)) throw new Error(`adapter generator: the name "${name}" is not kebab case (e.g. event-store-postgres)`)
  const ports = portsWithContracts(tree)
  if (!ports.includes(portKebab)) {
    throw new Error(
      `adapter generator: no contract suite for the port "${portKebab}" (${application}/src/testing/${pascal(portKebab || "x")}Contract.ts). ` +
      `Ports with one: ${ports.join(", ") || "none"}. A new port needs its contract suite first (README, "Adding an adapter").`
    )
  }
  const port = pascal(portKebab)
  const technology = name.startsWith(`${portKebab}-`) ? name.slice(portKebab.length + 1) : name
  const module = options.module ?? `${pascal(technology)}${port}`
  if (!/^[A-Z][A-Za-z0-9]*$/.test(module)) throw new Error(`adapter generator: the module "${module}" is not PascalCase`)
  const directory = `packages/adapter-${name}`
  if (tree.exists(directory)) throw new Error(`adapter generator: ${directory} exists already`)
  return {
    name,
    directory,
    packageName: `@cim-nix/adapter-${name}`,
    port,
    portKebab,
    portCamel: port[0].toLowerCase() + port.slice(1),
    module,
    technology,
    description: options.description ?? `The ${port} port on ${technology}.`
  }
}

/** The generator: writes the package into `tree` and returns the install step. */
module.exports = function adapterGenerator(tree, options) {
  const vars = variables(tree, options)
  const base = JSON.parse(tree.read(`${application}/package.json`, "utf-8"))
  for (const [file, value] of Object.entries(jsonFiles(vars, base))) tree.write(`${vars.directory}/${file}`, json(value))
  for (const [file, text] of Object.entries(fixedFiles)) tree.write(`${vars.directory}/${file}`, text)
  for (const template of readdirSync(filesDir, { recursive: true }).filter((f) => f.endsWith(".template"))) {
    const target = template.slice(0, -".template".length).replace(/__(\w+)__/g, (_, key) => render(`<%= ${key} %>`, vars))
    tree.write(`${vars.directory}/${target}`, render(readFileSync(join(filesDir, template), "utf-8"), vars))
  }
  return () => {
    if (!options.skipInstall) execFileSync("pnpm", ["install"], { cwd: tree.root, stdio: "inherit" })
  }
}
