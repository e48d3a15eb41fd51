// Memory per established session in one wasm instance: WebAssembly memory growth over many
// sessions (both sides of each handshake kept, one reply each way), divided by their number.
//   node bench/js/memory.mjs [sessions]
import { readFileSync } from "node:fs";
import { Identity, PrekeyStore, Session } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { initSync } from "../../npm/pkg/twofold_wasm.js";

const exports = initSync({
  module: readFileSync(new URL("../../npm/pkg/twofold_wasm_bg.wasm", import.meta.url)),
});
const N = Number(process.argv[2] ?? 1000);
const enc = new TextEncoder();
const bob = Identity.generate();
// No one-time prekeys: every handshake uses the same bundle (each goes to the replay cache).
const store = PrekeyStore.generate(bob);
const alice = Identity.generate();
const bundle = composeBundle(store.upload({ oneTime: 0 }), null);
// Compact initial messages: Bob's accept gets Alice's identity from his directory.
const initiatorIdentity = alice.publicKey;
const pairs = [];
// Warm up the allocator with one pair, then measure.
const once = () => {
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hi"));
  const { session: b } = Session.accept(bob, store, message, { initiatorIdentity });
  a.decrypt(b.encrypt(enc.encode("hello")));
  b.decrypt(a.encrypt(enc.encode("again")));
  return [a, b];
};
pairs.push(once());
const before = exports.memory.buffer.byteLength;
for (let i = 0; i < N; i++) pairs.push(once());
const after = exports.memory.buffer.byteLength;
const perSession = (after - before) / (2 * N);
const sealed = pairs[1][0].seal(new Uint8Array(32)).length;
console.log(`memory per established session: ${(perSession / 1024).toFixed(1)} KiB (${N} pairs, wasm memory ${(before / 2 ** 20).toFixed(1)} -> ${(after / 2 ** 20).toFixed(1)} MiB)`);
console.log(`sealed session: ${sealed} bytes`);
