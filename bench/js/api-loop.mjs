// A quick loop over the npm API, for comparing builds of the package (docs/BENCHMARKS.md,
// "Levers tried"): full setup (two identities, a store, an upload of one leaf, composeBundle,
// initiate (compact initial message), accept with Alice's identity as a directory returns it,
// one reply), 100 B ping-pong (the ratchet turns each message) and 100 B one
// way, medians of 9 samples. Build the variant (scripts/build-wasm, scripts/build-npm), then
//   node bench/js/api-loop.mjs
import * as api from "twofold-pq";
import * as server from "twofold-pq/server";
import { setup as setupWith } from "./setup.mjs";

const setup = () => setupWith(api, server);
/** Median milliseconds per call of `f` over 9 samples of `n` calls. */
function median(f, n, samples = 9) {
  const xs = [];
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    xs.push((performance.now() - t) / n);
  }
  xs.sort((x, y) => x - y);
  return xs[samples >> 1];
}
for (const o of setup()) o.dispose();
console.log(`full setup      ${median(() => { for (const o of setup()) o.dispose(); }, 10).toFixed(2)} ms`);
const [a, b, ...rest] = setup();
let [x, y] = [a, b];
const pt = new Uint8Array(100);
const pingPong = median(() => {
  y.decrypt(x.encrypt(pt));
  [x, y] = [y, x];
}, 300);
console.log(`100 B ping-pong ${(1000 * pingPong).toFixed(1)} µs`);
console.log(`100 B one way   ${(1000 * median(() => b.decrypt(a.encrypt(pt)), 2000)).toFixed(1)} µs`);
for (const o of [a, b, ...rest]) o.dispose();
