/**
 * Module-wide flag shared by the browser and Node entry points of `twofold-pq/server`: whether
 * its WebAssembly module is instantiated.
 */
let initialized = false;

/** Whether the server's WebAssembly module is loaded (always true in Node once imported). */
export function isServerInitialized(): boolean {
  return initialized;
}

/** @internal */
export function markServerInitialized(): void {
  initialized = true;
}
