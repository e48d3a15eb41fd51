// Prints raw, gzip (level 9) and brotli (quality 11) sizes of the given files and their total.
// Used by scripts/build-wasm; the size budget itself is a test in npm/test/size.test.mjs.
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

export function sizes(path) {
  const b = readFileSync(path);
  return {
    raw: b.length,
    gzip: gzipSync(b, { level: 9 }).length,
    brotli: brotliCompressSync(b, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
  for (const f of process.argv.slice(2)) {
    const s = sizes(f);
    for (const k of Object.keys(total)) total[k] += s[k];
    console.log(`size ${f}: raw ${kb(s.raw)}, gzip ${kb(s.gzip)}, brotli ${kb(s.brotli)}`);
  }
  console.log(`size total: raw ${kb(total.raw)}, gzip ${kb(total.gzip)}, brotli ${kb(total.brotli)}`);
}
