/** Asks the real `nix` what an expression evaluates to (for checking the files the CLI wrote). */
import { execFileSync } from "node:child_process"

/** `nix eval --json --impure --expr <expression>`, parsed; no binary cache is asked. */
export const evalJson = (expression: string): unknown =>
  JSON.parse(
    execFileSync("nix", ["--extra-experimental-features", "nix-command", "eval", "--json", "--impure", "--expr", expression], {
      env: { ...process.env, NIX_CONFIG: "substituters =" }
    }).toString()
  )
