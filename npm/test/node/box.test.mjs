// Sealed boxes through the package in Node (docs/PROTOCOL.md section 13): round trips in both
// modes, the sender hidden from the server, every rejection with its code, the store left
// unchanged, and the committed vectors (vectors/box/sealed_box.json) through the package.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { test } from "node:test";
import { Identity, IdentityCache, PrekeyStore, TwofoldError, constants, describeBox, sealBox } from "twofold-pq";
import { composeBundle, describeBox as describeOnServer, fingerprintOf } from "twofold-pq/server";
const enc = new TextEncoder();
const DAY = 86400;

function throwsCode(fn, code) {
  assert.throws(fn, (e) => e instanceof TwofoldError && e.code === code, `expected ${code}`);
}

function bob() {
  const identity = Identity.generate();
  const store = PrekeyStore.generate(identity);
  const bundle = composeBundle(store.upload({ oneTime: 1 }), null);
  return { identity, store, bundle };
}

const hex = (b) => Buffer.from(b).toString("hex");
const unhex = (s) => new Uint8Array(Buffer.from(s, "hex"));

test("an anonymous box opens, with the documented overhead, and opening changes nothing", () => {
  const b = bob();
  const plaintext = enc.encode("a note for Bob");
  const sealed = sealBox(b.bundle, plaintext, { associatedData: enc.encode("ad") });
  assert.equal(sealed.length, plaintext.length + constants().sealedBoxOverhead);
  assert.equal(constants().sealedBoxOverhead, 1148);
  const info = describeBox(sealed);
  // A relay's view, from the server module (no client module needed): the same facts.
  assert.deepEqual(describeOnServer(sealed), info);
  assert.equal(info.authenticated, false);
  assert.equal(info.signedPrekeyId, b.store.info().signedPrekeyId);
  assert.equal(info.payloadLength, plaintext.length + 16);
  assert.equal(b.store.boxSender(sealed), null);
  const before = b.store.info();
  const opened = b.store.openBox(sealed, { associatedData: enc.encode("ad") });
  assert.deepEqual(opened.plaintext, plaintext);
  assert.equal(opened.sender, null);
  assert.deepEqual(opened.boxId, info.boxId);
  assert.deepEqual(b.store.info(), before);
  // The same box opens again: replays are the application's to refuse (by boxId).
  assert.deepEqual(b.store.openBox(sealed, { associatedData: enc.encode("ad") }).plaintext, plaintext);
});

test("a sender-authenticated box names its sender, hidden from the server, and opens with her identity", () => {
  const b = bob();
  const alice = Identity.generate();
  const carol = Identity.generate();
  const plaintext = enc.encode("from Alice, no session");
  const sealed = sealBox(b.bundle, plaintext, { from: alice });
  assert.equal(sealed.length, plaintext.length + constants().sealedBoxAuthenticatedOverhead);
  const info = describeBox(sealed);
  assert.equal(info.authenticated, true);
  // Neither Alice's X25519 key nor her fingerprint is in the box's bytes.
  const fp = fingerprintOf(alice.publicKey);
  assert.ok(!hex(sealed).includes(hex(fp)));
  assert.ok(!hex(sealed).includes(hex(alice.publicKey.subarray(3, 35))));
  assert.deepEqual(b.store.boxSender(sealed), fp);
  const opened = b.store.openBox(sealed, { sender: alice.publicKey });
  assert.deepEqual(opened.plaintext, plaintext);
  assert.deepEqual(opened.sender, fp);
  throwsCode(() => b.store.openBox(sealed), "IDENTITY_REQUIRED");
  throwsCode(() => b.store.openBox(sealed, { sender: carol.publicKey }), "INITIATOR_MISMATCH");
  throwsCode(() => b.store.openBox(sealBox(b.bundle, plaintext), { sender: alice.publicKey }), "INITIATOR_MISMATCH");
  // The sender's binding is checked after the box authenticated: an identity with Alice's
  // keys and a broken binding opens nothing (BAD_SIGNATURE); a cached sender costs no check.
  const broken = alice.publicKey.slice();
  broken[broken.length - 1] ^= 1;
  throwsCode(() => b.store.openBox(sealed, { sender: broken }), "BAD_SIGNATURE");
  const cache = new IdentityCache();
  assert.deepEqual(b.store.openBox(sealed, { sender: alice.publicKey, identityCache: cache }).plaintext, plaintext);
  assert.equal(cache.size, 1);
  // The expected recipient: a bundle of anyone else is refused before sealing.
  const bobFp = fingerprintOf(b.identity.publicKey);
  assert.ok(sealBox(b.bundle, plaintext, { recipient: bobFp }).length > 0);
  throwsCode(() => sealBox(b.bundle, plaintext, { recipient: fp }), "INITIATOR_MISMATCH");
  throwsCode(() => sealBox(b.bundle, plaintext, { recipient: bobFp.subarray(1) }), "INVALID_ARGUMENT");
});

