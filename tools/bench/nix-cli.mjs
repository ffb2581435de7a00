// Benchmarks of the Nix adapter (packages/adapter-nix-cli/test/bench/NixCli.bench.ts): batch
// evaluation vs per-attribute spawning and a hand-written `--apply`, and adapter overhead vs raw
// `nix`; writes the "Nix adapter" section of BENCHMARKS.md. Usage: node tools/bench/nix-cli.mjs [--no-write]
import { runBenchmark } from "./report.mjs"

await runBenchmark("nix-cli", "packages/adapter-nix-cli/test/bench/NixCli.bench.ts")
