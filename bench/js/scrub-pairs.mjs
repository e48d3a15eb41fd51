// One handshake, then N messages of 100 B through the npm API of a built package directory
// (a copy of npm/ with dist/, pkg/, pkg-server/): for timing two builds as whole processes,
// paired, with farm-bench (docs/BENCHMARKS.md, "Stack scrubbing").
//   node bench/js/scrub-pairs.mjs DIR N pingpong|oneway
import { setup } from "./setup.mjs";

const [dir, count = "3000", mode = "pingpong"] = process.argv.slice(2);
const api = await import(`${dir}/dist/node.js`);
const server = await import(`${dir}/dist/server-node.js`);
const [a, b, ...rest] = setup(api, server);
const pt = new Uint8Array(100);
for (let i = 0; i < Number(count); i++) {
  if (mode === "pingpong") {
    a.decrypt(b.encrypt(pt));
    b.decrypt(a.encrypt(pt));
  } else b.decrypt(a.encrypt(pt));
}
for (const o of [a, b, ...rest]) o.dispose();