test("altered boxes, other associated data, rotated keys and stale bundles are refused with their codes", () => {
  const b = bob();
  const now = Math.floor(Date.now() / 1000);
  const sealed = sealBox(b.bundle, new Uint8Array(100), { now });
  const before = b.store.info();
  for (const at of [0, 1, 2, 3, 4, 8, 12, 44, 1131, 1132, sealed.length - 1]) {
    const altered = sealed.slice();
    altered[at] ^= 1;
    assert.throws(() => b.store.openBox(altered), TwofoldError, `byte ${at}`);
  }
  throwsCode(() => b.store.openBox(sealed.subarray(0, 1140)), "TRUNCATED");
  throwsCode(() => b.store.openBox(sealed, { associatedData: enc.encode("x") }), "AUTH_FAILED");
  throwsCode(() => b.store.openBox("box"), "INVALID_ARGUMENT");
  throwsCode(() => sealBox(b.bundle, new Uint8Array(1), { now: now + 31 * DAY }), "STALE_PREKEY");
  assert.ok(sealBox(b.bundle, new Uint8Array(1), { now: now + 31 * DAY, maxPrekeyAge: null }).length > 0);
  assert.deepEqual(b.store.info(), before);
  // After a rotation the old pair opens during the grace period, not after prune.
  b.store.rotateSignedPrekeys(now);
  assert.equal(b.store.openBox(sealed).plaintext.length, 100);
  b.store.prune(now + 8 * DAY);
  throwsCode(() => b.store.openBox(sealed), "UNKNOWN_PREKEY");
});

test("the sealed-box vectors open through the package, and each rejection gives its code", async () => {
  const v = JSON.parse(await readFile(new URL("../../../vectors/box/sealed_box.json", import.meta.url), "utf8"));
  const appKey = unhex(v.app_key);
  const identity = Identity.open(unhex(v.bob.identity_blob), appKey, { context: enc.encode("box vectors identity") });
  const store = PrekeyStore.open(unhex(v.bob.prekey_store_blob), appKey, identity, {
    context: enc.encode("box vectors store"),
  });
  const alice = unhex(v.alice.identity.public);
  for (const b of v.boxes) {
    const authenticated = b.mode === "sender_authenticated";
    const sealed = unhex(b.box);
    const opened = store.openBox(sealed, {
      associatedData: unhex(b.associated_data),
      sender: authenticated ? alice : undefined,
    });
    assert.equal(hex(opened.plaintext), b.plaintext);
    assert.equal(hex(opened.boxId), b.values.box_id);
    assert.equal(describeBox(sealed).authenticated, authenticated);
  }
  assert.ok(v.rejections.length >= 20);
  for (const r of v.rejections) {
    const opts = { associatedData: unhex(r.associated_data), sender: r.sender === null ? undefined : unhex(r.sender) };
    throwsCode(() => store.openBox(unhex(r.box), opts), r.code);
  }
});
