/**
 * @cim-nix/adapter-nix-cli: the `Nix` port over the real `nix` programs.
 */
export * as NixCli from "./NixCli.js"
