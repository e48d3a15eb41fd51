// The size budget: what a browser downloads for twofold-pq (wasm + JS glue + the TypeScript
// layer), gzip, must stay at or under 100 KB (100,000 bytes). Bytes are stable, so this is a
// test, not a benchmark.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { sizes } from "../../../scripts/size.mjs";

const BUDGET_GZIP = 100_000;
const files = ["pkg/twofold_wasm_bg.wasm", "pkg/twofold_wasm.js", "dist/index.js", "dist/init.js"];

test(`browser download (wasm + JS) is at most ${BUDGET_GZIP} bytes gzip`, (t) => {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  for (const f of files) {
    const s = sizes(fileURLToPath(new URL(`../../${f}`, import.meta.url)));
    for (const k of Object.keys(total)) total[k] += s[k];
    t.diagnostic(`${f}: raw ${s.raw}, gzip ${s.gzip}, brotli ${s.brotli}`);
  }
  t.diagnostic(`total: raw ${total.raw}, gzip ${total.gzip}, brotli ${total.brotli} (budget ${BUDGET_GZIP} gzip)`);
  assert.ok(total.gzip <= BUDGET_GZIP, `gzip total ${total.gzip} exceeds ${BUDGET_GZIP}`);
});
