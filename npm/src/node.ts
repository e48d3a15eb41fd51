/**
 * Node entry point (export condition `node`): instantiates the WebAssembly module
 * synchronously from the file shipped in the package, then re-exports the whole API, so in
 * Node `ready()` resolves immediately and can be skipped.
 */
import { readFileSync } from "node:fs";
import { initSync } from "../pkg/twofold_wasm.js";
import { markInitialized } from "./init.js";

initSync({ module: readFileSync(new URL("../pkg/twofold_wasm_bg.wasm", import.meta.url)) });
markInitialized();

export * from "./index.js";
