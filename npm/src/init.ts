/**
 * Module-wide flag shared by the browser and Node entry points: whether the WebAssembly
 * module is instantiated.
 */
let initialized = false;

/** Whether the WebAssembly module is loaded (always true in Node once imported). */
export function isInitialized(): boolean {
  return initialized;
}

/** @internal */
export function markInitialized(): void {
  initialized = true;
}
