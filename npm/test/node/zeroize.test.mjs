// Behavioural check of dispose(): a session's secrets are in WebAssembly memory while it lives
// and gone from all of it once it is disposed. The secret bytes are found by opening the
// session's own sealed state here (docs/PROTOCOL.md section 10), so the test knows exactly
// which 32 bytes to look for, and the positive control proves it could see them.
import assert from "node:assert/strict";
import { createDecipheriv, hkdfSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { Identity, PrekeyStore, Session, constants } from "twofold-pq";
import { composeBundle } from "twofold-pq/server";
import { initSync } from "../../pkg/twofold_wasm.js";

// The package has already instantiated the module; initSync returns that same instance.
const exports = initSync({ module: readFileSync(new URL("../../pkg/twofold_wasm_bg.wasm", import.meta.url)) });
const memory = () => new Uint8Array(exports.memory.buffer);

function contains(haystack, needle) {
  let at = haystack.indexOf(needle[0]);
  while (at !== -1 && at + needle.length <= haystack.length) {
    if (needle.every((b, i) => haystack[at + i] === b)) return true;
    at = haystack.indexOf(needle[0], at + 1);
  }
  return false;
}

/**
 * Opens a blob sealed with an empty context: header(5) || salt(32) || ChaCha20-Poly1305(key,
 * 0^12, aad = header || u16 len(context) || context), here aad = header || 0x0000.
 */
function openSealed(blob, appKey) {
  const header = blob.subarray(0, 5);
  const salt = blob.subarray(5, 37);
  const body = blob.subarray(37, blob.length - 16);
  const tag = blob.subarray(blob.length - 16);
  const info = Buffer.concat([Buffer.from("Twofold v1 sealed state"), Buffer.from([header[3]])]);
  const key = Buffer.from(hkdfSync("sha256", appKey, salt, info, 32));
  const d = createDecipheriv("chacha20-poly1305", key, Buffer.alloc(12), { authTagLength: 16 });
  d.setAAD(Buffer.concat([header, Buffer.alloc(2)]));
  d.setAuthTag(tag);
  return new Uint8Array(Buffer.concat([d.update(body), d.final()]));
}

test("dispose() wipes the sessions' root key from WebAssembly memory", () => {
  const enc = new TextEncoder();
  const bob = Identity.generate();
  const store = PrekeyStore.generate(bob);
  const bundle = composeBundle(store.upload({ oneTime: 1 }), 0);
  const alice = Identity.generate();
  const { session: a, message } = Session.initiate(alice, bundle, enc.encode("hi"));
  const { session: b } = Session.accept(bob, store, message, { initiatorIdentity: alice.publicKey });
  for (let i = 0; i < 3; i++) a.decrypt(b.encrypt(enc.encode(`r${i}`)));
  b.decrypt(a.encrypt(enc.encode("back")));

  const appKey = new Uint8Array(constants().appKeyLength).fill(9);
  const state = openSealed(b.seal(appKey), appKey);
  // Session plaintext (section 10.3): generation(8) role(1) our fingerprint(32) peer
  // fingerprint(32) session AD(32) SAS(8) handshake id(32) pending-prefix flag(1, 0 for the
  // responder), then the ratchet, whose first field is the root key.
  const flagAt = 8 + 1 + 32 + 32 + 32 + 8 + 32;
  assert.equal(state[8], 2, "the responder's session");
  assert.deepEqual(state.subarray(41, 73), b.peerFingerprint(), "the peer fingerprint field");
  assert.equal(state[flagAt], 0);
  const rootAt = flagAt + 1;
  // The last 16 bytes: a freed allocation's first words are reused by the allocator.
  const root = state.slice(rootAt + 16, rootAt + 32);
  state.fill(0);

  // Both sides hold the same root key: the control sees it while either lives.
  assert.ok(contains(memory(), root), "positive control: the live sessions' root key is in memory");
  b.dispose();
  assert.ok(contains(memory(), root), "positive control: Alice's session still holds it");
  a.dispose();
  assert.ok(!contains(memory(), root), "the root key survived dispose() somewhere in wasm memory");
});

test("dispose() wipes an identity's and a prekey store's secrets from WebAssembly memory", () => {
  const appKey = new Uint8Array(constants().appKeyLength).fill(7);
  const id = Identity.generate();
  const store = PrekeyStore.generate(id);
  store.upload({ oneTime: 1 });
  // Identity plaintext (section 10.4): X25519 secret (32) || ML-DSA seed (32) || binding.
  const ids = openSealed(id.seal(appKey), appKey);
  // Prekey store plaintext (section 10.5): generation (8) || owner (32) || spk id (4) ||
  // spk secret (32) || kem id (4) || kem seed (64) || ...
  const sts = openSealed(store.seal(appKey), appKey);
  // Last 16 bytes of each: a freed allocation's first words are reused by the allocator.
  const secrets = {
    "identity X25519 secret": ids.slice(16, 32),
    "identity ML-DSA seed": ids.slice(48, 64),
    "signed prekey secret": sts.slice(60, 76),
    "last-resort KEM seed": sts.slice(128, 144),
  };
  ids.fill(0);
  sts.fill(0);
  for (const [name, s] of Object.entries(secrets)) {
    assert.ok(contains(memory(), s), `positive control: the live ${name} is in memory`);
  }
  store.dispose();
  for (const name of ["signed prekey secret", "last-resort KEM seed"]) {
    assert.ok(!contains(memory(), secrets[name]), `the ${name} survived dispose()`);
  }
  id.dispose();
  for (const name of ["identity X25519 secret", "identity ML-DSA seed"]) {
    assert.ok(!contains(memory(), secrets[name]), `the ${name} survived dispose()`);
  }
});
