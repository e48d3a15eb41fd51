// The setup's steps one by one through the npm API, for comparing builds of the package
// (docs/BENCHMARKS.md, "Size levers of this change": the allocator). Each of 15 iterations
// times Bob's identity, his store, an upload of one leaf, composeBundle, Alice's initiate,
// Bob's accept (with Alice's identity as a directory returns it) and 100 B ping-pong (50
// round trips); prints the medians. Build the variant (scripts/build-wasm, scripts/build-npm),
// then
//   node bench/js/phases.mjs
import { Identity, PrekeyStore, Session } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";

const now = () => performance.now();
const median = (v) => [...v].sort((x, y) => x - y)[v.length >> 1];
const times = { identity: [], store: [], upload: [], compose: [], initiate: [], accept: [], pingpong: [] };
const timed = (name, fn) => {
  const t0 = now();
  const out = fn();
  times[name].push(now() - t0);
  return out;
};
const alice = Identity.generate();
const pt = new Uint8Array(100);
for (let i = 0; i < 15; i++) {
  const bob = timed("identity", () => Identity.generate());
  const store = timed("store", () => PrekeyStore.generate(bob));
  const upload = timed("upload", () => store.upload({ oneTime: 1 }));
  const bundle = timed("compose", () => composeBundle(upload, 0));
  const { session: a, message } = timed("initiate", () => Session.initiate(alice, bundle, pt));
  const { session: b } = timed("accept", () =>
    Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey }),
  );
  const t0 = now();
  for (let k = 0; k < 50; k++) {
    b.decrypt(a.encrypt(pt));
    a.decrypt(b.encrypt(pt));
  }
  times.pingpong.push((now() - t0) / 100);
  for (const o of [a, b, store, bob]) o.dispose();
}
for (const [name, v] of Object.entries(times)) console.log(`${name.padEnd(9)} ${median(v).toFixed(3)} ms`);
