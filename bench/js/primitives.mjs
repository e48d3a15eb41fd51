// Each primitive twofold-pq calls, in its wasm build, side by side in one Node process with
// the same primitive in @noble/* (pure JS) and, for X25519, libsodium (wasm). `make bench`
// builds the wasm exports (bench/wasm-prims, same crates, versions, features and release
// profile as the package) with and without simd128 and runs this.
//   node bench/js/primitives.mjs PKG_DIR [PKG_DIR_SIMD]
// Medians of 9 samples; each sample runs the operation in a loop (inside wasm for ours).
import { createRequire } from "node:module";
import { resolve } from "node:path";
import { x25519 } from "@noble/curves/ed25519.js";
import { ml_kem768 } from "@noble/post-quantum/ml-kem.js";
import { ml_dsa65 } from "@noble/post-quantum/ml-dsa.js";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";

const require = createRequire(import.meta.url);
const sodium = require("libsodium-wrappers");

const SAMPLES = 9;
/** Median microseconds per operation of `run(n)`, which performs n operations. */
function time(run, n) {
  run(Math.max(1, n >> 2));
  const xs = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t = performance.now();
    run(n);
    xs.push(((performance.now() - t) * 1000) / n);
  }
  xs.sort((a, b) => a - b);
  return xs[SAMPLES >> 1];
}
const loop = (f) => (n) => {
  for (let i = 0; i < n; i++) f();
};

function load(dir) {
  if (!dir) return undefined;
  return require(resolve(dir, "twofold_wasm_prims.js"));
}

const [ours, oursSimd] = [load(process.argv[2]), load(process.argv[3])];
await sodium.ready;

const kem = ml_kem768.keygen(new Uint8Array(64).fill(3));
const { cipherText } = ml_kem768.encapsulate(kem.publicKey);
const dsa = ml_dsa65.keygen(new Uint8Array(32).fill(4));
const msg = new TextEncoder().encode("message");
const sig = ml_dsa65.sign(msg, dsa.secretKey, { context: new TextEncoder().encode("ctx") });
const xa = x25519.utils.randomSecretKey();
const xb = x25519.getPublicKey(x25519.utils.randomSecretKey());
const key = new Uint8Array(32).fill(9);
const nonce = new Uint8Array(12).fill(1);
const pt = new Uint8Array(100);
const ctx = new TextEncoder().encode("ctx");

// [name, our export, n for ours, noble op, n for noble, other op (name, fn)]
const rows = [
  ["X25519 DH", "x25519_dh", 200, () => x25519.getSharedSecret(xa, xb), 50,
    ["libsodium", () => sodium.crypto_scalarmult(xa, xb), 200]],
  ["X25519 keygen (public key)", "x25519_keygen", 200, () => x25519.getPublicKey(xa), 50,
    ["libsodium", () => sodium.crypto_scalarmult_base(xa), 200]],
  ["ML-KEM-768 keygen (from seed)", "mlkem_keygen", 100, () => ml_kem768.keygen(new Uint8Array(64).fill(3)), 30],
  ["ML-KEM-768 encaps (key decode + check + encaps)", "mlkem_encaps", 100, () => ml_kem768.encapsulate(kem.publicKey), 30],
  ["ML-KEM-768 encaps (expanded key)", "mlkem_encaps_expanded", 100, null, 0],
  ["ML-KEM-768 decaps", "mlkem_decaps", 100, () => ml_kem768.decapsulate(cipherText, kem.secretKey), 30],
  ["ML-DSA-65 keygen (from seed)", "mldsa_keygen", 40, () => ml_dsa65.keygen(new Uint8Array(32).fill(4)), 10],
  ["ML-DSA-65 sign (hedged, context)", "mldsa_sign", 40, () => ml_dsa65.sign(msg, dsa.secretKey, { context: ctx }), 10],
  ["ML-DSA-65 verify (key decode + verify)", "mldsa_verify", 40, () => ml_dsa65.verify(sig, msg, dsa.publicKey, { context: ctx }), 10],
  ["ML-DSA-65 verify (expanded key)", "mldsa_verify_expanded", 40, null, 0],
  ["ChaCha20-Poly1305 100 B seal + open", "aead_100", 2000, () => {
    const c = chacha20poly1305(key, nonce).encrypt(pt);
    chacha20poly1305(key, nonce).decrypt(c);
  }, 500],
  ["HMAC-SHA-256, one chain step", "hmac_step", 5000, () => hmac(sha256, key, Uint8Array.of(2)), 1000],
];

const fmt = (us) => (us === undefined ? "–" : us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} µs`);
const ratio = (a, b) => (a === undefined || b === undefined ? "–" : `${(a / b).toFixed(2)}x`);
const head = ["primitive", "twofold wasm", "+simd128", "noble JS", "other", "noble/twofold", "other/twofold"];
const out = [head];
for (const [name, exp, n, noble, nn, other] of rows) {
  const a = ours ? time((k) => ours[exp](k), n) : undefined;
  const s = oursSimd ? time((k) => oursSimd[exp](k), n) : undefined;
  const b = noble ? time(loop(noble), nn) : undefined;
  const o = other ? time(loop(other[1]), other[2]) : undefined;
  out.push([name, fmt(a), fmt(s), fmt(b), other ? `${fmt(o)} (${other[0]})` : "–", ratio(b, a), ratio(o, a)]);
}
const widths = head.map((_, i) => Math.max(...out.map((r) => String(r[i]).length)));
for (const r of out) console.log(r.map((c, i) => String(c).padEnd(widths[i])).join("  "));
console.log("(mlkem-wasm and mldsa-wasm are not in the npm registry: npm view answers 404.)");
