/**
 * Benchmarks of the Nix adapter against the raw `nix` programs, in the same run:
 * - batch evaluation of 50 and 500 attributes of a generated 20,000-package flake: one
 *   `evalAttributes` call (locked reference: one process; unlocked: metadata + eval) vs one
 *   `nix eval` per attribute vs a hand-written single `nix eval --apply`;
 * - adapter overhead per call on `nix eval --expr '1 + 1'` and on `nix build` of an
 *   already-built package, vs spawning the same `nix` command line directly.
 * Run with `node tools/bench/nix-cli.mjs` (writes its section of BENCHMARKS.md).
 */
import { Nix } from "@cim-nix/application"
import { AttributePath, FlakeRef, Installable } from "@cim-nix/domain"
import { Effect, Either, Layer, ManagedRuntime } from "effect"
import { spawn } from "node:child_process"
import * as Fs from "node:fs"
import * as Os from "node:os"
import * as Path from "node:path"
import { NixCli } from "../../src/index.js"

const env = { ...process.env, NIX_CONFIG: "substituters =" }
const features = ["--extra-experimental-features", "nix-command flakes"]
const packages = Number(process.env["BENCH_PACKAGES"] ?? 20_000)

/** The flake of tools' synthetic-flake.sh: `packages.x86_64-linux.pkg-<i>`, plain derivations. */
const writeSyntheticFlake = (dir: string, n: number) => {
  Fs.mkdirSync(dir, { recursive: true })
  Fs.writeFileSync(
    Path.join(dir, "flake.nix"),
    `{
  description = "synthetic package set of ${n} packages";
  outputs = { self }: {
    packages.x86_64-linux = builtins.listToAttrs (builtins.genList (i: {
      name = "pkg-\${toString i}";
      value = derivation {
        name = "pkg-\${toString i}-1.\${toString i}";
        system = "x86_64-linux";
        builder = "/bin/sh";
        args = [ "-c" "echo \${toString i} > $out" ];
      };
    }) ${n});
  };
}
`
  )
}

/** Runs `nix` with `args`, resolves with stdout; rejects on a non-zero exit. */
const rawNix = (args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const child = spawn("nix", [...features, ...args], { env, stdio: ["ignore", "pipe", "pipe"] })
    const out: Array<Buffer> = []
    const err: Array<Buffer> = []
    child.stdout.on("data", (b: Buffer) => out.push(b))
    child.stderr.on("data", (b: Buffer) => err.push(b))
    child.on("error", reject)
    child.on("close", (code) => (code === 0 ? resolve(Buffer.concat(out).toString()) : reject(new Error(`nix ${args.join(" ")}: ${code}\n${Buffer.concat(err)}`))))
  })

const time = async (f: () => Promise<unknown>): Promise<number> => {
  const start = performance.now()
  await f()
  return performance.now() - start
}

const median = (xs: ReadonlyArray<number>) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2
}

