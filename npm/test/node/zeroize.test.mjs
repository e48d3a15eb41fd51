// The memory scan in Node (npm/test/common/memory-scan.js; Chromium runs the same module in
// npm/test/browser/package.test.mjs): every secret of identities, a prekey store and two
// sessions is in WebAssembly memory while they live (the negative control) and nowhere in it
// once they are disposed; the application key and the plaintexts passed in are wiped after
// each call.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as client from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { initSync } from "../../pkg/twofold_wasm.js";
import { memoryScan } from "../common/memory-scan.js";

// The package has already instantiated the module; initSync returns that same instance.
const exports = initSync({ module: readFileSync(new URL("../../pkg/twofold_wasm_bg.wasm", import.meta.url)) });

test("no secret survives dispose() anywhere in WebAssembly memory; the control sees them all while live", async (t) => {
  const r = await memoryScan({ ...client, composeBundle }, () => new Uint8Array(exports.memory.buffer));
  t.diagnostic(`${r.secrets} secrets scanned for in ${r.memoryBytes} bytes of linear memory; ${r.inputs} checks of an input right after its call`);
  assert.ok(r.secrets >= 20, `${r.secrets} secrets`);
  assert.deepEqual(r.survivors, [], "secrets found after dispose()");
  assert.deepEqual(r.lingering, [], "inputs found after the calls returned");
});
