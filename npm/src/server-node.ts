/**
 * Node entry point of `twofold-pq/server` (export condition `node`): instantiates the server's
 * WebAssembly module synchronously from the file shipped in the package, and the client's
 * through the package's own Node entry point, then re-exports the server API, so in Node
 * `ready()` resolves immediately and can be skipped.
 */
import { readFileSync } from "node:fs";
import { initSync } from "../pkg-server/twofold_wasm_server.js";
import "./node.js";
import { markServerInitialized } from "./server-init.js";

initSync({
  module: readFileSync(new URL("../pkg-server/twofold_wasm_server_bg.wasm", import.meta.url)),
});
markServerInitialized();

export * from "./server.js";