const ms = (x: number) => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${x.toFixed(1)} ms`)

const main = async () => {
  const load = Os.loadavg()
    .map((l) => l.toFixed(1))
    .join(" / ")
  const dir = Path.join(Fs.mkdtempSync(Path.join(Os.tmpdir(), "cim-nix-bench-")), "flake")
  writeSyntheticFlake(dir, packages)
  const url = `path:${dir}`
  const runtime = ManagedRuntime.make(NixCli.layerWith({ env: { NIX_CONFIG: "substituters =" } }) as Layer.Layer<Nix.Nix>)
  const run = <A, E>(effect: Effect.Effect<A, E, Nix.Nix>) => runtime.runPromise(effect)
  const nix = await run(Nix.Nix)
  const info = await run(nix.info)

  const unlocked = FlakeRef.unsafeMake({ type: "path", path: dir })
  const metadata = await run(nix.flakeMetadata(unlocked))
  const locked = metadata.locked
  const rows: Array<string> = []

  for (const n of [50, 500]) {
    const step = Math.floor(packages / n)
    const indices = Array.from({ length: n }, (_, k) => k * step)
    const paths = indices.map((i) => AttributePath.unsafeMake(["packages", "x86_64-linux", `pkg-${i}`, "name"]))
    const expected = indices.map((i) => `pkg-${i}-1.${i}`)
    const apply = `x: [ ${indices.map((i) => `x."pkg-${i}".name`).join(" ")} ]`
    const check = (values: ReadonlyArray<unknown>) => {
      if (JSON.stringify(values) !== JSON.stringify(expected)) throw new Error(`wrong batch result for ${n} attributes`)
    }
    const repeats = 7
    const lockedTimes: Array<number> = []
    const unlockedTimes: Array<number> = []
    const applyTimes: Array<number> = []
    for (let r = 0; r < repeats; r++) {
      lockedTimes.push(await time(async () => check((await run(nix.evalAttributes(locked, paths))).map((v) => (v.value._tag === "Some" ? v.value.value : null)))))
      unlockedTimes.push(await time(async () => check((await run(nix.evalAttributes(unlocked, paths))).map((v) => (v.value._tag === "Some" ? v.value.value : null)))))
      applyTimes.push(await time(async () => check(JSON.parse(await rawNix(["eval", "--json", `${url}#packages.x86_64-linux`, "--apply", apply])))))
    }
    const perAttribute = await time(async () => {
      for (const i of indices) {
        const value = JSON.parse(await rawNix(["eval", "--json", `${url}#packages.x86_64-linux.pkg-${i}.name`]))
        if (value !== `pkg-${i}-1.${i}`) throw new Error("wrong per-attribute result")
      }
    })
    const best = median(lockedTimes)
    rows.push(
      `| ${n} attributes | ${ms(best)} | ${ms(median(unlockedTimes))} | ${ms(median(applyTimes))} | ${ms(perAttribute)} | ${(perAttribute / best).toFixed(0)}x | ${(best / median(applyTimes)).toFixed(2)}x |`
    )
    console.error(rows.at(-1))
  }

  // Overhead per call, interleaved: adapter vs the same command line spawned directly.
  const iterations = 30
  const overhead = async (label: string, viaAdapter: () => Promise<unknown>, raw: () => Promise<unknown>) => {
    await viaAdapter()
    await raw()
    const a: Array<number> = []
    const b: Array<number> = []
    for (let k = 0; k < iterations; k++) {
      a.push(await time(viaAdapter))
      b.push(await time(raw))
    }
    const row = `| ${label} | ${ms(median(a))} | ${ms(median(b))} | ${ms(median(a) - median(b))} |`
    console.error(row)
    return row
  }
  const pkg = Either.getOrThrow(Installable.parseEither(`${url}#packages.x86_64-linux.pkg-0`))
  await run(nix.build([pkg]))
  const overheadRows = [
    await overhead(
      "`nix eval --json --expr '1 + 1'`",
      () => run(nix.eval({ _tag: "Expression", expression: "1 + 1" })),
      () => rawNix(["eval", "--json", "--expr", "1 + 1"])
    ),
    await overhead(
      "`nix build` of an already-built package",
      () => run(nix.build([pkg])),
      () => rawNix(["build", "--json", "--no-link", "-L", "--log-format", "internal-json", "--", Installable.format(pkg)])
    )
  ]
  await runtime.dispose()

  const cpu = Os.cpus()[0]?.model ?? "unknown CPU"
  const section = `## Nix adapter (adapter-nix-cli)

Run with \`node tools/bench/nix-cli.mjs\` (minutes: the per-attribute column spawns 550 \`nix eval\`
processes). Measured ${new Date().toISOString().slice(0, 10)} with Nix ${info.version.text}, Node ${process.version},
${Os.cpus().length} cores (${cpu}), load average ${load} at the start (other jobs share the machine:
compare columns of one run, not runs), \`NIX_CONFIG="substituters ="\` (offline); medians of 7 runs
(per-attribute: one run). Flake: ${packages.toLocaleString("en")} generated packages (\`path:\` flake, no eval cache);
each attribute is \`packages.x86_64-linux.pkg-<i>.name\`, spread evenly over the set. The hand-written
call is \`nix eval --json path:<dir>#packages.x86_64-linux --apply 'x: [ x."pkg-0".name ... ]'\`; the
adapter's batch goes through \`builtins.getFlake\` on the locked reference instead, which Nix 2.8
evaluates faster than an installable with \`--apply\`.

| batch | adapter, locked ref (1 process) | adapter, unlocked ref (metadata + eval) | hand-written \`nix eval --apply\` | one \`nix eval\` per attribute | speed-up vs per attribute | locked batch / hand-written |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join("\n")}

Adapter overhead per call (a warm process; medians of ${iterations} interleaved runs; raw = the same
\`nix\` command line spawned with \`child_process.spawn\`):

| call | adapter | raw \`nix\` | added |
| --- | --- | --- | --- |
${overheadRows.join("\n")}
`
  process.stdout.write(section)
}

main().catch((e) => {
  console.error(e)
  process.exit(1)
})
