/**
 * @cim-nix/adapter-filesystem: the `Workspace` port on the local file system (confined paths,
 * atomic writes) and the byte-preserving `flake.nix` editor behind its `editFlake`.
 */
export * as FlakeNixEditor from "./FlakeNixEditor.js"
export * as NodeWorkspace from "./NodeWorkspace.js"
