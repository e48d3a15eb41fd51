// Sealed boxes (docs/PROTOCOL.md section 13) side by side with libsodium's crypto_box_seal
// (X25519 + XSalsa20-Poly1305, anonymous only; the closest peer: libsignal has no session-less
// encryption to a prekey bundle), in one Node process: seal and open times, sizes, ratios.
//   npm ci --prefix bench/js && node bench/js/box.mjs
// Not part of the test suite (docs/BENCHMARKS.md, "Sealed boxes").
import { createRequire } from "node:module";
import * as api from "twofold-pq";
import { composeBundle } from "twofold-pq/server";

const require = createRequire(import.meta.url);
const sodium = require("libsodium-wrappers");
await sodium.ready;

/** Median microseconds per call of `f` over 9 samples of `n` calls. */
function median(f, n, samples = 9) {
  const xs = [];
  for (let s = 0; s < samples; s++) {
    const t = performance.now();
    for (let i = 0; i < n; i++) f();
    xs.push(((performance.now() - t) / n) * 1000);
  }
  xs.sort((x, y) => x - y);
  return xs[samples >> 1];
}
const fmt = (us) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);

const bob = api.Identity.generate();
const store = api.PrekeyStore.generate(bob);
const bundle = composeBundle(store.upload({ oneTime: 1 }), null);
const alice = api.Identity.generate();
const cache = new api.IdentityCache();
const kp = sodium.crypto_box_keypair();

const rows = [];
for (const [label, size, n] of [["100 B", 100, 50], ["64 KiB", 65536, 20]]) {
  const pt = new Uint8Array(size).fill(7);
  const anon = api.sealBox(bundle, pt, { identityCache: cache });
  const auth = api.sealBox(bundle, pt, { from: alice, identityCache: cache });
  const sod = sodium.crypto_box_seal(pt, kp.publicKey);
  const t = {
    sealAnon: median(() => api.sealBox(bundle, pt), n),
    sealAnonCached: median(() => api.sealBox(bundle, pt, { identityCache: cache }), n),
    sealAuthCached: median(() => api.sealBox(bundle, pt, { from: alice, identityCache: cache }), n),
    openAnon: median(() => store.openBox(anon), n),
    openAuth: median(() => store.openBox(auth, { sender: alice.publicKey }), n),
    sodSeal: median(() => sodium.crypto_box_seal(pt, kp.publicKey), n),
    sodOpen: median(() => sodium.crypto_box_seal_open(sod, kp.publicKey, kp.privateKey), n),
  };
  rows.push([`seal ${label}, anonymous (bundle verified)`, fmt(t.sealAnon), fmt(t.sodSeal), `${(t.sealAnon / t.sodSeal).toFixed(1)}×`]);
  rows.push([`seal ${label}, anonymous, cached bundle`, fmt(t.sealAnonCached), fmt(t.sodSeal), `${(t.sealAnonCached / t.sodSeal).toFixed(1)}×`]);
  rows.push([`seal ${label}, sender-authenticated, cached`, fmt(t.sealAuthCached), "–", "–"]);
  rows.push([`open ${label}, anonymous`, fmt(t.openAnon), fmt(t.sodOpen), `${(t.openAnon / t.sodOpen).toFixed(1)}×`]);
  rows.push([`open ${label}, sender-authenticated`, fmt(t.openAuth), "–", "–"]);
  rows.push([`bytes added to ${label}`, `${anon.length - size} / ${auth.length - size}`, `${sod.length - size}`, `${((anon.length - size) / (sod.length - size)).toFixed(1)}×`]);
}
const w = [46, 14, 12, 10];
const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ");
console.log(line(["scenario", "twofold-pq", "libsodium", "ratio"]));
console.log(line(w.map((n) => "-".repeat(n))));
for (const r of rows) console.log(line(r));
console.log(
  "\nratio = twofold-pq / libsodium (> 1: twofold-pq slower or larger). twofold-pq: wasm, X-Wing\n" +
    "(X25519 + ML-KEM-768) to the bundle's signed prekeys, ChaCha20-Poly1305; a seal verifies the\n" +
    "bundle's two ML-DSA-65 signatures unless an IdentityCache already verified that upload.\n" +
    "libsodium: crypto_box_seal (X25519 + XSalsa20-Poly1305, no post-quantum part, no sender\n" +
    "authentication, no bundle to verify), wasm. Bytes: anonymous / sender-authenticated.",
);
